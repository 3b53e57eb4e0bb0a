// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cardroute/cr-error.h"
#include "cardroute/cr-hex.h"
#include "cr-config-private.h"
#include "cr-ini.h"
#include "cr-suggest.h"

struct _CrConfigSection {
	GKeyFile *keyfile;
	GHashTable *lines; /* from cr_ini_parse(), may be NULL */
	gchar *file;
	gchar *group;
	const gchar *name; /* into group, after "kind:" */
	GHashTable *used;  /* key -> key */
	GPtrArray *problems; /* collecting: bad values go here (borrowed) */
};

CrConfigSection *
cr_config_section_new(GKeyFile *keyfile, GHashTable *lines, const gchar *file,
		      const gchar *group)
{
	CrConfigSection *s = g_new0(CrConfigSection, 1);
	const gchar *colon;
	s->keyfile = g_key_file_ref(keyfile);
	s->lines = lines != NULL ? g_hash_table_ref(lines) : NULL;
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
	return cr_config_section_new(kf, NULL, file, group);
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
	if (section->lines != NULL)
		g_hash_table_unref(section->lines);
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

guint
cr_config_section_get_line(CrConfigSection *section, const gchar *key)
{
	guint line = 0;
	if (key != NULL)
		line = cr_ini_lookup_line(section->lines, section->group, key);
	if (line == 0)
		line = cr_ini_lookup_line(section->lines, section->group, NULL);
	return line;
}

gchar *
cr_config_section_locate(CrConfigSection *section, const gchar *key)
{
	guint line = cr_config_section_get_line(section, key);
	g_autofree gchar *where =
		line > 0 ? g_strdup_printf("%s:%u", section->file, line) : g_strdup(section->file);
	if (key == NULL)
		return g_strdup_printf("%s: [%s]", where, section->group);
	return g_strdup_printf("%s: [%s] %s%s", where, section->group, key,
			       cr_config_section_has_key(section, key) ? "" : " (default)");
}

static gchar *
format_problem(CrConfigSection *section, const gchar *key, const gchar *reason)
{
	guint line = cr_config_section_get_line(section, key);
	g_autofree gchar *where =
		line > 0 ? g_strdup_printf("%s:%u", section->file, line) : g_strdup(section->file);
	if (key != NULL)
		return g_strdup_printf("%s: [%s] %s: %s", where, section->group, key, reason);
	return g_strdup_printf("%s: [%s]: %s", where, section->group, reason);
}

void
cr_config_section_set_error(CrConfigSection *section, GError **error, const gchar *key,
			    const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *reason = NULL;
	g_autofree gchar *text = NULL;
	va_start(args, format);
	reason = g_strdup_vprintf(format, args);
	va_end(args);
	text = format_problem(section, key, reason);
	g_set_error_literal(error, CR_ERROR, CR_ERROR_CONFIG, text);
}

void
cr_config_section_collect(CrConfigSection *section, GPtrArray *problems)
{
	section->problems = problems;
}

/* A bad value: collected (the getter goes on with the default, so one run
 * finds every bad key of a section) or an error. */
static gboolean bad_value(CrConfigSection *section, GError **error, const gchar *key,
			  const gchar *format, ...) G_GNUC_PRINTF(4, 5);

static gboolean
bad_value(CrConfigSection *section, GError **error, const gchar *key, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *reason = NULL;
	va_start(args, format);
	reason = g_strdup_vprintf(format, args);
	va_end(args);
	if (section->problems != NULL) {
		g_ptr_array_add(section->problems, format_problem(section, key, reason));
		return TRUE;
	}
	cr_config_section_set_error(section, error, key, "%s", reason);
	return FALSE;
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
	*out = default_value;
	if (v[0] == '\0' || end == NULL || *end != '\0' || errno != 0)
		return bad_value(section, error, key, "'%s' is not an integer", v);
	if (n < min || n > max)
		return bad_value(section, error, key,
				 "%" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
				 "..%" G_GINT64_FORMAT,
				 n, min, max);
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
	*out = default_value;
	return bad_value(section, error, key, "'%s' is not true or false", v);
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
	*out = default_index;
	return bad_value(section, error, key, "'%s' is not one of: %s", v, joined);
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
	if (bytes == NULL)
		return bad_value(section, error, key, "%s", local->message);
	if (g_bytes_get_size(bytes) < min_len || g_bytes_get_size(bytes) > max_len) {
		if (min_len == max_len)
			return bad_value(section, error, key, "%zu bytes, expected %zu",
					 g_bytes_get_size(bytes), min_len);
		return bad_value(section, error, key, "%zu bytes, expected %zu to %zu",
				 g_bytes_get_size(bytes), min_len, max_len);
	}
	*out = g_steal_pointer(&bytes);
	return TRUE;
}

/* "HOST:PORT", "[V6]:PORT", "HOST"; port 0 only when @any_port (a listener's "any free port") */
static gboolean
parse_address(const gchar *text, const gchar *default_host, guint16 default_port,
	      gboolean any_port, gchar **host, guint16 *port, GError **error)
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
		if (port_str[0] == '\0' || *end != '\0' || (n == 0 && !any_port) || n > 65535) {
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
cr_parse_host_port(const gchar *text, const gchar *default_host, guint16 default_port,
		   gchar **host, guint16 *port, GError **error)
{
	return parse_address(text, default_host, default_port, FALSE, host, port, error);
}

static gboolean
get_address(CrConfigSection *section, const gchar *key, const gchar *default_host,
	    guint16 default_port, gboolean listen, gboolean empty_is_off, gchar **host,
	    guint16 *port, GError **error)
{
	g_autofree gchar *v = raw_value(section, key);
	g_autoptr(GError) local = NULL;
	if (v != NULL && v[0] == '\0' && empty_is_off) {
		*host = NULL;
		return TRUE;
	}
	if (v == NULL) {
		if (default_host == NULL) {
			cr_config_section_set_error(section, error, key, "missing (required)");
			return FALSE;
		}
		*host = g_strdup(default_host);
		*port = default_port;
		return TRUE;
	}
	if (!parse_address(v, default_host, default_port, listen, host, port, &local)) {
		if (default_host == NULL) {
			cr_config_section_set_error(section, error, key, "%s", local->message);
			return FALSE;
		}
		*host = g_strdup(default_host);
		*port = default_port;
		return bad_value(section, error, key, "%s", local->message);
	}
	return TRUE;
}

gboolean
cr_config_section_get_host_port(CrConfigSection *section, const gchar *key,
				const gchar *default_host, guint16 default_port, gchar **host,
				guint16 *port, GError **error)
{
	return get_address(section, key, default_host, default_port, FALSE, FALSE, host, port,
			   error);
}

gboolean
cr_config_section_get_listen_address(CrConfigSection *section, const gchar *key,
				     const gchar *default_host, guint16 default_port,
				     gboolean empty_is_off, gchar **host, guint16 *port,
				     GError **error)
{
	return get_address(section, key, default_host, default_port, TRUE, empty_is_off, host,
			   port, error);
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

guint
cr_config_section_report_unused(CrConfigSection *section, GPtrArray *problems,
				gboolean only_typos)
{
	gsize n = 0;
	guint known_n = 0, found = 0;
	g_auto(GStrv) keys = g_key_file_get_keys(section->keyfile, section->group, &n, NULL);
	g_autofree const gchar **known =
		(const gchar **)g_hash_table_get_keys_as_array(section->used, &known_n);
	for (gsize i = 0; keys != NULL && i < n; i++) {
		const gchar *close;
		g_autofree gchar *reason = NULL;
		if (g_hash_table_contains(section->used, keys[i]))
			continue;
		close = cr_suggest_closest(keys[i], known, known_n);
		/* after a failed create() unread keys may just not have been
		 * reached: only a near miss of a key it asked for is certain */
		if (only_typos && close == NULL)
			continue;
		reason = close != NULL ? g_strdup_printf("unknown key (did you mean '%s'?)", close)
				       : g_strdup("unknown key");
		g_ptr_array_add(problems, format_problem(section, keys[i], reason));
		found++;
	}
	return found;
}

gboolean
cr_config_section_check_unused(CrConfigSection *section, GError **error)
{
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *all = NULL;
	if (cr_config_section_report_unused(section, problems, FALSE) == 0)
		return TRUE;
	g_ptr_array_add(problems, NULL);
	all = g_strjoinv("\n", (gchar **)problems->pdata);
	g_set_error_literal(error, CR_ERROR, CR_ERROR_CONFIG, all);
	return FALSE;
}
