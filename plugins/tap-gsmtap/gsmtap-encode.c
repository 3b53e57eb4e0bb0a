// SPDX-License-Identifier: GPL-2.0-or-later
#include "gsmtap-encode.h"

#include <string.h>

static void
put_be16(guint8 *p, guint16 v)
{
	p[0] = (guint8)(v >> 8);
	p[1] = (guint8)v;
}

static void
put_be32(guint8 *p, guint32 v)
{
	p[0] = (guint8)(v >> 24);
	p[1] = (guint8)(v >> 16);
	p[2] = (guint8)(v >> 8);
	p[3] = (guint8)v;
}

void
gsmtap_header_write(guint8 out[GSMTAP_HDR_LEN], guint8 type, guint8 sub_type, guint route_index,
                    guint32 frame_number)
{
	memset(out, 0, GSMTAP_HDR_LEN);
	out[0] = GSMTAP_VERSION;
	out[1] = GSMTAP_HDR_LEN / 4;
	out[2] = type;
	out[3] = 0; /* timeslot */
	put_be16(out + 4, (guint16)(route_index & GSMTAP_ARFCN_MASK));
	out[6] = 0; /* signal_dbm */
	out[7] = 0; /* snr_db */
	put_be32(out + 8, frame_number);
	out[12] = sub_type;
	out[13] = 0; /* antenna_nr */
	out[14] = (guint8)route_index;
	out[15] = 0;
}

gboolean
gsmtap_redact_from_strv(const gchar *const *names, guint *flags, const gchar **bad)
{
	guint f = GSMTAP_REDACT_NONE;

	for (gsize i = 0; names != NULL && names[i] != NULL; i++) {
		const gchar *n = names[i];

		if (g_strcmp0(n, "pin") == 0)
			f |= GSMTAP_REDACT_PIN;
		else if (g_strcmp0(n, "auth") == 0)
			f |= GSMTAP_REDACT_AUTH;
		else if (g_strcmp0(n, "none") == 0 || n[0] == '\0')
			continue;
		else {
			if (bad != NULL)
				*bad = n;
			return FALSE;
		}
	}
	*flags = f;
	return TRUE;
}

void
gsmtap_command_parse(const guint8 *cmd, gsize len, GsmtapCommand *out)
{
	memset(out, 0, sizeof(*out));
	if (cmd == NULL || len < 4)
		return;
	memcpy(out->header, cmd, 4);
	out->valid = TRUE;
	if (len == 4) {
		out->header[4] = 0x00; /* ISO case 1 */
		return;
	}
	out->header[4] = cmd[4];
	if (len == 5)
		return; /* T=0 case 1/2, ISO case 2 */

	if (cmd[4] == 0x00 && len >= 7) {
		/* Extended lengths: 00 Lc1 Lc2 data [Le1 Le2], or 00 Le1 Le2. */
		gsize lc = ((gsize)cmd[5] << 8) | cmd[6];

		if (len == 7) {
			out->extended = TRUE;
			return;
		}
		if (lc > 0 && (len == 7 + lc || len == 7 + lc + 2)) {
			out->extended = TRUE;
			out->le_stripped = len == 7 + lc + 2;
			out->header[4] = (guint8)lc;
			out->data = cmd + 7;
			out->data_len = lc;
			return;
		}
	}
	if (cmd[4] == 0x00 && len == 5 + 256) {
		/* T=0 case 3 with P3 = 00: 256 data bytes. */
		out->data = cmd + 5;
		out->data_len = 256;
		return;
	}
	if (cmd[4] != 0x00 && len == 5 + (gsize)cmd[4]) {
		out->data = cmd + 5;
		out->data_len = cmd[4];
		return;
	}
	if (cmd[4] != 0x00 && len == 5 + (gsize)cmd[4] + 1) {
		out->data = cmd + 5;
		out->data_len = cmd[4];
		out->le_stripped = TRUE;
		return;
	}
	/* Not a command shape we know: written raw. */
	out->valid = FALSE;
	out->data = cmd;
	out->data_len = len;
}

gboolean
gsmtap_ins_is_pin(guint8 ins)
{
	switch (ins) {
	case 0x20: /* VERIFY (CHV/PIN) */
	case 0x24: /* CHANGE */
	case 0x26: /* DISABLE */
	case 0x28: /* ENABLE */
	case 0x2c: /* UNBLOCK */
		return TRUE;
	default:
		return FALSE;
	}
}

gboolean
gsmtap_ins_is_auth(guint8 ins)
{
	/* 88: RUN GSM ALGORITHM (CLA A0) / AUTHENTICATE; 89: AUTHENTICATE (odd INS). */
	return ins == 0x88 || ins == 0x89;
}

void
gsmtap_apdu_payload_append(GByteArray *out, const GsmtapCommand *cmd, const guint8 *rsp_data,
                           gsize rsp_data_len, guint8 sw1, guint8 sw2, guint redact,
                           guint8 redact_ins)
{
	guint8 header[5];
	guint8 sw[2] = {sw1, sw2};
	gsize cmd_off, rsp_off;
	gsize cmd_data_len = cmd->data_len;

	if (!cmd->valid) {
		/* Raw command: nothing is known about its fields, redact nothing
		 * but the response of a redacted INS. */
		g_byte_array_append(out, cmd->data, (guint)cmd->data_len);
		cmd_off = out->len;
		cmd_data_len = 0;
	} else {
		memcpy(header, cmd->header, sizeof(header));
		if (cmd->data_len == 0)
			header[4] = (guint8)rsp_data_len;
		g_byte_array_append(out, header, sizeof(header));
		cmd_off = out->len;
		if (cmd->data_len > 0)
			g_byte_array_append(out, cmd->data, (guint)cmd->data_len);
	}
	rsp_off = out->len;
	if (rsp_data_len > 0)
		g_byte_array_append(out, rsp_data, (guint)rsp_data_len);
	g_byte_array_append(out, sw, sizeof(sw));

	if ((redact & GSMTAP_REDACT_PIN) && gsmtap_ins_is_pin(redact_ins))
		memset(out->data + cmd_off, 0, cmd_data_len);
	if ((redact & GSMTAP_REDACT_AUTH) && gsmtap_ins_is_auth(redact_ins)) {
		memset(out->data + cmd_off, 0, cmd_data_len);
		memset(out->data + rsp_off, 0, rsp_data_len);
	}
}

gboolean
gsmtap_apdu_payload_build(GByteArray *out, const guint8 *cmd, gsize cmd_len, const guint8 *rsp,
                          gsize rsp_len, guint redact)
{
	GsmtapCommand c;

	if (rsp == NULL || rsp_len < 2)
		return FALSE;
	gsmtap_command_parse(cmd, cmd_len, &c);
	gsmtap_apdu_payload_append(out, &c, rsp, rsp_len - 2, rsp[rsp_len - 2], rsp[rsp_len - 1],
	                           redact, c.valid ? c.header[1] : 0);
	return TRUE;
}

static void
put_string_field(guint8 *field, gsize size, const gchar *s)
{
	gsize n = s != NULL ? strlen(s) : 0;

	memset(field, 0, size);
	if (n > size - 1)
		n = size - 1;
	if (n > 0)
		memcpy(field, s, n);
}

void
gsmtap_log_payload_append(GByteArray *out, gint64 wall_time_us, const gchar *proc_name, guint32 pid,
                          guint8 level, const gchar *subsys, const gchar *text)
{
	/* libosmocore struct gsmtap_osmocore_log_hdr, big-endian:
	 * sec(4) usec(4) proc_name(16) pid(4) level(1) spare(3) subsys(16)
	 * src_file.name(32) src_file.line_nr(4) */
	guint8 hdr[GSMTAP_LOG_HDR_LEN];
	gint64 sec = wall_time_us >= 0 ? wall_time_us / G_USEC_PER_SEC : 0;
	gint64 usec = wall_time_us >= 0 ? wall_time_us % G_USEC_PER_SEC : 0;
	gsize text_len = text != NULL ? strlen(text) : 0;
	const guint8 nul = 0;

	memset(hdr, 0, sizeof(hdr));
	put_be32(hdr + 0, (guint32)sec);
	put_be32(hdr + 4, (guint32)usec);
	put_string_field(hdr + 8, 16, proc_name);
	put_be32(hdr + 24, pid);
	hdr[28] = level;
	put_string_field(hdr + 32, 16, subsys);
	put_string_field(hdr + 48, 32, "tap-gsmtap");
	put_be32(hdr + 80, 0);
	g_byte_array_append(out, hdr, sizeof(hdr));
	if (text_len > 1024)
		text_len = 1024;
	if (text_len > 0)
		g_byte_array_append(out, (const guint8 *)text, (guint)text_len);
	g_byte_array_append(out, &nul, 1);
}
