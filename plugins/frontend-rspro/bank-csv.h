// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * osmo-remsim-bankd's bankd_pcsc_slots.csv, read unchanged (remsim-roles.md
 * 3.2): one record per line, three fields "BANK_ID","SLOT","REGEX", quotes
 * optional, "" escapes a quote inside a quoted field, spaces around an
 * unquoted field ignored (as libcsv does). The regex is POSIX extended and
 * matches unanchored. Plain C, no I/O.
 */
#pragma once

#include <glib.h>
#include <regex.h>

G_BEGIN_DECLS

typedef struct {
	guint bank_id;
	guint slot_nr;
	gchar *pattern;
	guint line;
	regex_t regex;
} BankCsvRecord;

typedef struct _BankCsv BankCsv;

/* The largest slots-csv file read (a regular file only; see the README). */
#define BANK_CSV_MAX_SIZE (1024u * 1024u)

/* Parses the file's text; every error names the line. */
BankCsv *bank_csv_parse(const gchar *text, gsize len, GError **error);
void bank_csv_free(BankCsv *self);

guint bank_csv_count(const BankCsv *self);
const BankCsvRecord *bank_csv_get(const BankCsv *self, guint index);
/* the first record (file order) for this bank slot, as upstream looks up */
const BankCsvRecord *bank_csv_lookup(const BankCsv *self, guint bank_id, guint slot_nr);
gboolean bank_csv_record_matches(const BankCsvRecord *record, const gchar *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BankCsv, bank_csv_free)

G_END_DECLS
