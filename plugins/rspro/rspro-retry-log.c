// SPDX-License-Identifier: GPL-2.0-or-later
/* One line per change of a failing link, then a summary every few minutes. */
#include "rspro-retry-log.h"

gchar *
rspro_retry_next_in(RsproConn *conn)
{
	gint64 now = g_get_monotonic_time();
	gint64 next = rspro_conn_get_next_attempt(conn);
	if (next <= 0)
		return g_strdup("");
	return g_strdup_printf(", next in %" G_GINT64_FORMAT " s",
	                       (MAX(next - now, 0) + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static gchar *
duration(gint64 us)
{
	gint64 s = us / G_USEC_PER_SEC;
	if (s < 120)
		return g_strdup_printf("%" G_GINT64_FORMAT " s", s);
	if (s < 7200)
		return g_strdup_printf("%" G_GINT64_FORMAT " min", s / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT " h", s / 3600);
}

gboolean
rspro_retry_log_failure(RsproRetryLog *self, RsproConn *conn, const gchar *prefix,
                        const gchar *error_message)
{
	gint64 now = g_get_monotonic_time();
	gint64 interval = self->interval_us > 0 ? self->interval_us : RSPRO_RETRY_SUMMARY_US;
	g_autofree gchar *next = rspro_retry_next_in(conn);
	if (g_strcmp0(self->last_error, error_message) != 0) {
		if (self->last_error == NULL) {
			self->failing_since = now;
			self->first_attempts = rspro_conn_get_attempts(conn);
		}
		g_free(self->last_error);
		self->last_error = g_strdup(error_message);
		self->last_line = now;
		return TRUE;
	}
	if (now - self->last_line < interval)
		return FALSE;
	{
		g_autofree gchar *since = duration(now - self->failing_since);
		guint attempts = rspro_conn_get_attempts(conn) - self->first_attempts;
		self->last_line = now;
		g_message("%s: still failing for %s, %u attempt%s%s: %s", prefix, since, attempts,
		          attempts == 1 ? "" : "s", next, error_message);
	}
	return FALSE;
}

void
rspro_retry_log_ok(RsproRetryLog *self, RsproConn *conn, const gchar *prefix)
{
	if (self->last_error != NULL) {
		g_autofree gchar *since = duration(g_get_monotonic_time() - self->failing_since);
		guint attempts = rspro_conn_get_attempts(conn) - self->first_attempts;
		g_message("%s: back after %s and %u attempt%s", prefix, since, attempts,
		          attempts == 1 ? "" : "s");
	}
	g_clear_pointer(&self->last_error, g_free);
}

void
rspro_retry_log_describe(const RsproRetryLog *self, RsproConn *conn, const gchar *key_prefix,
                         GVariantDict *dict)
{
	g_autofree gchar *err_key = g_strdup_printf("%s-last-error", key_prefix);
	g_autofree gchar *retry_key = g_strdup_printf("%s-next-retry-s", key_prefix);
	gint64 next = conn != NULL ? rspro_conn_get_next_attempt(conn) : 0;
	if (self->last_error != NULL)
		g_variant_dict_insert(dict, err_key, "s", self->last_error);
	if (next > 0)
		g_variant_dict_insert(dict, retry_key, "d",
		                      (gdouble)MAX(next - g_get_monotonic_time(), 0) /
		                              G_USEC_PER_SEC);
}

void
rspro_retry_log_clear(RsproRetryLog *self)
{
	g_clear_pointer(&self->last_error, g_free);
}
