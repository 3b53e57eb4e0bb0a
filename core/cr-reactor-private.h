// SPDX-License-Identifier: GPL-2.0-or-later
/* The reactor's insides, shared by cr-reactor*.c; not part of the plugin API. */
#pragma once

#include "cr-reactor.h"

G_BEGIN_DECLS

/* one read call's buffer, shared by every stream of a dispatch (reads happen
 * one at a time, and the data is handed on before the next) */
#define CR_REACTOR_READ_BUF 16384
/* events taken from epoll per epoll_wait call */
#define CR_REACTOR_BATCH 256
/* up to this many watches are poll fds of the GSource itself; beyond, epoll
 * (see cr-reactor-watch.c) */
#define CR_REACTOR_DIRECT_MAX 8
/* back from epoll once no more than this many remain */
#define CR_REACTOR_DIRECT_BACK 4

struct _CrWatch {
	CrReactor *reactor;
	gint fd;
	guint32 epoll_events;
	CrWatchFunc func;
	gpointer user_data;
	gboolean removed;
	gpointer tag;        /* the GSource's poll fd, in direct mode; else NULL */
	guint direct_index;  /* in the reactor's direct array */
	CrWatch *prev_all;   /* every live watch, for moving between modes */
	CrWatch *next_all;
	GIOCondition scheduled;  /* non-zero: on a scheduled list */
	CrWatch *next_scheduled; /* the reactor's scheduled list */
	CrWatch *next_zombie;    /* removed, waiting until no list holds it */
};

struct _CrReactor {
	GSource source;
	gpointer epoll_tag; /* the epoll fd's poll fd: set in epoll mode only */
	gint epfd;
	guint direct_max; /* CR_REACTOR_DIRECT_MAX, or 0 (tests: epoll only) */
	CrWatch *direct[CR_REACTOR_DIRECT_MAX];
	guint n_direct;
	CrWatch *all;
	guint n_watches;
	guint dispatch_depth;
	CrWatch *scheduled; /* LIFO of watches to call at the next dispatch */
	CrWatch *zombies;   /* removed during a dispatch, freed after it */
	CrTimer **heap;     /* binary min-heap on (when_us, seq) */
	guint heap_len;
	guint heap_size;
	guint64 next_seq;
	guint8 *read_buf; /* the current dispatch's (one per nesting level) */
};

/* earliest deadline, or G_MAXINT64 */
gint64 cr_reactor_timers_next(CrReactor *self);
/* runs the timers due at @now that were armed before this call */
void cr_reactor_timers_run(CrReactor *self, gint64 now);
void cr_reactor_timers_clear(CrReactor *self);

/* a watch's fd is ready (for check()) */
gboolean cr_reactor_watches_ready(CrReactor *self);
/* calls the watches whose fds are ready */
void cr_reactor_watches_dispatch(CrReactor *self);
/* back to direct mode if few watches are left and no dispatch is running */
void cr_reactor_watches_settle(CrReactor *self);
/* tests: every watch in epoll, whatever their number (or back to normal) */
void cr_reactor_force_epoll(CrReactor *self, gboolean epoll_only);

G_END_DECLS
