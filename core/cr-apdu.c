// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * T=0 helpers: the APDU case table (simtrace2-cardem-usb.md §8) and C-APDU /
 * R-APDU parsing. Pure functions.
 */
#include <string.h>

#include "cardroute/cr-apdu.h"
#include "cardroute/cr-error.h"

/* Cases of the "depends on P1/P2" entries. */
static CrApduCase
case_manage_secure_channel(guint8 p1, guint8 p2)
{
	guint8 p1_op = p1 & 0x07;
	if (p1 == 0)
		return CR_APDU_CASE_2;
	if (p1_op >= 1 && p1_op <= 3) {
		if (p2 == 0x80 || (p2 >> 5) == 0)
			return CR_APDU_CASE_3;
		if ((p2 >> 5) == 1 || (p2 >> 5) == 5)
			return CR_APDU_CASE_2;
		return CR_APDU_CASE_UNKNOWN;
	}
	if (p1_op == 4)
		return CR_APDU_CASE_3;
	return CR_APDU_CASE_UNKNOWN;
}

static CrApduCase
case_transact_data(guint8 p1)
{
	return (p1 & 0x04) ? CR_APDU_CASE_3 : CR_APDU_CASE_2;
}

static CrApduCase
case_store_data(guint8 p1)
{
	return (p1 & 0x01) ? CR_APDU_CASE_4 : CR_APDU_CASE_3;
}

/* CLA A0: GSM 11.11 */
static CrApduCase
case_gsm(guint8 ins)
{
	switch (ins) {
	case 0xA4: case 0xA2: case 0x32: case 0x88: case 0xC2:
		return CR_APDU_CASE_4;
	case 0xF2: case 0xB0: case 0xB2: case 0xC0: case 0x12:
		return CR_APDU_CASE_2;
	case 0xD6: case 0xDC: case 0x20: case 0x24: case 0x26: case 0x28: case 0x2C:
	case 0x10: case 0x14:
		return CR_APDU_CASE_3;
	case 0x04: case 0x44: case 0xFA:
		return CR_APDU_CASE_1;
	default:
		return CR_APDU_CASE_UNKNOWN;
	}
}

/* CLA 80 exactly: TS 102 221 CAT */
static CrApduCase
case_cat(guint8 ins)
{
	switch (ins) {
	case 0x10: case 0x14:
		return CR_APDU_CASE_3;
	case 0xC2: case 0x76: case 0x7A:
		return CR_APDU_CASE_4;
	case 0x12:
		return CR_APDU_CASE_2;
	default:
		return CR_APDU_CASE_UNKNOWN;
	}
}

/* CLA 0x, 4x, 6x: TS 102 221 */
static CrApduCase
case_uicc_basic(guint8 ins, guint8 p1, guint8 p2)
{
	switch (ins) {
	case 0xA4: case 0xA2: case 0x88: case 0x89:
		return CR_APDU_CASE_4;
	case 0xB0: case 0xB2: case 0x84: case 0x70: case 0xC0:
		return CR_APDU_CASE_2;
	case 0xD6: case 0xDC: case 0x20: case 0x24: case 0x26: case 0x28: case 0x2C:
		return CR_APDU_CASE_3;
	case 0x04: case 0x44:
		return CR_APDU_CASE_1;
	case 0x73:
		return case_manage_secure_channel(p1, p2);
	case 0x75:
		return case_transact_data(p1);
	default:
		return CR_APDU_CASE_UNKNOWN;
	}
}

/* CLA 8x, Cx, Ex: TS 102 221 proprietary class */
static CrApduCase
case_uicc_prop(guint8 ins, guint8 p1)
{
	switch (ins) {
	case 0xF2:
		/* P1 high nibble set: GlobalPlatform GET STATUS, else ETSI STATUS */
		return (p1 & 0xF0) ? CR_APDU_CASE_4 : CR_APDU_CASE_2;
	case 0x32: case 0xCB: case 0x78:
		return CR_APDU_CASE_4;
	case 0xDB: case 0xAA:
		return CR_APDU_CASE_3;
	default:
		return CR_APDU_CASE_UNKNOWN;
	}
}

/* CLA 8x, Cx, Ex: GlobalPlatform */
static CrApduCase
case_globalplatform(guint8 ins, guint8 p1)
{
	switch (ins) {
	case 0xE4: case 0xCA: case 0xCB: case 0xE6: case 0xE8: case 0xD8:
		return CR_APDU_CASE_4;
	case 0xE2:
		return case_store_data(p1);
	case 0xF2:
		return (p1 & 0xF0) ? CR_APDU_CASE_4 : CR_APDU_CASE_2;
	case 0xF0:
		return CR_APDU_CASE_3;
	case 0xC0:
		return CR_APDU_CASE_2;
	default:
		return CR_APDU_CASE_UNKNOWN;
	}
}

CrApduCase
cr_apdu_case_lookup(guint8 cla, guint8 ins, guint8 p1, guint8 p2)
{
	CrApduCase c = CR_APDU_CASE_UNKNOWN;
	guint8 hi = cla & 0xF0;

	if (cla == 0xA0)
		c = case_gsm(ins);
	if (c == CR_APDU_CASE_UNKNOWN && cla == 0x80)
		c = case_cat(ins);
	if (c == CR_APDU_CASE_UNKNOWN && (hi == 0x00 || hi == 0x40 || hi == 0x60))
		c = case_uicc_basic(ins, p1, p2);
	if (c == CR_APDU_CASE_UNKNOWN && (hi == 0x80 || hi == 0xC0 || hi == 0xE0)) {
		c = case_uicc_prop(ins, p1);
		if (c == CR_APDU_CASE_UNKNOWN)
			c = case_globalplatform(ins, p1);
	}
	if (c == CR_APDU_CASE_UNKNOWN && cla == 0x00) {
		/* discovery commands some terminals send with CLA 00 */
		if (ins == 0xA4)
			c = CR_APDU_CASE_4;
		else if (ins == 0xCA || ins == 0xC0)
			c = CR_APDU_CASE_2;
	}
	return c;
}

const gchar *
cr_apdu_ins_name(guint8 cla, guint8 ins)
{
	gboolean gsm = cla == 0xA0;
	switch (ins) {
	case 0xA4: return "SELECT";
	case 0xF2: return "STATUS";
	case 0xB0: return "READ BINARY";
	case 0xD6: return "UPDATE BINARY";
	case 0xB2: return "READ RECORD";
	case 0xDC: return "UPDATE RECORD";
	case 0xA2: return gsm ? "SEEK" : "SEARCH RECORD";
	case 0x32: return "INCREASE";
	case 0x20: return gsm ? "VERIFY CHV" : "VERIFY PIN";
	case 0x24: return gsm ? "CHANGE CHV" : "CHANGE PIN";
	case 0x26: return gsm ? "DISABLE CHV" : "DISABLE PIN";
	case 0x28: return gsm ? "ENABLE CHV" : "ENABLE PIN";
	case 0x2C: return gsm ? "UNBLOCK CHV" : "UNBLOCK PIN";
	case 0x04: return gsm ? "INVALIDATE" : "DEACTIVATE FILE";
	case 0x44: return gsm ? "REHABILITATE" : "ACTIVATE FILE";
	case 0x88: return gsm ? "RUN GSM ALGORITHM" : "AUTHENTICATE";
	case 0x89: return "AUTHENTICATE";
	case 0xFA: return "SLEEP";
	case 0xC0: return "GET RESPONSE";
	case 0x10: return "TERMINAL PROFILE";
	case 0xC2: return "ENVELOPE";
	case 0x12: return "FETCH";
	case 0x14: return "TERMINAL RESPONSE";
	case 0x70: return "MANAGE CHANNEL";
	case 0x73: return "MANAGE SECURE CHANNEL";
	case 0x75: return "TRANSACT DATA";
	case 0x76: return "SUSPEND UICC";
	case 0x78: return "GET IDENTITY";
	case 0x7A: return "EXCHANGE CAPABILITIES";
	case 0x84: return "GET CHALLENGE";
	case 0xAA: return "TERMINAL CAPABILITY";
	case 0xCA: return "GET DATA";
	case 0xCB: return "RETRIEVE DATA";
	case 0xDB: return "SET DATA";
	case 0xE2: return "STORE DATA";
	case 0xE4: return "DELETE";
	case 0xE6: return "INSTALL";
	case 0xE8: return "LOAD";
	case 0xD8: return "PUT KEY";
	case 0xF0: return "SET STATUS";
	default: return NULL;
	}
}

gboolean
cr_command_apdu_parse(const guint8 *buf, gsize len, CrCommandApdu *out, GError **error)
{
	gsize body;
	const guint8 *b;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < 4) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "command of %zu bytes is shorter than its 4-byte header", len);
		return FALSE;
	}
	out->cla = buf[0];
	out->ins = buf[1];
	out->p1 = buf[2];
	out->p2 = buf[3];
	body = len - 4;
	b = buf + 4;

	if (body == 0) {
		out->apdu_case = CR_APDU_CASE_1;
		return TRUE;
	}
	if (body == 1) {
		out->apdu_case = CR_APDU_CASE_2;
		out->le = b[0] == 0 ? 256 : b[0];
		out->le_present = TRUE;
		return TRUE;
	}
	if (b[0] != 0) {
		/* short Lc */
		gsize lc = b[0];
		if (body == 1 + lc) {
			out->apdu_case = CR_APDU_CASE_3;
		} else if (body == 2 + lc) {
			out->apdu_case = CR_APDU_CASE_4;
			out->le = b[1 + lc] == 0 ? 256 : b[1 + lc];
			out->le_present = TRUE;
		} else {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
				    "Lc %zu does not match %zu body bytes", lc, body);
			return FALSE;
		}
		out->lc = lc;
		out->data = b + 1;
		return TRUE;
	}
	/* b[0] == 0 and body >= 2: extended */
	out->extended = TRUE;
	if (body == 3) {
		gsize le = (gsize)b[1] << 8 | b[2];
		out->apdu_case = CR_APDU_CASE_2;
		out->le = le == 0 ? 65536 : le;
		out->le_present = TRUE;
		return TRUE;
	}
	if (body < 3) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "extended length field truncated (%zu body bytes)", body);
		return FALSE;
	}
	{
		gsize lc = (gsize)b[1] << 8 | b[2];
		if (lc == 0) {
			g_set_error_literal(error, CR_ERROR, CR_ERROR_INVALID,
					    "extended Lc of 0");
			return FALSE;
		}
		if (body == 3 + lc) {
			out->apdu_case = CR_APDU_CASE_3;
		} else if (body == 5 + lc) {
			gsize le = (gsize)b[3 + lc] << 8 | b[4 + lc];
			out->apdu_case = CR_APDU_CASE_4;
			out->le = le == 0 ? 65536 : le;
			out->le_present = TRUE;
		} else {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
				    "extended Lc %zu does not match %zu body bytes", lc, body);
			return FALSE;
		}
		out->lc = lc;
		out->data = b + 3;
	}
	return TRUE;
}

gboolean
cr_response_apdu_parse(const guint8 *buf, gsize len, CrResponseApdu *out, GError **error)
{
	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < 2) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "response of %zu bytes has no SW1 SW2", len);
		return FALSE;
	}
	out->data_len = len - 2;
	out->data = out->data_len > 0 ? buf : NULL;
	out->sw1 = buf[len - 2];
	out->sw2 = buf[len - 1];
	return TRUE;
}

gsize
cr_tpdu_from_command_apdu(const CrCommandApdu *apdu, guint8 out[260])
{
	if (apdu->extended || apdu->lc > 255 || apdu->le > 256)
		return 0;
	out[0] = apdu->cla;
	out[1] = apdu->ins;
	out[2] = apdu->p1;
	out[3] = apdu->p2;
	switch (apdu->apdu_case) {
	case CR_APDU_CASE_1:
		out[4] = 0;
		return 5;
	case CR_APDU_CASE_2:
		out[4] = (guint8)(apdu->le == 256 ? 0 : apdu->le);
		return 5;
	case CR_APDU_CASE_3:
	case CR_APDU_CASE_4:
		out[4] = (guint8)apdu->lc;
		memcpy(out + 5, apdu->data, apdu->lc);
		return 5 + apdu->lc;
	case CR_APDU_CASE_UNKNOWN:
	default:
		return 0;
	}
}

gsize
cr_tpdu_command_data_len(CrApduCase apdu_case, guint8 p3)
{
	if (apdu_case == CR_APDU_CASE_3 || apdu_case == CR_APDU_CASE_4)
		return p3;
	return 0;
}

gboolean
cr_sw_is_get_response(guint8 sw1)
{
	return sw1 == 0x61 || sw1 == 0x6C || sw1 == 0x9F;
}
