// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Reading an Answer To Reset (ISO/IEC 7816-3 §8.2): TS, T0, the interface
 * bytes T0 and each TDi announce, the historical bytes, the check byte TCK.
 * Plain bytes in, no allocation, no GObject: also built into code that has
 * no core (backend-vcard's card engine links it as a static library).
 */

typedef enum {
	CR_PROTOCOL_T0 = 1 << 0,
	CR_PROTOCOL_T1 = 1 << 1,
} CrProtocol;

/* The longest ATR (ISO 7816-3: TS and 32 more bytes). */
#define CR_ATR_MAX 33u

/*
 * Is @atr a well-formed ATR: 2 to CR_ATR_MAX bytes, TS = 3B or 3F, the
 * interface bytes present as T0 and the TDi announce, the historical bytes
 * complete and nothing after them but TCK, which is there and right when a
 * TDi names a protocol other than T=0, and absent otherwise? FALSE with
 * @error set in @domain with @code (plugins pass CR_ERROR, CR_ERROR_INVALID;
 * code without the core its own) and a message that says what is wrong,
 * without naming where the ATR came from. Reads at most @len bytes.
 */
gboolean cr_atr_check(const guint8 *atr, gsize len, GQuark domain, gint code, GError **error);

/* The protocols an ATR offers (CrProtocol bits, from its TDi bytes; none
 * named, or too short to say: T=0), for plugins that derive their caps from
 * the card they present or hold. Reads at most @len bytes. */
guint cr_atr_protocols(const guint8 *atr, gsize len);

/*
 * An ATR whose historical bytes announce extended Lc and Le fields (card
 * capabilities, ISO 7816-4 §12.1.1.9: COMPACT-TLV tag 7, third byte, b7)
 * presented where the path cannot carry them: writes to @out (CR_ATR_MAX
 * bytes) the same ATR with that bit cleared and the check byte TCK made
 * right again, and returns TRUE; FALSE (@out untouched) when the ATR
 * announces nothing of the kind or is not well formed. Plain bytes, no
 * allocation.
 */
gboolean cr_atr_clear_extended(const guint8 *atr, gsize len, guint8 *out);

G_END_DECLS
