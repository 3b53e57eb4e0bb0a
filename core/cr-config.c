// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cardroute/cr-error.h"
#include "cardroute/cr-hex.h"
#include "cr-config-private.h"

struct _CrConfigSection {
	GKeyFile *keyfile;
	gchar *file;
	gchar *group;
	const gchar *name; /* into group, after "kind:" */
	GHashTable *used;  /* key -> key */
};

CrConfigSection *
cr_config_section_new(GKeyFile *keyfile, const gchar *file, const gchar *group)
{
	CrConfigSection *s = g_new0(CrConfigSection, 1);
	const gchar *colon;
	s->keyfile = g_key_file_ref(keyfile);
	s->file = g_strdup(file);
	s->group = g_strdup(group);
	colon = strchr(s->group, ':');
	s->name = colon != NULL ? colon + 1 : s->group;
	s->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return s;
}

CrConfigSection *
cr_config_section_new_empty(const gchar *file, const gchar *group)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	return cr_config_section_new(kf, file, group);
}

void
cr_config_section_set(CrConfigSection *section, const gchar *key, const gchar *value)
{
	g_key_file_set_string(section->keyfile, section->group, key, value);
}

void
cr_config_section_free(CrConfigSection *section)
{
	if (section == NULL)
		return;
	g_key_file_unref(section->keyfile);
	g_hash_table_unref(section->used);
	g_free(section->file);
	g_free(section->group);
	g_free(section);
}

const gchar *
cr_config_section_get_file(CrConfigSection *section)
{
	return section->file;
}

const gchar *
cr_config_section_get_group(CrConfigSection *section)
{
	return section->group;
}

const gchar *
cr_config_section_get_name(CrConfigSection *section)
{
	return section->name;
}

gboolean
cr_config_section_has_key(CrConfigSection *section, const gchar *key)
{
	return g_key_file_has_key(section->keyfile, section->group, key, NULL);
}

void
cr_config_section_set_error(CrConfigSection *section, GError **error, const gchar *key,
			    const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *reason = NULL;
	va_start(args, format);
	reason = g_strdup_vprintf(format, args);
	va_end(args);
	if (key != NULL)
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: [%s] %s: %s", section->file,
			    section->group, key, reason);
	else
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: [%s]: %s", section->file,
			    section->group, reason);
}

static gchar *
raw_value(CrConfigSection *section, const gchar *key)
{
	gchar *v;
	if (!g_hash_table_contains(section->used, key))
		g_hash_table_add(section->used, g_strdup(key));
	v = g_key_file_get_string(section->keyfile, section->group, key, NULL);
	if (v != NULL)
		g_strstrip(v);
	return v;
}

gchar *
cr_config_section_get_string(CrConfigSection *section, const gchar *key,
			     const gchar *default_value)
{
	gchar *v = raw_value(section, key);
	if (v == NULL)
		return g_strdup(default_value);
	return v;
}

gchar *
cr_config_section_get_required(CrConfigSection *section, const gchar *key, GError **error)
{
	gchar *v = raw_value(section, key);
	if (v == NULL || v[0] == '\0') {
		g_free(v);
		cr_config_section_set_error(section, error, key,
					    v == NULL ? "missing (required)" : "empty");
		return NULL;
	}
	return v;
}

gboolean
cr_config_section_get_int(CrConfigSection *section, const gchar *key, gint64 default_value,
			  gint64 min, gint64 max, gint64 *out, GError **error)
{
	g_autofree gchar *v = raw_value(section, key);
	gchar *end = NULL;
	gint64 n;
	if (v == NULL) {
		*out = default_value;
		return TRUE;
	}
	errno = 0;
	n = g_ascii_strtoll(v, &end, 0);
	if (v[0] == '\0' || end == NULL || *end != '\0' || errno != 0) {
		cr_config_section_set_error(section, error, key, "'%s' is not an integer", v);
		return FALSE;
	}
	if (n < min || n > max) {
		cr_config_section_set_error(section, error, key,
					    "%" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
					    "..%" G_GINT64_FORMAT,
					    n, min, max);
		return FALSE;
	}
	*out = n;
	return TRUE;
}

gboolean
cr_config_section_get_bool(CrConfigSection *section, const gchar *key, gboolean default_value,
			   gboolean *out, GError **error)
{
	g_autofree gchar *v = raw_value(section, key);
	if (v == NULL) {
		*out = default_value;
		return TRUE;
	}
	if (g_ascii_strcasecmp(v, "true") == 0 || g_ascii_strcasecmp(v, "yes") == 0 ||
	    g_strcmp0(v, "1") == 0 || g_ascii_strcasecmp(v, "on") == 0) {
		*out = TRUE;
		return TRUE;
	}
	if (g_ascii_strcasecmp(v, "false") == 0 || g_ascii_strcasecmp(v, "no") == 0 ||
	    g_strcmp0(v, "0") == 0 || g_ascii_strcasecmp(v, "off") == 0) {
		*out = FALSE;
		return TRUE;
	}
	cr_config_section_set_error(section, error, key, "'%s' is not true or false", v);
	return FALSE;
}

gboolean
cr_config_section_get_choice(CrConfigSection *section, const gchar *key,
			     const gchar *const *choices, guint default_index, guint *out,
			     GError **error)
{
	g_autofree gchar *v = raw_value(section, key);
	g_autofree gchar *joined = NULL;
	if (v == NULL) {
		*out = default_index;
		return TRUE;
	}
	for (guint i = 0; choices[i] != NULL; i++) {
		if (g_strcmp0(v, choices[i]) == 0) {
			*out = i;
			return TRUE;
		}
	}
	joined = g_strjoinv(", ", (gchar **)choices);
	cr_config_section_set_error(section, error, key, "'%s' is not one of: %s", v, joined);
	return FALSE;
}

gboolean
cr_config_section_get_hex(CrConfigSection *section, const gchar *key, gsize min_len,
			  gsize max_len, GBytes **out, GError **error)
{
	g_autofree gchar *v = raw_value(section, key);
	g_autoptr(GError) local = NULL;
	g_autoptr(GBytes) bytes = NULL;
	*out = NULL;
	if (v == NULL)
		return TRUE;
	bytes = cr_hex_decode(v, &local);
	if (bytes == NULL) {
		cr_config_section_set_error(section, error, key, "%s", local->message);
		return FALSE;
	}
	if (g_bytes_get_size(bytes) < min_len || g_bytes_get_size(bytes) > max_len) {
		if (min_len == max_len)
			cr_config_section_set_error(section, error, key,
						    "%zu bytes, expected %zu",
						    g_bytes_get_size(bytes), min_len);
		else
			cr_config_section_set_error(section, error, key,
						    "%zu bytes, expected %zu to %zu",
						    g_bytes_get_size(bytes), min_len, max_len);
		return FALSE;
	}
	*out = g_steal_pointer(&bytes);
	return TRUE;
}

gboolean
cr_parse_host_port(const gchar *text, const gchar *default_host, guint16 default_port,
		   gchar **host, guint16 *port, GError **error)
{
	const gchar *port_str = NULL;
	g_autofree gchar *h = NULL;
	if (text == NULL || text[0] == '\0') {
		g_set_error_literal(error, CR_ERROR, CR_ERROR_INVALID, "empty address");
		return FALSE;
	}
	if (text[0] == '[') {
		const gchar *close = strchr(text, ']');
		if (close == NULL) {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "'%s': missing ']'", text);
			return FALSE;
		}
		h = g_strndup(text + 1, close - text - 1);
		if (close[1] == ':')
			port_str = close + 2;
		else if (close[1] != '\0') {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
				    "'%s': expected ':PORT' after ']'", text);
			return FALSE;
		}
	} else {
		const gchar *colon = strrchr(text, ':');
		if (colon != NULL && strchr(text, ':') != colon) {
			/* a bare IPv6 address */
			h = g_strdup(text);
		} else if (colon != NULL) {
			h = g_strndup(text, colon - text);
			port_str = colon + 1;
		} else {
			h = g_strdup(text);
		}
	}
	if (h[0] == '\0') {
		g_free(h);
		h = g_strdup(default_host);
		if (h == NULL) {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "'%s': no host", text);
			return FALSE;
		}
	}
	if (port_str != NULL) {
		gchar *end = NULL;
		guint64 n = g_ascii_strtoull(port_str, &end, 10);
		if (port_str[0] == '\0' || *end != '\0' || n == 0 || n > 65535) {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
				    "'%s': port must be 1..65535", text);
			return FALSE;
		}
		*port = (guint16)n;
	} else {
		if (default_port == 0) {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "'%s': no port", text);
			return FALSE;
		}
		*port = default_port;
	}
	*host = g_steal_pointer(&h);
	return TRUE;
}

gboolean
cr_config_section_get_host_port(CrConfigSection *section, const gchar *key,
				const gchar *default_host, guint16 default_port, gchar **host,
				guint16 *port, GError **error)
{
	g_autofree gchar *v = raw_value(section, key);
	g_autoptr(GError) local = NULL;
	if (v == NULL) {
		if (default_host == NULL) {
			cr_config_section_set_error(section, error, key, "missing (required)");
			return FALSE;
		}
		*host = g_strdup(default_host);
		*port = default_port;
		return TRUE;
	}
	if (!cr_parse_host_port(v, default_host, default_port, host, port, &local)) {
		cr_config_section_set_error(section, error, key, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

gchar **
cr_config_section_get_list(CrConfigSection *section, const gchar *key)
{
	g_autofree gchar *v = raw_value(section, key);
	g_auto(GStrv) parts = NULL;
	g_autoptr(GPtrArray) out = NULL;
	if (v == NULL)
		return NULL;
	parts = g_strsplit(v, ",", -1);
	out = g_ptr_array_new();
	for (guint i = 0; parts[i] != NULL; i++) {
		g_strstrip(parts[i]);
		if (parts[i][0] != '\0')
			g_ptr_array_add(out, g_strdup(parts[i]));
	}
	g_ptr_array_add(out, NULL);
	return (gchar **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

gboolean
cr_config_section_check_unused(CrConfigSection *section, GError **error)
{
	gsize n = 0;
	g_auto(GStrv) keys = g_key_file_get_keys(section->keyfile, section->group, &n, NULL);
	for (gsize i = 0; keys != NULL && i < n; i++) {
		if (!g_hash_table_contains(section->used, keys[i])) {
			cr_config_section_set_error(section, error, keys[i], "unknown key");
			return FALSE;
		}
	}
	return TRUE;
}
