// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging a link that keeps failing: one line when the failure changes (a
 * state change), then, while it goes on failing the same way, one summary
 * every @interval ("still failing for 5 min, 57 attempts, next in 8 s:
 * Connection refused"), and one line when it is back. Plain GLib; the state
 * of one link lives in the caller's RsproRetryLog. Also what describe()
 * shows: the last error and the next retry.
 */
#pragma once

#include "rspro-conn.h"

G_BEGIN_DECLS

#define RSPRO_RETRY_SUMMARY_US (5 * 60 * G_USEC_PER_SEC)

typedef struct {
	gchar *last_error;    /* the failure being repeated, NULL while fine */
	gint64 failing_since; /* monotonic µs */
	gint64 last_line;     /* monotonic µs of the last line logged */
	guint first_attempts; /* rspro_conn_get_attempts() when it began */
	gint64 interval_us;   /* 0: RSPRO_RETRY_SUMMARY_US */
} RsproRetryLog;

/* A failure of @conn. TRUE when it is a new one (not the one repeating):
 * the caller logs it, in its own words, with rspro_retry_next_in(). A repeat
 * is logged here as a summary once per interval, @prefix first ("sim1"). */
gboolean rspro_retry_log_failure(RsproRetryLog *self, RsproConn *conn, const gchar *prefix,
                                 const gchar *error_message);
/* ", next in 8 s" while @conn waits to retry, else "" */
gchar *rspro_retry_next_in(RsproConn *conn);
/* @conn is connected: "back after N attempts" when it had failed. */
void rspro_retry_log_ok(RsproRetryLog *self, RsproConn *conn, const gchar *prefix);
/* describe() keys: "PREFIX-last-error", "PREFIX-next-retry-s" (seconds from now) */
void rspro_retry_log_describe(const RsproRetryLog *self, RsproConn *conn, const gchar *key_prefix,
                              GVariantDict *dict);
void rspro_retry_log_clear(RsproRetryLog *self);

G_END_DECLS
