// SPDX-License-Identifier: GPL-2.0-or-later
#include "remote-tpdu.h"

#include <string.h>

#include <cardroute/cardroute.h>

gboolean
remote_tpdu_from_command(const guint8 *cmd, gsize len, guint8 out[REMOTE_TPDU_MAX], gsize *out_len,
                         GError **error)
{
	g_autoptr(GError) parse_error = NULL;
	CrCommandApdu apdu;
	gsize n;

	/* already a T=0 TPDU: header only, or header + exactly P3 data bytes */
	if (len == REMOTE_TPDU_MIN || (len > REMOTE_TPDU_MIN && len <= REMOTE_TPDU_MAX &&
	                               len == REMOTE_TPDU_MIN + (gsize)cmd[4])) {
		memcpy(out, cmd, len);
		*out_len = len;
		return TRUE;
	}
	/* a short case 4 APDU may be one byte longer (its Le); nothing else */
	if (len > REMOTE_TPDU_MAX + 1) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
		            "command of %" G_GSIZE_FORMAT " bytes refused: RSPRO carries one T=0 "
		            "TPDU of at most %d bytes (short APDUs only)",
		            len, REMOTE_TPDU_MAX);
		return FALSE;
	}
	if (len < 4 || !cr_command_apdu_parse(cmd, len, &apdu, &parse_error)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
		            "command of %" G_GSIZE_FORMAT " bytes is neither a T=0 TPDU nor a "
		            "C-APDU (%s); RSPRO carries T=0 TPDUs of %d..%d bytes",
		            len, parse_error != NULL ? parse_error->message : "too short",
		            REMOTE_TPDU_MIN, REMOTE_TPDU_MAX);
		return FALSE;
	}
	if (apdu.extended) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
		            "extended-length APDU of %" G_GSIZE_FORMAT " bytes cannot cross RSPRO: "
		            "only short T=0 TPDUs of %d..%d bytes",
		            len, REMOTE_TPDU_MIN, REMOTE_TPDU_MAX);
		return FALSE;
	}
	n = cr_tpdu_from_command_apdu(&apdu, out);
	if (n < REMOTE_TPDU_MIN || n > REMOTE_TPDU_MAX) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
		            "command of %" G_GSIZE_FORMAT " bytes has no T=0 TPDU of %d..%d bytes",
		            len, REMOTE_TPDU_MIN, REMOTE_TPDU_MAX);
		return FALSE;
	}
	*out_len = n;
	return TRUE;
}

gboolean
remote_command_goes_whole(const guint8 *cmd, gsize len, GBytes *atr)
{
	guint8 scratch[REMOTE_TPDU_MAX];
	gsize n;

	if (atr != NULL && !(cr_atr_protocols(g_bytes_get_data(atr, NULL), g_bytes_get_size(atr)) &
	                     CR_PROTOCOL_T0))
		return TRUE; /* a T=1 card takes APDUs, not T=0 TPDUs */
	return !remote_tpdu_from_command(cmd, len, scratch, &n, NULL);
}
