// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Turns the exchanges of one route into GSMTAP SIM frames.
 *
 * One APDU frame per logical exchange: a command that carries data and is
 * answered only with 61xx / 9Fxx (a T=0 case-4 TPDU, or an ISO case-4 APDU a
 * T=0 card could not answer at once) is held until the GET RESPONSE that
 * fetches its answer, and the two become one frame:
 *   header(P3 = Lc) ‖ command data ‖ GET RESPONSE data ‖ final SW1 SW2.
 * Chained GET RESPONSEs (data ‖ 61xx) are appended; a GET RESPONSE answered
 * 6Cxx keeps the frame held for the terminal's retry. Anything else first
 * emits the held frame as it is. With @tpdu, every exchange is also emitted
 * raw as TPDU_HDR / TPDU_CMD / TPDU_RSP / TPDU_SW frames.
 *
 * Plain C over bytes; depends on GLib only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GSMTAP_TYPE_SIM frame: @sub_type a GsmtapSimSubType, @timestamp_us the
 * time given with the last exchange merged into it (so frames come out in
 * time order), @payload valid during the call only. */
typedef void (*GsmtapEmitFunc)(guint8 sub_type, gint64 timestamp_us, const guint8 *payload,
                               gsize len, gpointer user_data);

typedef struct _GsmtapTrace GsmtapTrace;

GsmtapTrace *gsmtap_trace_new(guint redact, gboolean tpdu, GsmtapEmitFunc emit, gpointer user_data);
void gsmtap_trace_free(GsmtapTrace *self);

/* One finished exchange: @rsp = response data ‖ SW1 SW2 (>= 2 bytes). */
void gsmtap_trace_exchange(GsmtapTrace *self, gint64 timestamp_us, const guint8 *cmd, gsize cmd_len,
                           const guint8 *rsp, gsize rsp_len);
/* A card's ATR (emits the held frame first). */
void gsmtap_trace_atr(GsmtapTrace *self, gint64 timestamp_us, const guint8 *atr, gsize len);
/* Emits the held frame, if any, as it is (reset, error, timer, shutdown). */
void gsmtap_trace_flush(GsmtapTrace *self);
/* TRUE when a frame is held; *since is the timestamp it was held with. */
gboolean gsmtap_trace_is_holding(GsmtapTrace *self, gint64 *since);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsmtapTrace, gsmtap_trace_free)

G_END_DECLS
