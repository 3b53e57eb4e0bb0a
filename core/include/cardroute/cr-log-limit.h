// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Rate-limited logging for what outside peers can make happen as often as
 * they like (reconnect storms, a flood of unexpected PDUs, bad requests).
 *
 * Records are grouped by a key the caller chooses (typically the peer's
 * address and the kind of event: "127.0.0.1:4711 connectClientReq"). Within
 * one window the first @burst records of a key are logged as usual; the rest
 * are counted, not logged. When the window ends, one line says what was held
 * back: "<first record's text> ... repeated N times in the last W s". A key
 * that stays quiet for a whole window is forgotten.
 *
 * At most CR_LOG_LIMIT_MAX_KEYS keys are tracked; records for further keys
 * share one entry "other peers", so a peer that varies its key (many source
 * ports) cannot grow the table.
 *
 * Every suppressed record is counted per limiter name, for /metrics
 * (cardroute_log_suppressed_total{source="NAME"}).
 *
 * A limiter belongs to the thread-default main context it was made on (the
 * summary lines come from a timer there); use it from that thread only.
 */

#define CR_LOG_LIMIT_MAX_KEYS 256

typedef struct _CrLogLimiter CrLogLimiter;

/* @name: what /metrics calls this limiter ("rspro-bank", "rest", ...).
 * @window_s: the window in seconds (>= 1); @burst: records per key logged in
 * one window before the rest are held back (>= 1). */
CrLogLimiter *cr_log_limiter_new(const gchar *name, guint window_s, guint burst);
/* Logs the pending summaries, then frees. NULL is fine. */
void cr_log_limiter_free(CrLogLimiter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrLogLimiter, cr_log_limiter_free)

/* Logs "FORMAT..." at @level in @domain unless @key has used its burst in
 * the current window, in which case it is only counted. Returns TRUE when
 * the record was logged. */
gboolean cr_log_limited(CrLogLimiter *self, const gchar *domain, GLogLevelFlags level,
			const gchar *key, const gchar *format, ...) G_GNUC_PRINTF(5, 6);

#define CR_LOG_LIMITED(limiter, level, key, ...)                                                   \
	cr_log_limited((limiter), G_LOG_DOMAIN, (level), (key), __VA_ARGS__)

/* The same about an outside peer, keyed "@host @kind": @host is its address
 * without the port (a reconnecting peer comes from a new port; NULL: "?"),
 * @kind what happened. @self NULL logs every record (no limiter yet). */
gboolean cr_log_limited_peer_valist(CrLogLimiter *self, const gchar *domain, GLogLevelFlags level,
				    const gchar *host, const gchar *kind, const gchar *format,
				    va_list ap) G_GNUC_PRINTF(6, 0);

/* Logs the summary of every key with held-back records now and starts new
 * windows for them (the timer does this at each window's end). */
void cr_log_limiter_flush(CrLogLimiter *self);

/* Records this limiter held back since it was made. */
guint64 cr_log_limiter_get_suppressed(CrLogLimiter *self);

/* Records held back by all limiters of @name that ever existed in this
 * process, summed per name: calls @func once per name. */
void cr_log_limit_foreach_total(void (*func)(const gchar *name, guint64 total, gpointer data),
				gpointer data);

G_END_DECLS
