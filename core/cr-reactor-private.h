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

struct _CrWatch {
	CrReactor *reactor;
	gint fd;
	guint32 epoll_events;
	CrWatchFunc func;
	gpointer user_data;
	gboolean removed;
	GIOCondition scheduled;  /* non-zero: on a scheduled list */
	CrWatch *next_scheduled; /* the reactor's scheduled list */
	CrWatch *next_zombie;    /* removed, waiting until no list holds it */
};

struct _CrReactor {
	GSource source;
	gpointer epoll_tag;
	gint epfd;
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

G_END_DECLS
