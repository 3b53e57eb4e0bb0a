// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reactor's GSource. Its poll fds are the watches' own while there are
 * few, else one epoll fd, so GLib polls at most a handful of descriptors
 * however many sockets are registered (cr-reactor-watch.c). prepare()
 * answers from the timer heap's top (and says "ready now" when a watch was
 * scheduled); dispatch() calls the ready watches (from epoll_wait in batches
 * in epoll mode), then the scheduled watches, then the expired timers. Watches
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
#include <sys/epoll.h>
#include <unistd.h>

#include "cr-reactor-private.h"

G_LOCK_DEFINE_STATIC(reactors);
static GHashTable *reactors; /* GMainContext* -> CrReactor* */

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
	if (cr_reactor_watches_ready(self))
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
	guint8 read_buf[CR_REACTOR_READ_BUF];
	guint8 *outer_buf = self->read_buf;

	self->read_buf = read_buf;
	self->dispatch_depth++;
	cr_reactor_watches_dispatch(self);
	run_scheduled(self);
	cr_reactor_timers_run(self, g_get_monotonic_time());
	self->read_buf = outer_buf;
	if (--self->dispatch_depth == 0) {
		free_zombies(self, FALSE);
		cr_reactor_watches_settle(self);
	}
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
	self->direct_max = CR_REACTOR_DIRECT_MAX;
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
