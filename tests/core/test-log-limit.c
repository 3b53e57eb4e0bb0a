// SPDX-License-Identifier: GPL-2.0-or-later
/* cr-log-limit: a storm of records from one key costs a line or two. */
#define G_LOG_DOMAIN "test-log-limit"

#include <string.h>

#include "cardroute/cardroute.h"

static GPtrArray *lines;

static GLogWriterOutput
capture(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	(void)level;
	(void)user_data;
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			g_ptr_array_add(lines, g_strdup(fields[i].value));
	}
	return G_LOG_WRITER_HANDLED;
}

static void
setup(void)
{
	g_ptr_array_set_size(lines, 0);
}

static guint
count_containing(const gchar *needle)
{
	guint n = 0;
	for (guint i = 0; i < lines->len; i++)
		n += strstr(lines->pdata[i], needle) != NULL;
	return n;
}

static void
test_storm_one_key(void)
{
	setup();
	g_autoptr(CrLogLimiter) lim = cr_log_limiter_new("test-storm", 10, 1);
	for (guint i = 0; i < 100000; i++)
		CR_LOG_LIMITED(lim, G_LOG_LEVEL_MESSAGE, "127.0.0.1:4000 connect",
			       "127.0.0.1:4000: client 7:0 refused (%u)", i);
	g_assert_cmpuint(lines->len, ==, 1);
	g_assert_cmpstr(lines->pdata[0], ==, "127.0.0.1:4000: client 7:0 refused (0)");
	g_assert_cmpuint(cr_log_limiter_get_suppressed(lim), ==, 99999);
	cr_log_limiter_flush(lim);
	g_assert_cmpuint(lines->len, ==, 2);
	g_assert_cmpstr(lines->pdata[1], ==,
			"127.0.0.1:4000: client 7:0 refused (0) ... repeated 99999 times in the "
			"last 10 s");
	/* a new window logs the first record again */
	CR_LOG_LIMITED(lim, G_LOG_LEVEL_MESSAGE, "127.0.0.1:4000 connect", "again");
	g_assert_cmpuint(lines->len, ==, 3);
}

static void
test_burst_and_keys(void)
{
	setup();
	g_autoptr(CrLogLimiter) lim = cr_log_limiter_new("test-burst", 10, 3);
	for (guint i = 0; i < 10; i++) {
		CR_LOG_LIMITED(lim, G_LOG_LEVEL_MESSAGE, "a", "a %u", i);
		CR_LOG_LIMITED(lim, G_LOG_LEVEL_MESSAGE, "b", "b %u", i);
	}
	g_assert_cmpuint(count_containing("a "), ==, 3);
	g_assert_cmpuint(count_containing("b "), ==, 3);
	g_assert_cmpuint(cr_log_limiter_get_suppressed(lim), ==, 14);
}

static void
test_key_table_bounded(void)
{
	setup();
	g_autoptr(CrLogLimiter) lim = cr_log_limiter_new("test-keys", 10, 1);
	/* a peer that changes its source port for every record */
	for (guint i = 0; i < 10000; i++) {
		g_autofree gchar *key = g_strdup_printf("127.0.0.1:%u", i);
		CR_LOG_LIMITED(lim, G_LOG_LEVEL_MESSAGE, key, "%s: bad frame", key);
	}
	/* every key up to the limit once, then one for all the others (10000 - 256
	 * records, the first of them logged) */
	g_assert_cmpuint(lines->len, ==, CR_LOG_LIMIT_MAX_KEYS + 1);
	cr_log_limiter_flush(lim);
	g_assert_cmpuint(count_containing("repeated"), ==, 1);
	g_assert_cmpuint(count_containing("repeated 9743 times"), ==, 1);
}

static void
metric_total(const gchar *name, guint64 total, gpointer data)
{
	if (g_strcmp0(name, "test-metric") == 0)
		*(guint64 *)data += total;
}

static void
test_totals_survive_limiter(void)
{
	setup();
	for (guint round = 0; round < 2; round++) {
		g_autoptr(CrLogLimiter) lim = cr_log_limiter_new("test-metric", 10, 1);
		for (guint i = 0; i < 5; i++)
			CR_LOG_LIMITED(lim, G_LOG_LEVEL_MESSAGE, "k", "x");
	}
	guint64 total = 0;
	cr_log_limit_foreach_total(metric_total, &total);
	g_assert_cmpuint(total, ==, 8);
}

static gboolean
give_up(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* the window's end is logged by the limiter's own timer, without a further
 * record from the peer */
static void
test_summary_from_timer(void)
{
	setup();
	g_autoptr(CrLogLimiter) lim = cr_log_limiter_new("test-timer", 1, 1);
	for (guint i = 0; i < 50; i++)
		CR_LOG_LIMITED(lim, G_LOG_LEVEL_WARNING, "k", "peer: unexpected PDU");
	gboolean timed_out = FALSE;
	/* a generous guard, not a measurement: the summary is due after ~1-2 s */
	guint guard = g_timeout_add_seconds(30, give_up, &timed_out);
	while (count_containing("repeated 49 times in the last 1 s") == 0 && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(timed_out);
	g_source_remove(guard);
	/* the quiet key is forgotten at the next window's end; then the timer stops */
	g_assert_cmpuint(count_containing("repeated"), ==, 1);
}

static gboolean G_GNUC_PRINTF(4, 5)
log_peer(CrLogLimiter *lim, const gchar *host, const gchar *kind, const gchar *format, ...)
{
	va_list ap;
	gboolean logged;
	va_start(ap, format);
	logged = cr_log_limited_peer_valist(lim, G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, host, kind,
					    format, ap);
	va_end(ap);
	return logged;
}

/* a peer's lines are keyed by its host and the kind; no limiter: every line */
static void
test_peer_keys(void)
{
	setup();
	g_autoptr(CrLogLimiter) lim = cr_log_limiter_new("test-peer", 10, 1);
	g_assert_true(log_peer(lim, "10.0.0.1", "closed", "10.0.0.1:4000 closed"));
	g_assert_false(log_peer(lim, "10.0.0.1", "closed", "10.0.0.1:4001 closed"));
	g_assert_true(log_peer(lim, "10.0.0.1", "refused", "10.0.0.1:4002 refused"));
	g_assert_true(log_peer(lim, "10.0.0.2", "closed", "10.0.0.2:4000 closed"));
	g_assert_true(log_peer(lim, NULL, "closed", "someone closed"));
	g_assert_false(log_peer(lim, NULL, "closed", "someone closed again"));
	g_assert_cmpuint(lines->len, ==, 4);
	g_assert_cmpuint(cr_log_limiter_get_suppressed(lim), ==, 2);
	cr_log_limiter_flush(lim);
	g_assert_cmpuint(count_containing("10.0.0.1:4000 closed ... repeated 1 times"), ==, 1);
	for (guint i = 0; i < 3; i++)
		g_assert_true(log_peer(NULL, "10.0.0.1", "closed", "no limiter %u", i));
	g_assert_cmpuint(count_containing("no limiter"), ==, 3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	lines = g_ptr_array_new_with_free_func(g_free);
	g_log_set_writer_func(capture, NULL, NULL);
	g_test_add_func("/log-limit/storm-one-key", test_storm_one_key);
	g_test_add_func("/log-limit/burst-and-keys", test_burst_and_keys);
	g_test_add_func("/log-limit/key-table-bounded", test_key_table_bounded);
	g_test_add_func("/log-limit/totals", test_totals_survive_limiter);
	g_test_add_func("/log-limit/summary-from-timer", test_summary_from_timer);
	g_test_add_func("/log-limit/peer-keys", test_peer_keys);
	return g_test_run();
}
