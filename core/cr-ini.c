// SPDX-License-Identifier: GPL-2.0-or-later
/* A small INI reader: comments as cardroute.ini(5) says, line numbers kept. */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cardroute/cr-error.h"
#include "cr-ini.h"

#define MAX_PROBLEMS 50

typedef struct {
	const gchar *file;
	GKeyFile *keyfile;
	GHashTable *lines;   /* caller's, may be NULL */
	GHashTable *seen;    /* "SECTION" / "SECTION\037KEY" -> line, always */
	GPtrArray *problems; /* gchar* */
	gchar *group;        /* current section, NULL before the first */
	guint line;
} Reader;

GHashTable *
cr_ini_lines_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

guint
cr_ini_lookup_line(GHashTable *lines, const gchar *group, const gchar *key)
{
	g_autofree gchar *k = NULL;
	if (lines == NULL || group == NULL)
		return 0;
	if (key == NULL)
		return GPOINTER_TO_UINT(g_hash_table_lookup(lines, group));
	k = g_strconcat(group, "\037", key, NULL);
	return GPOINTER_TO_UINT(g_hash_table_lookup(lines, k));
}

static void problem(Reader *r, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
problem(Reader *r, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *what = NULL;
	if (r->problems->len == MAX_PROBLEMS) {
		g_ptr_array_add(r->problems,
		                g_strdup_printf("%s: more problems not shown", r->file));
		return;
	}
	if (r->problems->len > MAX_PROBLEMS)
		return;
	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	g_ptr_array_add(r->problems, g_strdup_printf("%s:%u: %s", r->file, r->line, what));
}

static void
remember(Reader *r, gchar *key)
{
	if (r->lines != NULL)
		g_hash_table_replace(r->lines, g_strdup(key), GUINT_TO_POINTER(r->line));
	g_hash_table_replace(r->seen, key, GUINT_TO_POINTER(r->line));
}

static gboolean
is_comment_start(gchar c)
{
	return c == ';' || c == '#';
}

static gboolean
key_name_is_valid(const gchar *key)
{
	if (key[0] == '\0')
		return FALSE;
	for (const gchar *p = key; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return FALSE;
	return TRUE;
}

/* What follows a closing ']' or '"': blanks, then nothing or a comment. */
static gboolean
only_comment_after(const gchar *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || is_comment_start(*p);
}

static void
read_section(Reader *r, gchar *text)
{
	gchar *close = strchr(text, ']');
	gchar *name;
	guint first;
	if (close == NULL) {
		problem(r, "'%s': a section header needs a closing ']'", text);
		return;
	}
	*close = '\0';
	if (!only_comment_after(close + 1)) {
		problem(r, "[%s]: text after ']' (a comment starts with ';' or '#')", text + 1);
		return;
	}
	name = g_strstrip(text + 1);
	for (const gchar *p = name; *p != '\0'; p++) {
		if (*p == '[' || g_ascii_iscntrl(*p)) {
			problem(r, "[%s]: not a valid section name", name);
			return;
		}
	}
	if (name[0] == '\0') {
		problem(r, "[]: a section needs a name");
		return;
	}
	g_free(r->group);
	r->group = g_strdup(name);
	first = GPOINTER_TO_UINT(g_hash_table_lookup(r->seen, name));
	if (first != 0) {
		problem(r, "[%s] appears again (first at line %u); one section per name", name,
		        first);
		/* keys that follow are checked, but never merged into the first */
		g_clear_pointer(&r->group, g_free);
		r->group = g_strconcat("\037dup\037", name, NULL);
		return;
	}
	remember(r, g_strdup(name));
	/* an empty section exists too */
	g_key_file_set_string(r->keyfile, name, "x", "");
	g_key_file_remove_key(r->keyfile, name, "x", NULL);
}

/* A value in double quotes: its text with \" and \\ resolved; NULL on error. */
static gchar *
read_quoted(Reader *r, const gchar *key, const gchar *p)
{
	g_autoptr(GString) out = g_string_new(NULL);
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		g_string_append_c(out, *p);
	}
	if (*p != '"') {
		problem(r, "[%s] %s: the value's '\"' is not closed", r->group, key);
		return NULL;
	}
	if (!only_comment_after(p + 1)) {
		problem(r,
		        "[%s] %s: text after the closing '\"' (a comment starts with ';' "
		        "or '#')",
		        r->group, key);
		return NULL;
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
read_plain(const gchar *p)
{
	const gchar *end = p;
	for (const gchar *q = p; *q != '\0'; q++) {
		if (is_comment_start(*q) && (q == p || q[-1] == ' ' || q[-1] == '\t'))
			break;
		end = q + 1;
	}
	return g_strstrip(g_strndup(p, end - p));
}

static void
read_key(Reader *r, gchar *text)
{
	gchar *eq = strchr(text, '=');
	g_autofree gchar *value = NULL;
	g_autofree gchar *id = NULL;
	const gchar *v;
	gchar *key;
	guint first;
	if (eq == NULL) {
		problem(r, "'%s' is not KEY = VALUE, [SECTION] or a comment (';' or '#')", text);
		return;
	}
	*eq = '\0';
	key = g_strstrip(text);
	if (!key_name_is_valid(key)) {
		problem(r, "'%s' is not a key name (letters, digits, - _ .)", key);
		return;
	}
	if (r->group == NULL) {
		problem(r, "%s: a key before any [SECTION]", key);
		return;
	}
	v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	value = *v == '"' ? read_quoted(r, key, v) : read_plain(v);
	if (value == NULL)
		return;
	id = g_strconcat(r->group, "\037", key, NULL);
	first = GPOINTER_TO_UINT(g_hash_table_lookup(r->seen, id));
	if (first != 0) {
		problem(r, "[%s] %s: given again (first at line %u); one value per key", r->group,
		        key, first);
		return;
	}
	remember(r, g_steal_pointer(&id));
	if (g_str_has_prefix(r->group, "\037dup\037"))
		return;
	g_key_file_set_string(r->keyfile, r->group, key, value);
}

static void
read_line(Reader *r, const gchar *start, gsize len)
{
	g_autofree gchar *line = NULL;
	gchar *text;
	if (len > 0 && start[len - 1] == '\r')
		len--;
	if (!g_utf8_validate(start, (gssize)len, NULL)) {
		problem(r, "not UTF-8 text (or a NUL byte)");
		return;
	}
	line = g_strndup(start, len);
	text = g_strstrip(line);
	if (text[0] == '\0' || is_comment_start(text[0]))
		return;
	if (text[0] == '[')
		read_section(r, text);
	else
		read_key(r, text);
}

gboolean
cr_ini_parse(const gchar *data, gsize len, const gchar *file, GKeyFile *keyfile, GHashTable *lines,
             GError **error)
{
	g_autoptr(GHashTable) seen = cr_ini_lines_new();
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	Reader r = {.file = file,
	            .keyfile = keyfile,
	            .lines = lines,
	            .seen = seen,
	            .problems = problems};
	gsize pos = 0;

	/* a UTF-8 byte order mark is allowed at the very start */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const gchar *nl = memchr(data + pos, '\n', len - pos);
		gsize n = nl != NULL ? (gsize)(nl - (data + pos)) : len - pos;
		r.line++;
		read_line(&r, data + pos, n);
		pos += n + 1;
	}
	g_free(r.group);
	if (problems->len > 0) {
		g_autofree gchar *all = NULL;
		g_ptr_array_add(problems, NULL);
		all = g_strjoinv("\n", (gchar **)problems->pdata);
		g_set_error_literal(error, CR_ERROR, CR_ERROR_CONFIG, all);
		return FALSE;
	}
	return TRUE;
}
