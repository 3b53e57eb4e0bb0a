// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What crosses RSPRO as tpduModemToCard.data: one complete T=0 command TPDU
 * (rspro.md E), 5..260 bytes. Pure function, no I/O.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REMOTE_TPDU_MIN 5
#define REMOTE_TPDU_MAX 260

/*
 * Turns a terminal's command into the TPDU to send: a T=0 TPDU (5 bytes, or
 * 5 + P3 bytes) passes unchanged; a short C-APDU becomes its TPDU (case 1:
 * P3 = 00 appended; case 4: Le dropped, the card answers 61xx/9Fxx and the
 * terminal fetches the data with GET RESPONSE). Extended APDUs, commands that
 * parse as neither, and anything that would exceed 260 bytes fail with
 * CR_ERROR_INVALID and a message saying why (never truncated).
 */
gboolean remote_tpdu_from_command(const guint8 *cmd, gsize len, guint8 out[REMOTE_TPDU_MAX],
                                  gsize *out_len, GError **error);

/*
 * Towards a cardroute bank that announced its capabilities (rspro-caps.h):
 * does @cmd go as it is, rather than as a T=0 TPDU? Yes when the card's
 * ATR (@atr, NULL: unknown) offers no T=0, or when the command is no short
 * APDU or TPDU (extended length fields, more than 260 bytes), which only the
 * whole form carries. Short commands to a T=0 card keep upstream's form.
 */
gboolean remote_command_goes_whole(const guint8 *cmd, gsize len, GBytes *atr);

G_END_DECLS
