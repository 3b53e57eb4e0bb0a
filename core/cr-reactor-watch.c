// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Watches: one persistent registration of a file descriptor, in one of the
 * reactor's two modes.
 *
 * Few watches (at most CR_REACTOR_DIRECT_MAX): each fd is a poll fd of the
 * reactor's GSource itself (g_source_add_unix_fd), so the poll() GLib makes
 * anyway reports which one is ready. A client with one or two links pays one
 * system call per wake-up instead of poll() on an epoll fd and then
 * epoll_wait() on it. The cost of an iteration stays bounded: at most
 * CR_REACTOR_DIRECT_MAX fds are looked at.
 *
 * More: every fd sits in the epoll set and the GSource polls the epoll fd
 * alone, so an iteration costs the same with 9 or 10,000 connections. The
 * reactor moves to epoll when a watch is added beyond the limit, and back
 * when no more than CR_REACTOR_DIRECT_BACK remain (the gap keeps a bank whose
 * client count hovers near the limit from moving on every connection).
 *
 * Both modes are level-triggered with the same conditions (HUP and ERR
 * always, IN/OUT as asked), and both refuse a second watch on one fd. The
 * owner frees a watch before it closes the fd (every owner here does); a fd
 * closed under a direct watch is reported as G_IO_ERR | G_IO_HUP once per
 * iteration until the watch goes, where epoll would have forgotten it.
 */
#define G_LOG_DOMAIN "cardroute"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>

#include "cr-reactor-private.h"

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

static GIOCondition
from_poll(GIOCondition revents)
{
	GIOCondition c = revents & (G_IO_IN | G_IO_OUT | G_IO_HUP | G_IO_ERR);

	if (revents & G_IO_NVAL)
		c |= G_IO_ERR | G_IO_HUP;
	return c;
}

static gboolean
epoll_add(CrReactor *self, CrWatch *w, GError **error)
{
	struct epoll_event ev = {.events = w->epoll_events, .data.ptr = w};

	if (epoll_ctl(self->epfd, EPOLL_CTL_ADD, w->fd, &ev) == 0)
		return TRUE;
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot watch fd %d: %s",
	            w->fd, g_strerror(errno));
	return FALSE;
}

/* what epoll_ctl(ADD) would refuse, found without a system call where we can */
static gboolean
direct_check(CrReactor *self, gint fd, GError **error)
{
	gint err = 0;

	for (guint i = 0; i < self->n_direct; i++)
		if (self->direct[i]->fd == fd)
			err = EEXIST;
	if (err == 0 && fcntl(fd, F_GETFD) < 0)
		err = errno;
	if (err == 0)
		return TRUE;
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "cannot watch fd %d: %s", fd,
	            g_strerror(err));
	return FALSE;
}

static void
direct_add(CrReactor *self, CrWatch *w)
{
	w->tag = g_source_add_unix_fd(&self->source, w->fd, from_epoll(w->epoll_events));
	w->direct_index = self->n_direct;
	self->direct[self->n_direct++] = w;
}

static void
direct_remove(CrReactor *self, CrWatch *w)
{
	CrWatch *last = self->direct[--self->n_direct];

	last->direct_index = w->direct_index;
	self->direct[w->direct_index] = last;
	g_source_remove_unix_fd(&self->source, w->tag);
	w->tag = NULL;
}

static void
all_link(CrReactor *self, CrWatch *w)
{
	w->next_all = self->all;
	if (self->all != NULL)
		self->all->prev_all = w;
	self->all = w;
}

static void
all_unlink(CrReactor *self, CrWatch *w)
{
	if (w->prev_all != NULL)
		w->prev_all->next_all = w->next_all;
	else
		self->all = w->next_all;
	if (w->next_all != NULL)
		w->next_all->prev_all = w->prev_all;
	w->prev_all = w->next_all = NULL;
}

static gboolean
in_epoll_mode(const CrReactor *self)
{
	return self->epoll_tag != NULL;
}

static void
to_epoll_mode(CrReactor *self)
{
	while (self->n_direct > 0) {
		CrWatch *w = self->direct[self->n_direct - 1];
		g_autoptr(GError) error = NULL;

		direct_remove(self, w);
		/* direct_check() refused what epoll refuses, so this is for the kernel
		 * running out of memory: the owner hears of it as an error */
		if (!epoll_add(self, w, &error)) {
			g_warning("reactor: %s", error->message);
			cr_watch_schedule(w, G_IO_ERR);
		}
	}
	self->epoll_tag = g_source_add_unix_fd(&self->source, self->epfd, G_IO_IN);
}

static void
to_direct_mode(CrReactor *self)
{
	g_source_remove_unix_fd(&self->source, self->epoll_tag);
	self->epoll_tag = NULL;
	for (CrWatch *w = self->all; w != NULL; w = w->next_all) {
		if (epoll_ctl(self->epfd, EPOLL_CTL_DEL, w->fd, NULL) < 0 && errno != EBADF)
			g_warning("reactor: epoll_ctl(DEL, %d): %s", w->fd, g_strerror(errno));
		direct_add(self, w);
	}
}

void
cr_reactor_watches_settle(CrReactor *self)
{
	if (in_epoll_mode(self) && self->dispatch_depth == 0 && self->direct_max > 0 &&
	    self->n_watches <= CR_REACTOR_DIRECT_BACK)
		to_direct_mode(self);
}

void
cr_reactor_force_epoll(CrReactor *self, gboolean epoll_only)
{
	self->direct_max = epoll_only ? 0 : CR_REACTOR_DIRECT_MAX;
	if (epoll_only && !in_epoll_mode(self))
		to_epoll_mode(self);
	else
		cr_reactor_watches_settle(self);
}

gboolean
cr_reactor_watches_ready(CrReactor *self)
{
	if (in_epoll_mode(self))
		return (g_source_query_unix_fd(&self->source, self->epoll_tag) & G_IO_IN) != 0;
	for (guint i = 0; i < self->n_direct; i++)
		if (g_source_query_unix_fd(&self->source, self->direct[i]->tag) != 0)
			return TRUE;
	return FALSE;
}

static void
dispatch_epoll(CrReactor *self)
{
	struct epoll_event events[CR_REACTOR_BATCH];
	gint n;

	do {
		n = epoll_wait(self->epfd, events, CR_REACTOR_BATCH, 0);
		if (n < 0 && errno != EINTR)
			g_warning("reactor: epoll_wait: %s", g_strerror(errno));
		for (gint i = 0; i < n; i++) {
			CrWatch *w = events[i].data.ptr;

			if (!w->removed)
				w->func(w, from_epoll(events[i].events), w->user_data);
		}
	} while (n == CR_REACTOR_BATCH && in_epoll_mode(self));
}

/* what the poll found, taken before any callback runs: a callback may add,
 * free or move watches (and the mode) */
static void
dispatch_direct(CrReactor *self)
{
	CrWatch *ready[CR_REACTOR_DIRECT_MAX];
	GIOCondition revents[CR_REACTOR_DIRECT_MAX];
	guint n = 0;

	for (guint i = 0; i < self->n_direct; i++) {
		GIOCondition c = g_source_query_unix_fd(&self->source, self->direct[i]->tag);

		if (c != 0) {
			ready[n] = self->direct[i];
			revents[n++] = from_poll(c);
		}
	}
	for (guint i = 0; i < n; i++)
		if (!ready[i]->removed)
			ready[i]->func(ready[i], revents[i], ready[i]->user_data);
}

void
cr_reactor_watches_dispatch(CrReactor *self)
{
	if (in_epoll_mode(self))
		dispatch_epoll(self);
	else
		dispatch_direct(self);
}

CrWatch *
cr_watch_new(CrReactor *reactor, gint fd, GIOCondition events, CrWatchFunc func, gpointer user_data,
             GError **error)
{
	CrReactor *self = reactor != NULL ? reactor : cr_reactor_get_default();
	g_autofree CrWatch *w = g_new0(CrWatch, 1);

	w->reactor = self;
	w->fd = fd;
	w->func = func;
	w->user_data = user_data;
	w->epoll_events = to_epoll(events);
	if (!in_epoll_mode(self) && self->n_direct < self->direct_max) {
		if (!direct_check(self, fd, error))
			return NULL;
		direct_add(self, w);
	} else {
		if (!in_epoll_mode(self))
			to_epoll_mode(self);
		if (!epoll_add(self, w, error))
			return NULL;
	}
	all_link(self, w);
	self->n_watches++;
	return g_steal_pointer(&w);
}

void
cr_watch_set_events(CrWatch *watch, GIOCondition events)
{
	struct epoll_event ev = {0};
	guint32 want = to_epoll(events);

	if (watch->removed || want == watch->epoll_events)
		return;
	watch->epoll_events = want;
	if (watch->tag != NULL) {
		g_source_modify_unix_fd(&watch->reactor->source, watch->tag, from_epoll(want));
		return;
	}
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
	all_unlink(self, watch);
	if (watch->tag != NULL)
		direct_remove(self, watch);
	else if (epoll_ctl(self->epfd, EPOLL_CTL_DEL, watch->fd, NULL) < 0 && errno != EBADF &&
	         errno != ENOENT)
		g_warning("reactor: epoll_ctl(DEL, %d): %s", watch->fd, g_strerror(errno));
	/* an event of the current batch or a scheduled list may still point here:
	 * the memory goes when neither can (the flag keeps the callback away) */
	if (self->dispatch_depth > 0 || watch->scheduled != 0) {
		watch->next_zombie = self->zombies;
		self->zombies = watch;
	} else {
		g_free(watch);
	}
	cr_reactor_watches_settle(self);
}
