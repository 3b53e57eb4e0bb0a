// SPDX-License-Identifier: GPL-2.0-or-later
/* Rate-limited logging: see cr-log-limit.h. */
#define G_LOG_DOMAIN "cardroute"

#include <stdarg.h>

#include <string.h>

#include "cardroute/cr-log-limit.h"

/* the text kept for a summary line, at most */
#define SUMMARY_TEXT_MAX 240
#define OTHER_KEY "other peers"

typedef struct {
	gchar *domain;
	GLogLevelFlags level;
	gint64 window_start;
	guint logged;  /* records logged in this window */
	guint64 held;  /* records held back in this window */
	gchar *text;   /* the first record of the window, for the summary */
} Entry;

struct _CrLogLimiter {
	gchar *name;
	gint64 window_us;
	guint window_s;
	guint burst;
	GHashTable *entries; /* key -> Entry */
	GSource *timer;
	GMainContext *context;
	guint64 suppressed;
};

/* totals per limiter name, for /metrics; limiters come and go with reloads */
static GMutex totals_lock;
static GHashTable *totals; /* name -> guint64 * */

static void
totals_add(const gchar *name, guint64 n)
{
	g_mutex_lock(&totals_lock);
	if (totals == NULL)
		totals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	guint64 *t = g_hash_table_lookup(totals, name);
	if (t == NULL) {
		t = g_new0(guint64, 1);
		g_hash_table_insert(totals, g_strdup(name), t);
	}
	*t += n;
	g_mutex_unlock(&totals_lock);
}

void
cr_log_limit_foreach_total(void (*func)(const gchar *name, guint64 total, gpointer data),
			   gpointer data)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) values = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_mutex_lock(&totals_lock);
	if (totals != NULL) {
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, totals);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			g_ptr_array_add(names, g_strdup(k));
			g_array_append_val(values, *(guint64 *)v);
		}
	}
	g_mutex_unlock(&totals_lock);
	/* outside the lock: @func may log */
	for (guint i = 0; i < names->len; i++)
		func(names->pdata[i], g_array_index(values, guint64, i), data);
}

static void
entry_free(gpointer p)
{
	Entry *e = p;
	g_free(e->domain);
	g_free(e->text);
	g_free(e);
}

static void
entry_summarize(CrLogLimiter *self, Entry *e)
{
	if (e->held == 0)
		return;
	g_log_structured_standard(e->domain, e->level, __FILE__, G_STRINGIFY(__LINE__), G_STRFUNC,
				  "%s ... repeated %" G_GUINT64_FORMAT " times in the last %u s",
				  e->text, e->held, self->window_s);
}

/* Ends the windows that are over: their summaries are logged; keys that were
 * quiet for a whole window are forgotten. */
static void
expire(CrLogLimiter *self, gint64 now, gboolean all)
{
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, self->entries);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Entry *e = v;
		if (!all && now - e->window_start < self->window_us)
			continue;
		gboolean quiet = e->logged == 0 && e->held == 0;
		entry_summarize(self, e);
		if (quiet) {
			g_hash_table_iter_remove(&it);
			continue;
		}
		e->window_start = now;
		e->logged = 0;
		e->held = 0;
	}
}

static gboolean
on_tick(gpointer user_data)
{
	CrLogLimiter *self = user_data;
	expire(self, g_get_monotonic_time(), FALSE);
	if (g_hash_table_size(self->entries) > 0)
		return G_SOURCE_CONTINUE;
	g_source_unref(self->timer);
	self->timer = NULL;
	return G_SOURCE_REMOVE;
}

static void
ensure_timer(CrLogLimiter *self)
{
	if (self->timer != NULL)
		return;
	/* second granularity is enough, and lets GLib batch the wake-ups */
	self->timer = g_timeout_source_new_seconds(1);
	g_source_set_callback(self->timer, on_tick, self, NULL);
	g_source_set_static_name(self->timer, "cr-log-limit");
	g_source_attach(self->timer, self->context);
}

CrLogLimiter *
cr_log_limiter_new(const gchar *name, guint window_s, guint burst)
{
	CrLogLimiter *self = g_new0(CrLogLimiter, 1);
	self->name = g_strdup(name);
	self->window_s = MAX(window_s, 1);
	self->window_us = (gint64)self->window_s * G_USEC_PER_SEC;
	self->burst = MAX(burst, 1);
	self->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
	self->context = g_main_context_ref_thread_default();
	return self;
}

void
cr_log_limiter_free(CrLogLimiter *self)
{
	if (self == NULL)
		return;
	cr_log_limiter_flush(self);
	if (self->timer != NULL) {
		g_source_destroy(self->timer);
		g_source_unref(self->timer);
	}
	g_hash_table_unref(self->entries);
	g_main_context_unref(self->context);
	g_free(self->name);
	g_free(self);
}

static gboolean log_limited_valist(CrLogLimiter *self, const gchar *domain, GLogLevelFlags level,
				   const gchar *key, const gchar *format, va_list ap)
	G_GNUC_PRINTF(5, 0);

static gboolean
log_limited_valist(CrLogLimiter *self, const gchar *domain, GLogLevelFlags level,
		   const gchar *key, const gchar *format, va_list ap)
{
	gint64 now = g_get_monotonic_time();
	Entry *e = g_hash_table_lookup(self->entries, key);
	if (e == NULL && g_hash_table_size(self->entries) >= CR_LOG_LIMIT_MAX_KEYS) {
		key = OTHER_KEY;
		e = g_hash_table_lookup(self->entries, key);
	}
	if (e != NULL && now - e->window_start >= self->window_us) {
		/* the window ended between two ticks */
		entry_summarize(self, e);
		e->window_start = now;
		e->logged = 0;
		e->held = 0;
	}
	if (e == NULL) {
		e = g_new0(Entry, 1);
		e->window_start = now;
		g_hash_table_insert(self->entries, g_strdup(key), e);
		ensure_timer(self);
	}
	if (e->logged >= self->burst) {
		e->held++;
		self->suppressed++;
		totals_add(self->name, 1);
		return FALSE;
	}

	g_autofree gchar *text = g_strdup_vprintf(format, ap);
	if (e->logged == 0) {
		g_free(e->domain);
		e->domain = g_strdup(domain);
		e->level = level;
		g_free(e->text);
		e->text = g_utf8_make_valid(text, MIN(strlen(text), SUMMARY_TEXT_MAX));
	}
	e->logged++;
	g_log_structured_standard(domain, level, __FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, "%s",
				  text);
	return TRUE;
}

gboolean
cr_log_limited(CrLogLimiter *self, const gchar *domain, GLogLevelFlags level, const gchar *key,
	       const gchar *format, ...)
{
	va_list ap;
	gboolean logged;
	va_start(ap, format);
	logged = log_limited_valist(self, domain, level, key, format, ap);
	va_end(ap);
	return logged;
}

gboolean
cr_log_limited_peer_valist(CrLogLimiter *self, const gchar *domain, GLogLevelFlags level,
			   const gchar *host, const gchar *kind, const gchar *format, va_list ap)
{
	g_autofree gchar *key = NULL;
	if (self == NULL) {
		g_autofree gchar *text = g_strdup_vprintf(format, ap);
		g_log_structured_standard(domain, level, __FILE__, G_STRINGIFY(__LINE__),
					  G_STRFUNC, "%s", text);
		return TRUE;
	}
	key = g_strdup_printf("%s %s", host != NULL ? host : "?", kind);
	return log_limited_valist(self, domain, level, key, format, ap);
}

void
cr_log_limiter_flush(CrLogLimiter *self)
{
	expire(self, g_get_monotonic_time(), TRUE);
}

guint64
cr_log_limiter_get_suppressed(CrLogLimiter *self)
{
	return self->suppressed;
}
