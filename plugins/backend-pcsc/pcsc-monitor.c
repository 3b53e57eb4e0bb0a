// SPDX-License-Identifier: GPL-2.0-or-later
/* The reader watcher of a backend-pcsc instance (see pcsc-monitor.h). */
#include "pcsc-monitor.h"

#include <string.h>
#include <winscard.h>

#include "pcsc-error.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define PNP_READER "\\\\?PnP?\\Notification"

struct _PcscMonitor {
	gchar *name;
	const regex_t *regex;
	PcscHandoff *handoff;
	GThread *thread;

	GMutex lock; /* guards the fields below */
	GCond cond;
	gboolean stopping;
	gboolean in_call; /* the thread is in a call SCardCancel() ends */
	SCARDCONTEXT ctx;
	gboolean ctx_valid;

	/* the thread only */
	gchar *last_down;
	gchar **last_readers; /* as last posted, NULL: none posted since pcscd came */
};

typedef struct {
	gchar *name;
	gboolean known;
	gboolean present;
	DWORD count;
	GBytes *atr;
	DWORD state; /* last event state, without CHANGED */
} Watched;

static gboolean
is_stopping(PcscMonitor *self)
{
	gboolean stopping;
	g_mutex_lock(&self->lock);
	stopping = self->stopping;
	g_mutex_unlock(&self->lock);
	return stopping;
}

/* Sleeps up to @ms unless stopped; TRUE when stopping. */
static gboolean
sleep_unless_stopped(PcscMonitor *self, guint ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	gboolean stopping;
	g_mutex_lock(&self->lock);
	while (!self->stopping)
		if (!g_cond_wait_until(&self->cond, &self->lock, end))
			break;
	stopping = self->stopping;
	g_mutex_unlock(&self->lock);
	return stopping;
}

/* Reports "no pcscd" once per distinct reason. Takes @error. */
static void
post_down(PcscMonitor *self, GError *error)
{
	PcscEvent *ev;
	g_clear_pointer(&self->last_readers, g_strfreev);
	if (g_strcmp0(self->last_down, error->message) == 0) {
		g_error_free(error);
		return;
	}
	g_free(self->last_down);
	self->last_down = g_strdup(error->message);
	ev = pcsc_event_new(PCSC_EVENT_SERVICE_DOWN);
	ev->error = error;
	pcsc_handoff_post(self->handoff, ev);
}

static void
post_readers(PcscMonitor *self, GPtrArray *names)
{
	PcscEvent *ev;
	gchar **list = g_new0(gchar *, names->len + 1);
	for (guint i = 0; i < names->len; i++)
		list[i] = g_strdup(names->pdata[i]);
	g_clear_pointer(&self->last_down, g_free);
	if (self->last_readers != NULL &&
	    g_strv_equal((const gchar *const *)self->last_readers, (const gchar *const *)list)) {
		g_strfreev(list);
		return;
	}
	g_strfreev(self->last_readers);
	self->last_readers = g_strdupv(list);
	ev = pcsc_event_new(PCSC_EVENT_READERS);
	ev->readers = list;
	pcsc_handoff_post(self->handoff, ev);
}

static void
post_card(PcscMonitor *self, const gchar *reader, gboolean present, GBytes *atr)
{
	PcscEvent *ev = pcsc_event_new(PCSC_EVENT_CARD);
	ev->reader = g_strdup(reader);
	ev->present = present;
	ev->data = atr != NULL ? g_bytes_ref(atr) : NULL;
	pcsc_handoff_post(self->handoff, ev);
}

/* The matching readers in pcscd's order; NULL with *rv set on error. */
static GPtrArray *
list_readers(PcscMonitor *self, SCARDCONTEXT ctx, LONG *rv)
{
	for (;;) {
		g_autofree gchar *list = NULL;
		GPtrArray *names;
		DWORD len = 0;

		*rv = SCardListReaders(ctx, NULL, NULL, &len);
		if (*rv == SCARD_S_SUCCESS) {
			list = g_malloc0(len + 1);
			*rv = SCardListReaders(ctx, NULL, list, &len);
		}
		if (*rv == SCARD_E_INSUFFICIENT_BUFFER)
			continue; /* a reader came between the two calls: list again */
		if (*rv == SCARD_E_NO_READERS_AVAILABLE) {
			*rv = SCARD_S_SUCCESS;
			return g_ptr_array_new_with_free_func(g_free);
		}
		if (*rv != SCARD_S_SUCCESS)
			return NULL;
		names = g_ptr_array_new_with_free_func(g_free);
		for (gsize off = 0; off < len && list[off] != '\0';) {
			const gchar *name = list + off;
			gsize n = strnlen(name, len - off);
			if (self->regex == NULL || regexec(self->regex, name, 0, NULL, 0) == 0)
				g_ptr_array_add(names, g_strdup(name));
			off += n + 1;
		}
		return names;
	}
}

/* One status wait, ended by a change, an error or SCardCancel(). */
static LONG
wait_change(PcscMonitor *self, SCARDCONTEXT ctx, SCARD_READERSTATE *st, DWORD n)
{
	LONG rv;
	g_mutex_lock(&self->lock);
	if (self->stopping) {
		g_mutex_unlock(&self->lock);
		return SCARD_E_CANCELLED;
	}
	self->in_call = TRUE;
	g_mutex_unlock(&self->lock);
	rv = SCardGetStatusChange(ctx, INFINITE, st, n);
	g_mutex_lock(&self->lock);
	self->in_call = FALSE;
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);
	return rv;
}

static void
watched_free(gpointer p)
{
	Watched *w = p;
	g_free(w->name);
	g_clear_pointer(&w->atr, g_bytes_unref);
	g_free(w);
}

/* Card changes of one reader into events (a swap = absent, then present). */
static void
card_changed(PcscMonitor *self, Watched *w, const SCARD_READERSTATE *st)
{
	DWORD ev = st->dwEventState;
	gboolean present = (ev & SCARD_STATE_PRESENT) && !(ev & SCARD_STATE_MUTE) &&
	                   st->cbAtr > 0 && st->cbAtr <= sizeof(st->rgbAtr);
	DWORD count = ev >> 16;
	g_autoptr(GBytes) atr = present ? g_bytes_new(st->rgbAtr, st->cbAtr) : NULL;
	gboolean swapped = w->known && present && w->present &&
	                   (count != w->count || !g_bytes_equal(atr, w->atr));

	if (swapped)
		post_card(self, w->name, FALSE, NULL);
	if (!w->known || swapped || present != w->present)
		post_card(self, w->name, present, atr);
	w->known = TRUE;
	w->present = present;
	w->count = count;
	g_clear_pointer(&w->atr, g_bytes_unref);
	w->atr = g_steal_pointer(&atr);
}

typedef enum {
	WATCH_CONTEXT_LOST,
	WATCH_STOP,
} WatchResult;

/* Brings @watched in line with @names (pcscd's order), keeping what is
 * known of the readers still there. */
static void
update_watched(GPtrArray *watched, GPtrArray *names)
{
	GPtrArray *next = g_ptr_array_new_with_free_func(watched_free);
	for (guint i = 0; i < names->len; i++) {
		Watched *w = NULL;
		for (guint j = 0; j < watched->len && w == NULL; j++)
			if (g_str_equal(((Watched *)watched->pdata[j])->name, names->pdata[i]))
				w = g_ptr_array_steal_index(watched, j);
		if (w == NULL) {
			w = g_new0(Watched, 1);
			w->name = g_strdup(names->pdata[i]);
		}
		g_ptr_array_add(next, w);
	}
	/* what is left in @watched went away */
	g_ptr_array_set_size(watched, 0);
	g_ptr_array_extend_and_steal(watched, next);
}

/* Waits for changes of the watched readers and of the reader list; returns
 * TRUE when the list must be read again, FALSE with *result to leave. */
static gboolean
wait_changes(PcscMonitor *self, SCARDCONTEXT ctx, GPtrArray *watched, DWORD *pnp_state,
             WatchResult *result)
{
	guint n = watched->len;
	g_autofree SCARD_READERSTATE *st = g_new0(SCARD_READERSTATE, n + 1);

	for (guint i = 0; i < n; i++) {
		Watched *w = watched->pdata[i];
		st[i].szReader = w->name;
		st[i].dwCurrentState = w->known ? w->state : SCARD_STATE_UNAWARE;
	}
	st[n].szReader = PNP_READER;
	st[n].dwCurrentState = *pnp_state;
	for (;;) {
		gboolean relist = FALSE;
		LONG rv = wait_change(self, ctx, st, n + 1);
		if (rv == SCARD_E_CANCELLED || rv == SCARD_E_TIMEOUT) {
			if (is_stopping(self)) {
				*result = WATCH_STOP;
				return FALSE;
			}
			continue;
		}
		if (pcsc_error_is_service_lost(rv)) {
			post_down(self, pcsc_error_new(rv, "pcscd went away"));
			*result = WATCH_CONTEXT_LOST;
			return FALSE;
		}
		if (rv != SCARD_S_SUCCESS) {
			/* e.g. a reader vanished between listing and waiting */
			g_debug("%s: waiting for changes: 0x%08lX, listing again", self->name,
			        (unsigned long)rv);
			if (sleep_unless_stopped(self, BACKOFF_MIN_MS)) {
				*result = WATCH_STOP;
				return FALSE;
			}
			return TRUE;
		}
		for (guint i = 0; i < n; i++) {
			Watched *w = watched->pdata[i];
			DWORD ev = st[i].dwEventState;
			if (!(ev & SCARD_STATE_CHANGED))
				continue;
			if (ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE | SCARD_STATE_UNAVAILABLE))
				relist = TRUE; /* the reader went: the list says so */
			else
				card_changed(self, w, &st[i]);
			w->state = ev & ~SCARD_STATE_CHANGED;
			st[i].dwCurrentState = w->state;
		}
		if (st[n].dwEventState & SCARD_STATE_CHANGED) {
			*pnp_state = st[n].dwEventState & ~SCARD_STATE_CHANGED;
			st[n].dwCurrentState = *pnp_state;
			relist = TRUE; /* a reader came or went */
		}
		if (relist)
			return TRUE;
	}
}

static WatchResult
watch(PcscMonitor *self, SCARDCONTEXT ctx, guint *backoff)
{
	g_autoptr(GPtrArray) watched = g_ptr_array_new_with_free_func(watched_free);
	DWORD pnp_state = 0;
	WatchResult result = WATCH_STOP;

	for (;;) {
		g_autoptr(GPtrArray) names = NULL;
		LONG rv;

		if (is_stopping(self))
			return WATCH_STOP;
		names = list_readers(self, ctx, &rv);
		if (names == NULL) {
			post_down(self, pcsc_error_new(rv, pcsc_error_is_service_lost(rv)
			                                           ? "pcscd went away"
			                                           : "cannot list readers"));
			return WATCH_CONTEXT_LOST;
		}
		*backoff = BACKOFF_MIN_MS;
		post_readers(self, names);
		update_watched(watched, names);
		if (!wait_changes(self, ctx, watched, &pnp_state, &result))
			return result;
	}
}

static gpointer
monitor_thread(gpointer user_data)
{
	PcscMonitor *self = user_data;
	guint backoff = BACKOFF_MIN_MS;

	while (!is_stopping(self)) {
		SCARDCONTEXT ctx;
		LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
		WatchResult wr;
		if (rv != SCARD_S_SUCCESS) {
			post_down(self, pcsc_error_new(rv, "cannot reach pcscd (retrying)"));
			if (sleep_unless_stopped(self, backoff))
				break;
			backoff = MIN(backoff * 2, BACKOFF_MAX_MS);
			continue;
		}
		g_mutex_lock(&self->lock);
		self->ctx = ctx;
		self->ctx_valid = TRUE;
		g_mutex_unlock(&self->lock);

		wr = watch(self, ctx, &backoff);

		g_mutex_lock(&self->lock);
		self->ctx_valid = FALSE;
		g_mutex_unlock(&self->lock);
		SCardReleaseContext(ctx);
		if (wr == WATCH_STOP || sleep_unless_stopped(self, backoff))
			break;
		backoff = MIN(backoff * 2, BACKOFF_MAX_MS);
	}
	return NULL;
}

PcscMonitor *
pcsc_monitor_new(const gchar *name, const regex_t *regex, PcscHandoff *handoff)
{
	PcscMonitor *self = g_new0(PcscMonitor, 1);
	self->name = g_strdup(name);
	self->regex = regex;
	self->handoff = handoff;
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	return self;
}

void
pcsc_monitor_start(PcscMonitor *self)
{
	g_autofree gchar *tname = g_strdup_printf("pcsc-mon-%s", self->name);
	if (self->thread != NULL)
		return;
	self->stopping = FALSE;
	g_clear_pointer(&self->last_down, g_free);
	g_clear_pointer(&self->last_readers, g_strfreev);
	self->thread = g_thread_new(tname, monitor_thread, self);
}

void
pcsc_monitor_stop(PcscMonitor *self)
{
	if (self->thread == NULL)
		return;
	g_mutex_lock(&self->lock);
	self->stopping = TRUE;
	g_cond_broadcast(&self->cond);
	/* a cancel that lands before the thread enters its wait is lost:
	 * cancel again until the thread has left the call */
	while (self->in_call) {
		gint64 end = g_get_monotonic_time() + 20 * G_TIME_SPAN_MILLISECOND;
		if (self->ctx_valid)
			(void)SCardCancel(self->ctx);
		g_cond_wait_until(&self->cond, &self->lock, end);
	}
	g_mutex_unlock(&self->lock);
	g_thread_join(g_steal_pointer(&self->thread));
}

void
pcsc_monitor_free(PcscMonitor *self)
{
	if (self == NULL)
		return;
	pcsc_monitor_stop(self);
	g_free(self->name);
	g_free(self->last_down);
	g_strfreev(self->last_readers);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}
