// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * T=0 helpers: pure functions over bytes, no state, no I/O.
 *
 * The case table is the one of ../shared/protocols/simtrace2-cardem-usb.md §8
 * (libosmocore "UICC+SIM" profile) with its P1/P2 helpers and the CLA 00
 * fallbacks (A4 -> 4, CA -> 2, C0 -> 2).
 */

#define CR_APDU_MAX_SHORT_DATA 256
#define CR_APDU_MAX_EXT_DATA 65536
/* The largest command or response the core carries (extended case 4 + Le). */
#define CR_APDU_MAX 65546

typedef enum {
	CR_APDU_CASE_UNKNOWN = 0,
	CR_APDU_CASE_1 = 1, /* no data either way */
	CR_APDU_CASE_2 = 2, /* data from the card (Le) */
	CR_APDU_CASE_3 = 3, /* data to the card (Lc) */
	CR_APDU_CASE_4 = 4, /* both */
} CrApduCase;

/* Case of a T=0 command from its header (CLA INS P1 P2), per the table. */
CrApduCase cr_apdu_case_lookup(guint8 cla, guint8 ins, guint8 p1, guint8 p2);

/* Human name of an instruction ("SELECT", "READ BINARY", ...) or NULL. */
const gchar *cr_apdu_ins_name(guint8 cla, guint8 ins);

typedef struct {
	guint8 cla, ins, p1, p2;
	CrApduCase apdu_case; /* from the encoding (ISO 7816-4 §5.1), not the table */
	gboolean extended;    /* extended length encoding */
	const guint8 *data;   /* points into the parsed buffer; NULL when lc == 0 */
	gsize lc;
	gsize le;	     /* 1..65536 when le_present (00 means 256, 0000 means 65536) */
	gboolean le_present;
} CrCommandApdu;

/* Parses a C-APDU in the ISO 7816-4 encoding (short and extended lengths). */
gboolean cr_command_apdu_parse(const guint8 *buf, gsize len, CrCommandApdu *out, GError **error);

typedef struct {
	const guint8 *data; /* NULL when data_len == 0 */
	gsize data_len;
	guint8 sw1, sw2;
} CrResponseApdu;

/* Parses an R-APDU: data ‖ SW1 SW2 (at least 2 bytes). */
gboolean cr_response_apdu_parse(const guint8 *buf, gsize len, CrResponseApdu *out,
				GError **error);

/*
 * T=0 TPDU of a short C-APDU (ISO 7816-3 §12.2): header + P3 + data, where
 * P3 = 00 for case 1, Le for case 2, Lc for cases 3 and 4 (case 4's Le is
 * carried by the later GET RESPONSE). Writes at most 5 + 255 bytes into @out;
 * returns its length, or 0 when @apdu cannot be a T=0 TPDU (extended).
 */
gsize cr_tpdu_from_command_apdu(const CrCommandApdu *apdu, guint8 out[260]);

/* The number of data bytes a T=0 command carries to the card after its header:
 * P3 for cases 3/4, 0 for cases 1/2 (P3 is then the expected length). */
gsize cr_tpdu_command_data_len(CrApduCase apdu_case, guint8 p3);

/* Is SW1 a T=0 procedure byte "more data/retry" status (61xx, 6Cxx, 9Fxx)? */
gboolean cr_sw_is_get_response(guint8 sw1);

G_END_DECLS
