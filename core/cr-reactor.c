// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reactor's GSource: its only poll fd is an epoll fd, so GLib polls one
 * descriptor however many sockets are registered. prepare() answers from the
 * timer heap's top (and says "ready now" when a watch was scheduled);
 * dispatch() takes the ready registrations from epoll_wait in batches and
 * calls them, then the scheduled watches, then the expired timers. Watches
 * removed during a dispatch stay allocated (flagged) until it ends, so an
 * event of the same batch never reaches freed memory, whatever a callback
 * closed. One reactor per main context, created on first use.
 *
 * The source may recurse (G_SOURCE_CAN_RECURSE). That is for speed, not for
 * nesting: GLib takes a non-recursive source's poll fds out of the context
 * before each dispatch and puts them back after, and each of those signals
 * the context's eventfd, which costs two writes, a read and an extra poll
 * round per dispatch. Should a callback still run the context (a nested
 * main loop), the nested dispatch works on its own read buffer, and a stream
 * whose read callback is on the stack is left for the outer frame (see
 * cr-reactor-stream.c).
 */
#define G_LOG_DOMAIN "cardroute"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cr-reactor-private.h"

G_LOCK_DEFINE_STATIC(reactors);
static GHashTable *reactors; /* GMainContext* -> CrReactor* */

static guint32
to_epoll(GIOCondition events)
{
	return ((events & G_IO_IN) ? EPOLLIN : 0u) | ((events & G_IO_OUT) ? EPOLLOUT : 0u);
}

static GIOCondition
from_epoll(guint32 events)
{
	GIOCondition c = 0;

	if (events & EPOLLIN)
		c |= G_IO_IN;
	if (events & EPOLLOUT)
		c |= G_IO_OUT;
	if (events & (EPOLLHUP | EPOLLRDHUP))
		c |= G_IO_HUP;
	if (events & EPOLLERR)
		c |= G_IO_ERR;
	return c;
}

static gboolean
reactor_prepare(GSource *source, gint *timeout)
{
	CrReactor *self = (CrReactor *)source;
	gint64 next, now;

	if (self->scheduled != NULL) {
		*timeout = 0;
		return TRUE;
	}
	next = cr_reactor_timers_next(self);
	if (next == G_MAXINT64) {
		*timeout = -1;
		return FALSE;
	}
	now = g_source_get_time(source);
	if (next <= now) {
		*timeout = 0;
		return TRUE;
	}
	/* round up: waking early would only mean an empty dispatch */
	*timeout = (gint)MIN((next - now + 999) / 1000, G_MAXINT);
	return FALSE;
}

static gboolean
reactor_check(GSource *source)
{
	CrReactor *self = (CrReactor *)source;

	if (self->scheduled != NULL)
		return TRUE;
	if (g_source_query_unix_fd(source, self->epoll_tag) & G_IO_IN)
		return TRUE;
	return cr_reactor_timers_next(self) <= g_source_get_time(source);
}

/* frees the removed watches no scheduled list holds any more */
static void
free_zombies(CrReactor *self, gboolean all)
{
	CrWatch **p = &self->zombies;

	while (*p != NULL) {
		CrWatch *w = *p;

		if (w->scheduled != 0 && !all) {
			p = &w->next_zombie;
			continue;
		}
		*p = w->next_zombie;
		g_free(w);
	}
}

static void
run_scheduled(CrReactor *self)
{
	CrWatch *list = self->scheduled;

	self->scheduled = NULL;
	while (list != NULL) {
		CrWatch *w = list;
		GIOCondition events = w->scheduled;

		list = w->next_scheduled;
		w->next_scheduled = NULL;
		w->scheduled = 0;
		if (!w->removed)
			w->func(w, events, w->user_data);
	}
}

static gboolean
reactor_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	CrReactor *self = (CrReactor *)source;
	struct epoll_event events[CR_REACTOR_BATCH];
	guint8 read_buf[CR_REACTOR_READ_BUF];
	guint8 *outer_buf = self->read_buf;
	gint n;

	self->read_buf = read_buf;
	self->dispatch_depth++;
	do {
		n = epoll_wait(self->epfd, events, CR_REACTOR_BATCH, 0);
		if (n < 0 && errno != EINTR)
			g_warning("reactor: epoll_wait: %s", g_strerror(errno));
		for (gint i = 0; i < n; i++) {
			CrWatch *w = events[i].data.ptr;

			if (!w->removed)
				w->func(w, from_epoll(events[i].events), w->user_data);
		}
	} while (n == CR_REACTOR_BATCH);
	run_scheduled(self);
	cr_reactor_timers_run(self, g_get_monotonic_time());
	self->read_buf = outer_buf;
	if (--self->dispatch_depth == 0)
		free_zombies(self, FALSE);
	return G_SOURCE_CONTINUE;
}

static void
reactor_finalize(GSource *source)
{
	CrReactor *self = (CrReactor *)source;

	G_LOCK(reactors);
	if (reactors != NULL) {
		GHashTableIter iter;
		gpointer key, value;

		g_hash_table_iter_init(&iter, reactors);
		while (g_hash_table_iter_next(&iter, &key, &value))
			if (value == self)
				g_hash_table_iter_remove(&iter);
	}
	G_UNLOCK(reactors);
	free_zombies(self, TRUE);
	cr_reactor_timers_clear(self);
	close(self->epfd);
}

static GSourceFuncs reactor_funcs = {
        .prepare = reactor_prepare,
        .check = reactor_check,
        .dispatch = reactor_dispatch,
        .finalize = reactor_finalize,
};

static CrReactor *
reactor_new(GMainContext *context)
{
	CrReactor *self;
	gint epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		g_error("reactor: epoll_create1: %s", g_strerror(errno)); /* out of fds at start */
	self = (CrReactor *)g_source_new(&reactor_funcs, sizeof(CrReactor));
	g_source_set_static_name(&self->source, "cardroute reactor");
	self->epfd = epfd;
	self->epoll_tag = g_source_add_unix_fd(&self->source, epfd, G_IO_IN);
	g_source_set_can_recurse(&self->source, TRUE);
	g_source_attach(&self->source, context);
	/* the context owns it from here; it lives as long as the context */
	g_source_unref(&self->source);
	return self;
}

CrReactor *
cr_reactor_get_for_context(GMainContext *context)
{
	CrReactor *self;

	if (context == NULL)
		context = g_main_context_default();
	G_LOCK(reactors);
	if (reactors == NULL)
		reactors = g_hash_table_new(NULL, NULL);
	self = g_hash_table_lookup(reactors, context);
	if (self == NULL || g_source_is_destroyed(&self->source)) {
		self = reactor_new(context);
		g_hash_table_insert(reactors, context, self);
	}
	G_UNLOCK(reactors);
	return self;
}

CrReactor *
cr_reactor_get_default(void)
{
	return cr_reactor_get_for_context(g_main_context_get_thread_default());
}

GMainContext *
cr_reactor_get_context(CrReactor *reactor)
{
	return g_source_get_context(&reactor->source);
}

guint
cr_reactor_get_n_watches(CrReactor *reactor)
{
	return reactor->n_watches;
}

/* ---- watches ---- */

CrWatch *
cr_watch_new(CrReactor *reactor, gint fd, GIOCondition events, CrWatchFunc func, gpointer user_data,
             GError **error)
{
	CrWatch *w = g_new0(CrWatch, 1);
	struct epoll_event ev = {0};

	w->reactor = reactor != NULL ? reactor : cr_reactor_get_default();
	w->fd = fd;
	w->func = func;
	w->user_data = user_data;
	w->epoll_events = to_epoll(events);
	ev.events = w->epoll_events;
	ev.data.ptr = w;
	if (epoll_ctl(w->reactor->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		gint saved = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
		            "cannot watch fd %d: %s", fd, g_strerror(saved));
		g_free(w);
		return NULL;
	}
	w->reactor->n_watches++;
	return w;
}

void
cr_watch_set_events(CrWatch *watch, GIOCondition events)
{
	struct epoll_event ev = {0};
	guint32 want = to_epoll(events);

	if (watch->removed || want == watch->epoll_events)
		return;
	watch->epoll_events = want;
	ev.events = want;
	ev.data.ptr = watch;
	if (epoll_ctl(watch->reactor->epfd, EPOLL_CTL_MOD, watch->fd, &ev) < 0)
		g_warning("reactor: epoll_ctl(MOD, %d): %s", watch->fd, g_strerror(errno));
}

GIOCondition
cr_watch_get_events(const CrWatch *watch)
{
	return from_epoll(watch->epoll_events);
}

void
cr_watch_schedule(CrWatch *watch, GIOCondition events)
{
	if (watch->removed)
		return;
	if (watch->scheduled == 0) {
		watch->next_scheduled = watch->reactor->scheduled;
		watch->reactor->scheduled = watch;
	}
	watch->scheduled |= events;
}

void
cr_watch_free(CrWatch *watch)
{
	CrReactor *self;

	if (watch == NULL || watch->removed)
		return;
	self = watch->reactor;
	watch->removed = TRUE;
	self->n_watches--;
	if (epoll_ctl(self->epfd, EPOLL_CTL_DEL, watch->fd, NULL) < 0 && errno != EBADF)
		g_warning("reactor: epoll_ctl(DEL, %d): %s", watch->fd, g_strerror(errno));
	/* an event of the current batch or a scheduled list may still point here:
	 * the memory goes when neither can (the flag keeps the callback away) */
	if (self->dispatch_depth > 0 || watch->scheduled != 0) {
		watch->next_zombie = self->zombies;
		self->zombies = watch;
	} else {
		g_free(watch);
	}
}
