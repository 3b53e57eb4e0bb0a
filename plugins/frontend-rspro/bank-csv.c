// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "bank-csv.h"

struct _BankCsv {
	GPtrArray *records;
};

static void
record_free(gpointer data)
{
	BankCsvRecord *r = data;

	regfree(&r->regex);
	g_free(r->pattern);
	g_free(r);
}

void
bank_csv_free(BankCsv *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->records);
	g_free(self);
}

guint
bank_csv_count(const BankCsv *self)
{
	return self->records->len;
}

const BankCsvRecord *
bank_csv_get(const BankCsv *self, guint index)
{
	g_return_val_if_fail(index < self->records->len, NULL);
	return g_ptr_array_index(self->records, index);
}

const BankCsvRecord *
bank_csv_lookup(const BankCsv *self, guint bank_id, guint slot_nr)
{
	for (guint i = 0; i < self->records->len; i++) {
		const BankCsvRecord *r = g_ptr_array_index(self->records, i);
		if (r->bank_id == bank_id && r->slot_nr == slot_nr)
			return r;
	}
	return NULL;
}

gboolean
bank_csv_record_matches(const BankCsvRecord *record, const gchar *name)
{
	return regexec(&record->regex, name, 0, NULL, 0) == 0;
}

typedef struct {
	const gchar *p, *end;
	guint line;
} Cursor;

static gboolean
is_blank(gchar c)
{
	return c == ' ' || c == '\t';
}

static gboolean
is_eol(gchar c)
{
	return c == '\n' || c == '\r';
}

/*
 * Reads one field into @out. Returns FALSE with @error on a broken quote.
 * Afterwards the cursor is on the separator, an end of line or the end.
 */
static gboolean
read_field(Cursor *c, GString *out, GError **error)
{
	g_string_truncate(out, 0);
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
	if (c->p < c->end && *c->p == '"') {
		guint start_line = c->line;
		c->p++;
		for (;;) {
			if (c->p >= c->end) {
				g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
				            "line %u: quoted field not closed", start_line);
				return FALSE;
			}
			if (*c->p == '"') {
				if (c->p + 1 < c->end && c->p[1] == '"') {
					g_string_append_c(out, '"');
					c->p += 2;
					continue;
				}
				c->p++;
				break;
			}
			if (*c->p == '\n')
				c->line++;
			g_string_append_c(out, *c->p++);
		}
		while (c->p < c->end && is_blank(*c->p))
			c->p++;
		if (c->p < c->end && *c->p != ',' && !is_eol(*c->p)) {
			g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
			            "line %u: text after a closing quote", c->line);
			return FALSE;
		}
		return TRUE;
	}
	while (c->p < c->end && *c->p != ',' && !is_eol(*c->p))
		g_string_append_c(out, *c->p++);
	while (out->len > 0 && is_blank(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	return TRUE;
}

static gboolean
parse_id(const gchar *text, guint line, const gchar *what, guint *out, GError **error)
{
	guint64 v;

	if (!g_ascii_string_to_unsigned(text, 10, 0, 1023, &v, NULL)) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "line %u: %s '%s' is not a number 0..1023", line, what, text);
		return FALSE;
	}
	*out = (guint)v;
	return TRUE;
}

static gboolean
add_record(BankCsv *self, GPtrArray *fields, guint line, GError **error)
{
	g_autofree BankCsvRecord *r = NULL;
	const gchar *pattern;
	gint rc;

	if (fields->len != 3) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "line %u: %u fields, want 3 (bank id, slot, reader regex)", line,
		            fields->len);
		return FALSE;
	}
	r = g_new0(BankCsvRecord, 1);
	r->line = line;
	if (!parse_id(g_ptr_array_index(fields, 0), line, "bank id", &r->bank_id, error) ||
	    !parse_id(g_ptr_array_index(fields, 1), line, "slot", &r->slot_nr, error))
		return FALSE;
	pattern = g_ptr_array_index(fields, 2);
	if (pattern[0] == '\0') {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "line %u: empty reader regex", line);
		return FALSE;
	}
	rc = regcomp(&r->regex, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		gchar msg[128];
		regerror(rc, &r->regex, msg, sizeof(msg));
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "line %u: regex '%s': %s", line, pattern, msg);
		return FALSE;
	}
	r->pattern = g_strdup(pattern);
	g_ptr_array_add(self->records, g_steal_pointer(&r));
	return TRUE;
}

BankCsv *
bank_csv_parse(const gchar *text, gsize len, GError **error)
{
	g_autoptr(BankCsv) self = g_new0(BankCsv, 1);
	g_autoptr(GString) field = g_string_new(NULL);
	Cursor c = {text, text + len, 1};

	self->records = g_ptr_array_new_with_free_func(record_free);
	if (memchr(text, '\0', len) != NULL) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
		            "the file contains a NUL byte");
		return NULL;
	}
	while (c.p < c.end) {
		g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);
		guint line = c.line;
		gboolean blank = TRUE;

		for (const gchar *q = c.p; q < c.end && !is_eol(*q); q++)
			blank = blank && is_blank(*q);
		if (blank) {
			while (c.p < c.end && !is_eol(*c.p))
				c.p++;
		} else {
			for (;;) {
				if (!read_field(&c, field, error))
					return NULL;
				g_ptr_array_add(fields, g_strdup(field->str));
				if (c.p < c.end && *c.p == ',') {
					c.p++;
					continue;
				}
				break;
			}
			if (!add_record(self, fields, line, error))
				return NULL;
		}
		/* one line end: CR, LF or CR LF */
		if (c.p < c.end && *c.p == '\r')
			c.p++;
		if (c.p < c.end && *c.p == '\n')
			c.p++;
		c.line++;
	}
	return g_steal_pointer(&self);
}
