// SPDX-License-Identifier: GPL-2.0-or-later
/* Loads a card profile from an INI file (GKeyFile); the format is in README.md. */
#include "vcard-profile.h"

#include <string.h>

G_DEFINE_QUARK(vcard - error - quark, vcard_error)

#define VCARD_MAX_EF_SIZE 65535
#define VCARD_ADF_FID_BASE 0x7FF0

typedef struct {
	VcardProfile *profile;
	GKeyFile *keyfile;
	GByteArray *image;
	GHashTable *adf_by_name; /* lower-case name -> VcardFile (borrowed) */
} Loader;

static void G_GNUC_PRINTF(4, 5)
        set_error(Loader *loader, GError **error, const gchar *group, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	if (group != NULL)
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE, "%s: [%s] %s",
		            loader->profile->source, group, msg);
	else
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE, "%s: %s",
		            loader->profile->source, msg);
}

gssize
vcard_parse_hex(const gchar *text, guint8 *out, gsize max)
{
	gsize n = 0;
	gint high = -1;

	for (const gchar *p = text; *p != '\0'; p++) {
		gint v;
		if (*p == ' ' || *p == '\t' || *p == ':')
			continue;
		v = g_ascii_xdigit_value(*p);
		if (v < 0)
			return -1;
		if (high < 0) {
			high = v;
			continue;
		}
		if (n >= max)
			return -1;
		out[n++] = (guint8)((high << 4) | v);
		high = -1;
	}
	return high < 0 ? (gssize)n : -1;
}

/* Checks that every key of @group is in @allowed. */
static gboolean
check_keys(Loader *loader, const gchar *group, const gchar *const *allowed, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(loader->keyfile, group, NULL, NULL);

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		gboolean ok = FALSE;
		for (guint j = 0; allowed[j] != NULL && !ok; j++)
			ok = g_str_equal(keys[i], allowed[j]);
		/* rec1, rec2, ... are checked by the record loader */
		if (!ok && g_str_has_prefix(keys[i], "rec") && g_strv_contains(allowed, "records"))
			ok = TRUE;
		if (!ok) {
			set_error(loader, error, group, "%s: unknown key", keys[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static gchar *
get_string(Loader *loader, const gchar *group, const gchar *key)
{
	gchar *value = g_key_file_get_string(loader->keyfile, group, key, NULL);

	if (value != NULL)
		g_strstrip(value);
	return value;
}

/* An integer key (decimal, or hex with 0x); @def when absent. */
static gboolean
get_uint(Loader *loader, const gchar *group, const gchar *key, guint64 def, guint64 min,
         guint64 max, guint64 *out, GError **error)
{
	g_autofree gchar *text = get_string(loader, group, key);
	guint64 value;
	gchar *end = NULL;

	if (text == NULL) {
		*out = def;
		return TRUE;
	}
	if (g_ascii_strncasecmp(text, "0x", 2) == 0)
		value = g_ascii_strtoull(text + 2, &end, 16);
	else
		value = g_ascii_strtoull(text, &end, 10);
	if (*text == '\0' || *text == '-' || end == NULL || *end != '\0' || value < min ||
	    (end == text + 2 && g_ascii_strncasecmp(text, "0x", 2) == 0) || value > max) {
		set_error(loader, error, group,
		          "%s: '%s' is not a number in %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
		          key, text, min, max);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

static gboolean
get_bool(Loader *loader, const gchar *group, const gchar *key, gboolean def, gboolean *out,
         GError **error)
{
	g_autofree gchar *text = get_string(loader, group, key);

	if (text == NULL) {
		*out = def;
		return TRUE;
	}
	if (g_ascii_strcasecmp(text, "true") == 0 || g_str_equal(text, "1") ||
	    g_ascii_strcasecmp(text, "yes") == 0) {
		*out = TRUE;
		return TRUE;
	}
	if (g_ascii_strcasecmp(text, "false") == 0 || g_str_equal(text, "0") ||
	    g_ascii_strcasecmp(text, "no") == 0) {
		*out = FALSE;
		return TRUE;
	}
	set_error(loader, error, group, "%s: '%s' is not true or false", key, text);
	return FALSE;
}

/* Hex key into @out; -1 when absent (not an error), -2 on error. */
static gssize
get_hex(Loader *loader, const gchar *group, const gchar *key, guint8 *out, gsize min, gsize max,
        GError **error)
{
	g_autofree gchar *text = get_string(loader, group, key);
	gssize len;

	if (text == NULL)
		return -1;
	len = vcard_parse_hex(text, out, max);
	if (len < 0 || (gsize)len < min) {
		if (min == max)
			set_error(loader, error, group, "%s: expected %zu bytes of hex", key, min);
		else
			set_error(loader, error, group, "%s: expected %zu to %zu bytes of hex", key,
			          min, max);
		return -2;
	}
	return len;
}

static gboolean
get_fixed_hex(Loader *loader, const gchar *group, const gchar *key, guint8 *out, gsize len,
              gboolean required, gboolean *found, GError **error)
{
	gssize n = get_hex(loader, group, key, out, len, len, error);

	if (n == -2)
		return FALSE;
	if (n == -1 && required) {
		set_error(loader, error, group, "%s: missing", key);
		return FALSE;
	}
	if (found != NULL)
		*found = n >= 0;
	return TRUE;
}

static gboolean
get_access(Loader *loader, const gchar *group, const gchar *key, VcardAccess def, VcardAccess *out,
           GError **error)
{
	g_autofree gchar *text = get_string(loader, group, key);

	if (text == NULL) {
		*out = def;
		return TRUE;
	}
	if (!vcard_access_from_string(text, out)) {
		set_error(loader, error, group,
		          "%s: '%s' is not one of always, pin1, pin2, adm1, never", key, text);
		return FALSE;
	}
	return TRUE;
}

static gboolean
parse_fid(const gchar *text, guint16 *fid)
{
	guint8 b[2];

	if (strlen(text) != 4 || vcard_parse_hex(text, b, 2) != 2)
		return FALSE;
	*fid = (guint16)((b[0] << 8) | b[1]);
	return TRUE;
}

/* Splits a path; returns the parent DF of its last component (NULL on error)
 * and that component's FID in @fid (0x3F00 when the path is the MF). */
static VcardFile *
resolve_parent(Loader *loader, const gchar *group, const gchar *path, guint16 *fid, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	VcardFile *df = loader->profile->mf;
	guint i = 0;
	guint n = g_strv_length(parts);

	if (n > 0 && g_ascii_strcasecmp(parts[0], "3F00") == 0) {
		if (n == 1) {
			*fid = 0x3F00;
			return NULL;
		}
		i = 1;
	} else if (n > 0 && g_ascii_strncasecmp(parts[0], "ADF.", 4) == 0) {
		g_autofree gchar *lower = g_ascii_strdown(parts[0] + 4, -1);
		df = g_hash_table_lookup(loader->adf_by_name, lower);
		if (df == NULL) {
			set_error(loader, error, group, "no [adf:%s] section for this path",
			          parts[0] + 4);
			return NULL;
		}
		i = 1;
	}
	if (i >= n) {
		set_error(loader, error, group, "the path names no file");
		return NULL;
	}
	for (; i < n; i++) {
		guint16 f;
		if (!parse_fid(parts[i], &f) || f == 0x3F00 || f == 0x7FFF || f == 0xFFFF) {
			set_error(loader, error, group,
			          "'%s' is not a file ID (4 hex digits, not 3F00/7FFF/FFFF)",
			          parts[i]);
			return NULL;
		}
		if (i == n - 1) {
			*fid = f;
			return df;
		}
		df = vcard_file_find_child(df, f);
		if (df == NULL || !vcard_file_is_df(df)) {
			set_error(loader, error, group, "parent DF %s is not defined", parts[i]);
			return NULL;
		}
	}
	return NULL;
}

static gboolean
load_ef_body(Loader *loader, const gchar *group, VcardFile *file, GError **error)
{
	guint64 value;
	gsize start = loader->image->len;

	if (file->type == VCARD_FILE_TRANSPARENT) {
		g_autofree guint8 *data = g_malloc(VCARD_MAX_EF_SIZE);
		gssize len = get_hex(loader, group, "data", data, 0, VCARD_MAX_EF_SIZE, error);
		if (len == -2)
			return FALSE;
		if (!get_uint(loader, group, "size", len < 0 ? 0 : (guint64)len, 1,
		              VCARD_MAX_EF_SIZE, &value, error))
			return FALSE;
		if (value == 0) {
			set_error(loader, error, group, "size: needed when there is no data");
			return FALSE;
		}
		if (len > 0 && (guint64)len > value) {
			set_error(loader, error, group, "data: %zd bytes do not fit size %u", len,
			          (guint)value);
			return FALSE;
		}
		file->size = value;
		g_byte_array_set_size(loader->image, start + file->size);
		memset(loader->image->data + start, 0xFF, file->size);
		if (len > 0)
			memcpy(loader->image->data + start, data, len);
	} else {
		guint64 n_records;
		if (!get_uint(loader, group, "record-size", 0, 1, 255, &value, error))
			return FALSE;
		if (value == 0) {
			set_error(loader, error, group, "record-size: missing");
			return FALSE;
		}
		file->record_len = value;
		if (!get_uint(loader, group, "records", 0, 1, 254, &n_records, error))
			return FALSE;
		/* without records =, the highest recN decides */
		for (guint r = 1; r <= 254 && n_records == 0; r++) {
			g_autofree gchar *key = g_strdup_printf("rec%u", r);
			if (!g_key_file_has_key(loader->keyfile, group, key, NULL))
				continue;
			for (guint q = r; q <= 254; q++) {
				g_autofree gchar *k2 = g_strdup_printf("rec%u", q);
				if (g_key_file_has_key(loader->keyfile, group, k2, NULL))
					file->n_records = q;
			}
			n_records = file->n_records;
		}
		if (n_records == 0) {
			set_error(loader, error, group, "records: missing (and no rec1 = ...)");
			return FALSE;
		}
		file->n_records = n_records;
		file->size = file->record_len * file->n_records;
		if (file->size > VCARD_MAX_EF_SIZE) {
			set_error(loader, error, group, "records: the file is too large");
			return FALSE;
		}
		g_byte_array_set_size(loader->image, start + file->size);
		memset(loader->image->data + start, 0xFF, file->size);
		for (guint r = 1; r <= file->n_records; r++) {
			g_autofree gchar *key = g_strdup_printf("rec%u", r);
			gssize len = get_hex(loader, group, key,
			                     loader->image->data + start +
			                             (gsize)(r - 1) * file->record_len,
			                     0, file->record_len, error);
			if (len == -2)
				return FALSE;
		}
		/* any recN beyond the count or malformed */
		{
			g_auto(GStrv) keys =
			        g_key_file_get_keys(loader->keyfile, group, NULL, NULL);
			for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
				guint64 r;
				gchar *end = NULL;
				if (!g_str_has_prefix(keys[i], "rec") ||
				    g_str_equal(keys[i], "record-size") ||
				    g_str_equal(keys[i], "records"))
					continue;
				r = g_ascii_strtoull(keys[i] + 3, &end, 10);
				if (keys[i][3] == '\0' || *end != '\0' || r < 1 ||
				    r > file->n_records) {
					set_error(loader, error, group,
					          "%s: no such record (records = %u)", keys[i],
					          file->n_records);
					return FALSE;
				}
			}
		}
	}
	file->offset = start;
	if (!get_uint(loader, group, "sfi", 0, 0, 30, &value, error))
		return FALSE;
	file->sfi = value;
	if (!get_access(loader, group, "read", VCARD_ACCESS_ALWAYS, &file->read_access, error))
		return FALSE;
	return get_access(loader, group, "update", VCARD_ACCESS_PIN1, &file->update_access, error);
}

static const gchar *const df_keys[] = {"type", "name", NULL};
static const gchar *const transparent_keys[] = {"type", "name", "data",   "size",
                                                "sfi",  "read", "update", NULL};
static const gchar *const record_keys[] = {"type", "name", "record-size", "records",
                                           "sfi",  "read", "update",      NULL};

static gboolean
load_file(Loader *loader, const gchar *group, GError **error)
{
	const gchar *path = group + strlen("file:");
	g_autofree gchar *type = get_string(loader, group, "type");
	guint16 fid = 0;
	VcardFile *parent;
	g_autoptr(VcardFile) file = NULL;

	if (type == NULL) {
		set_error(loader, error, group,
		          "type: missing (mf, df, transparent or linear-fixed)");
		return FALSE;
	}
	parent = resolve_parent(loader, group, path, &fid, error);
	if (fid == 0x3F00) {
		if (!g_str_equal(type, "mf")) {
			set_error(loader, error, group, "type: 3F00 is the MF (type = mf)");
			return FALSE;
		}
		if (!check_keys(loader, group, df_keys, error))
			return FALSE;
		g_free(loader->profile->mf->name);
		loader->profile->mf->name = get_string(loader, group, "name");
		return TRUE;
	}
	if (parent == NULL)
		return FALSE;
	if (vcard_file_find_child(parent, fid) != NULL) {
		set_error(loader, error, group, "file %04X is defined twice", fid);
		return FALSE;
	}
	if (g_str_equal(type, "df")) {
		if (!check_keys(loader, group, df_keys, error))
			return FALSE;
		file = vcard_file_new(VCARD_FILE_DF, fid);
	} else if (g_str_equal(type, "transparent")) {
		if (!check_keys(loader, group, transparent_keys, error))
			return FALSE;
		file = vcard_file_new(VCARD_FILE_TRANSPARENT, fid);
		if (!load_ef_body(loader, group, file, error))
			return FALSE;
	} else if (g_str_equal(type, "linear-fixed")) {
		if (!check_keys(loader, group, record_keys, error))
			return FALSE;
		file = vcard_file_new(VCARD_FILE_LINEAR_FIXED, fid);
		if (!load_ef_body(loader, group, file, error))
			return FALSE;
	} else {
		set_error(loader, error, group,
		          "type: '%s' is not one of mf, df, transparent, linear-fixed", type);
		return FALSE;
	}
	if (file->sfi != 0 && vcard_file_find_sfi(parent, file->sfi) != NULL) {
		set_error(loader, error, group, "sfi: %u is already used in this DF", file->sfi);
		return FALSE;
	}
	file->name = get_string(loader, group, "name");
	vcard_file_add_child(parent, g_steal_pointer(&file));
	return TRUE;
}

static gboolean
load_adf(Loader *loader, const gchar *group, guint index, GError **error)
{
	static const gchar *const keys[] = {"aid", "fid", "name", NULL};
	const gchar *name = group + strlen("adf:");
	g_autofree gchar *lower = g_ascii_strdown(name, -1);
	g_autofree gchar *fid_text = NULL;
	g_autoptr(VcardFile) adf = NULL;
	guint16 fid = VCARD_ADF_FID_BASE + index;
	gssize len;

	if (!check_keys(loader, group, keys, error))
		return FALSE;
	if (*name == '\0' || strchr(name, '/') != NULL) {
		set_error(loader, error, group, "an ADF needs a name without '/'");
		return FALSE;
	}
	fid_text = get_string(loader, group, "fid");
	if (fid_text != NULL &&
	    (!parse_fid(fid_text, &fid) || fid == 0x3F00 || fid == 0x7FFF || fid == 0xFFFF)) {
		set_error(loader, error, group, "fid: '%s' is not a file ID", fid_text);
		return FALSE;
	}
	if (vcard_file_find_child(loader->profile->mf, fid) != NULL) {
		set_error(loader, error, group, "fid: %04X is already used", fid);
		return FALSE;
	}
	adf = vcard_file_new(VCARD_FILE_ADF, fid);
	len = get_hex(loader, group, "aid", adf->aid, 5, 16, error);
	if (len == -2)
		return FALSE;
	if (len == -1) {
		set_error(loader, error, group, "aid: missing");
		return FALSE;
	}
	adf->aid_len = len;
	adf->name = get_string(loader, group, "name");
	if (adf->name == NULL)
		adf->name = g_strdup_printf("ADF.%s", name);
	g_hash_table_insert(loader->adf_by_name, g_steal_pointer(&lower), adf);
	g_ptr_array_add(loader->profile->adfs, adf);
	vcard_file_add_child(loader->profile->mf, g_steal_pointer(&adf));
	return TRUE;
}

static gboolean
load_secret(Loader *loader, const gchar *group, const gchar *key, guint8 out[8], gboolean *found,
            GError **error)
{
	g_autofree gchar *text = get_string(loader, group, key);
	gsize len;

	*found = text != NULL;
	if (text == NULL)
		return TRUE;
	len = strlen(text);
	if (len < 4 || len > 8) {
		set_error(loader, error, group, "%s: 4 to 8 characters expected", key);
		return FALSE;
	}
	memset(out, 0xFF, 8);
	memcpy(out, text, len);
	return TRUE;
}

static gboolean
load_pin(Loader *loader, const gchar *group, GError **error)
{
	static const gchar *const keys[] = {"value",       "retries", "puk",
	                                    "puk-retries", "enabled", NULL};
	const gchar *which = group + strlen("pin:");
	VcardPinConfig *pin;
	gboolean found;
	guint64 value;

	if (g_str_equal(which, "1"))
		pin = &loader->profile->pins[VCARD_PIN1];
	else if (g_str_equal(which, "2"))
		pin = &loader->profile->pins[VCARD_PIN2];
	else if (g_str_equal(which, "adm1"))
		pin = &loader->profile->pins[VCARD_ADM1];
	else {
		set_error(loader, error, group, "unknown PIN (pin:1, pin:2 or pin:adm1)");
		return FALSE;
	}
	if (!check_keys(loader, group, keys, error))
		return FALSE;
	if (!load_secret(loader, group, "value", pin->value, &found, error))
		return FALSE;
	if (!found) {
		set_error(loader, error, group, "value: missing");
		return FALSE;
	}
	if (!load_secret(loader, group, "puk", pin->puk, &pin->has_puk, error))
		return FALSE;
	if (!get_uint(loader, group, "retries", 3, 1, 15, &value, error))
		return FALSE;
	pin->retries = value;
	if (!get_uint(loader, group, "puk-retries", 10, 1, 15, &value, error))
		return FALSE;
	pin->puk_retries = value;
	if (!get_bool(loader, group, "enabled", TRUE, &pin->enabled, error))
		return FALSE;
	pin->present = TRUE;
	return TRUE;
}

static gboolean
load_auth(Loader *loader, const gchar *group, GError **error)
{
	static const gchar *const keys[] = {"k",         "opc",      "op",       "sqn",
	                                    "sqn-check", "kc-in-3g", "gsm-sres", NULL};
	VcardProfile *p = loader->profile;
	gboolean has_opc, has_op;
	guint8 op[16];
	g_autofree gchar *sres = NULL;

	if (!check_keys(loader, group, keys, error))
		return FALSE;
	if (!get_fixed_hex(loader, group, "k", p->k, 16, TRUE, NULL, error) ||
	    !get_fixed_hex(loader, group, "opc", p->opc, 16, FALSE, &has_opc, error) ||
	    !get_fixed_hex(loader, group, "op", op, 16, FALSE, &has_op, error) ||
	    !get_fixed_hex(loader, group, "sqn", p->sqn, 6, FALSE, NULL, error))
		return FALSE;
	if (has_opc == has_op) {
		set_error(loader, error, group, "opc: give exactly one of opc and op");
		return FALSE;
	}
	if (has_op)
		vcard_milenage_opc(p->k, op, p->opc);
	if (!get_bool(loader, group, "sqn-check", TRUE, &p->sqn_check, error) ||
	    !get_bool(loader, group, "kc-in-3g", TRUE, &p->kc_in_3g, error))
		return FALSE;
	sres = get_string(loader, group, "gsm-sres");
	if (sres == NULL || g_str_equal(sres, "xor")) {
		p->sres_mode = VCARD_SRES_XOR;
	} else if (g_str_equal(sres, "truncate")) {
		p->sres_mode = VCARD_SRES_TRUNCATE;
	} else {
		set_error(loader, error, group, "gsm-sres: '%s' is not xor or truncate", sres);
		return FALSE;
	}
	p->has_auth = TRUE;
	return TRUE;
}

static gboolean
load_card(Loader *loader, const gchar *group, GError **error)
{
	static const gchar *const keys[] = {"atr", "name", "extended-length", "protocol", NULL};
	guint8 atr[33];
	gssize len;
	g_autoptr(GError) atr_error = NULL;
	g_autofree gchar *protocol = NULL;

	if (!check_keys(loader, group, keys, error))
		return FALSE;
	if (!get_bool(loader, group, "extended-length", FALSE, &loader->profile->extended, error))
		return FALSE;
	protocol = get_string(loader, group, "protocol");
	if (protocol == NULL || g_ascii_strcasecmp(protocol, "T=0") == 0) {
		loader->profile->protocol = VCARD_PROTOCOL_T0;
	} else if (g_ascii_strcasecmp(protocol, "T=1") == 0) {
		loader->profile->protocol = VCARD_PROTOCOL_T1;
	} else {
		set_error(loader, error, group, "protocol: '%s' is not T=0 or T=1", protocol);
		return FALSE;
	}
	len = get_hex(loader, group, "atr", atr, 2, sizeof(atr), error);
	if (len == -2)
		return FALSE;
	if (len > 0) {
		if (!vcard_atr_is_valid(atr, len, &atr_error)) {
			set_error(loader, error, group, "atr: %s", atr_error->message);
			return FALSE;
		}
		if (protocol != NULL && !(vcard_atr_protocols(atr, len) & loader->profile->protocol)) {
			set_error(loader, error, group, "atr: it does not offer %s", protocol);
			return FALSE;
		}
		loader->profile->atr = g_bytes_new(atr, len);
	} else if (loader->profile->protocol == VCARD_PROTOCOL_T1) {
		loader->profile->atr = vcard_atr_t1_default();
	}
	return TRUE;
}

static gint
file_depth_cmp(gconstpointer a, gconstpointer b)
{
	const gchar *ga = *(const gchar *const *)a;
	const gchar *gb = *(const gchar *const *)b;
	guint da = 0, db = 0;

	for (const gchar *p = ga; *p != '\0'; p++)
		da += *p == '/';
	for (const gchar *p = gb; *p != '\0'; p++)
		db += *p == '/';
	return da != db ? (gint)da - (gint)db : strcmp(ga, gb);
}

static gboolean
load_groups(Loader *loader, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(loader->keyfile, NULL);
	g_autoptr(GPtrArray) files = g_ptr_array_new();
	guint n_adf = 0;

	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *g = groups[i];
		gboolean ok = TRUE;
		if (g_str_has_prefix(g, "file:"))
			g_ptr_array_add(files, (gpointer)g);
		else if (g_str_has_prefix(g, "adf:"))
			ok = load_adf(loader, g, n_adf++, error);
		else if (g_str_has_prefix(g, "pin:"))
			ok = load_pin(loader, g, error);
		else if (g_str_equal(g, "auth"))
			ok = load_auth(loader, g, error);
		else if (g_str_equal(g, "card"))
			ok = load_card(loader, g, error);
		else {
			set_error(loader, error, g,
			          "unknown section (card, file:PATH, adf:NAME, pin:N, auth)");
			ok = FALSE;
		}
		if (!ok)
			return FALSE;
	}
	/* parents before children, whatever the order in the file */
	g_ptr_array_sort(files, file_depth_cmp);
	for (guint i = 0; i < files->len; i++) {
		if (!load_file(loader, g_ptr_array_index(files, i), error))
			return FALSE;
	}
	return TRUE;
}

VcardProfile *
vcard_profile_load_data(const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autoptr(VcardProfile) profile = g_new0(VcardProfile, 1);
	g_autoptr(GKeyFile) keyfile = g_key_file_new();
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GHashTable) adf_by_name =
	        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GByteArray) image = g_byte_array_new();
	Loader loader = {profile, keyfile, image, adf_by_name};

	profile->ref_count = 1;
	profile->protocol = VCARD_PROTOCOL_T0;
	profile->source = g_strdup(source);
	profile->mf = vcard_file_new(VCARD_FILE_MF, 0x3F00);
	profile->mf->name = g_strdup("MF");
	profile->adfs = g_ptr_array_new();
	profile->sqn_check = TRUE;
	profile->kc_in_3g = TRUE;

	if (!g_key_file_load_from_data(keyfile, data, len, G_KEY_FILE_NONE, &local_error)) {
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE, "%s: %s", source,
		            local_error->message);
		return NULL;
	}
	if (!load_groups(&loader, error))
		return NULL;
	profile->image_len = image->len;
	profile->image = g_byte_array_free(g_steal_pointer(&image), FALSE);
	return g_steal_pointer(&profile);
}

VcardProfile *
vcard_profile_ref(VcardProfile *profile)
{
	g_atomic_int_inc(&profile->ref_count);
	return profile;
}

void
vcard_profile_unref(VcardProfile *profile)
{
	if (profile == NULL || !g_atomic_int_dec_and_test(&profile->ref_count))
		return;
	vcard_file_free(profile->mf);
	g_clear_pointer(&profile->adfs, g_ptr_array_unref);
	g_clear_pointer(&profile->atr, g_bytes_unref);
	g_free(profile->image);
	g_free(profile->source);
	g_free(profile);
}

VcardFile *
vcard_profile_lookup(VcardProfile *profile, const gchar *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	VcardFile *file = profile->mf;
	guint i = 0;

	if (parts[0] != NULL && g_ascii_strcasecmp(parts[0], "3F00") == 0)
		i = 1;
	else if (parts[0] != NULL && g_ascii_strncasecmp(parts[0], "ADF.", 4) == 0) {
		file = NULL;
		for (guint j = 0; j < profile->adfs->len; j++) {
			VcardFile *adf = g_ptr_array_index(profile->adfs, j);
			if (adf->name != NULL && g_ascii_strcasecmp(adf->name, parts[0]) == 0)
				file = adf;
		}
		if (file == NULL)
			return NULL;
		i = 1;
	}
	for (; parts[i] != NULL && file != NULL; i++) {
		guint16 fid;
		if (!parse_fid(parts[i], &fid))
			return NULL;
		file = vcard_file_find_child(file, fid);
	}
	return file;
}
