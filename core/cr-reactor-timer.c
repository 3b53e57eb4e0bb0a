// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reactor timers: a binary min-heap of pointers to the owners' embedded
 * CrTimer structs, ordered by (deadline, arming sequence). Each timer knows
 * its index in the heap, so cancel and re-arm are O(log n); the heap array
 * grows by doubling and never shrinks below what was once needed, so arming
 * allocates nothing in the steady state and never makes a system call: the
 * reactor's prepare() gives the main loop the time to the heap's top.
 */
#define G_LOG_DOMAIN "cardroute"

#include "cr-reactor-private.h"

#define NOT_ARMED G_MAXUINT

static inline gboolean
before(const CrTimer *a, const CrTimer *b)
{
	return a->when_us < b->when_us || (a->when_us == b->when_us && a->seq < b->seq);
}

static inline void
place(CrReactor *self, CrTimer *t, guint i)
{
	self->heap[i] = t;
	t->heap_index = i;
}

static void
sift_up(CrReactor *self, guint i)
{
	CrTimer *t = self->heap[i];

	while (i > 0) {
		guint parent = (i - 1) / 2;

		if (!before(t, self->heap[parent]))
			break;
		place(self, self->heap[parent], i);
		i = parent;
	}
	place(self, t, i);
}

static void
sift_down(CrReactor *self, guint i)
{
	CrTimer *t = self->heap[i];

	for (;;) {
		guint l = 2 * i + 1, m = i;
		CrTimer *best = t;

		if (l < self->heap_len && before(self->heap[l], best)) {
			m = l;
			best = self->heap[l];
		}
		if (l + 1 < self->heap_len && before(self->heap[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		place(self, self->heap[m], i);
		i = m;
	}
	place(self, t, i);
}

static void
heap_remove(CrReactor *self, CrTimer *t)
{
	guint i = t->heap_index;
	CrTimer *last = self->heap[--self->heap_len];

	t->heap_index = NOT_ARMED;
	if (last == t)
		return;
	place(self, last, i);
	if (i > 0 && before(last, self->heap[(i - 1) / 2]))
		sift_up(self, i);
	else
		sift_down(self, i);
}

void
cr_timer_init(CrTimer *timer, CrReactor *reactor, CrTimerFunc func, gpointer user_data)
{
	timer->reactor = reactor != NULL ? reactor : cr_reactor_get_default();
	timer->when_us = -1;
	timer->seq = 0;
	timer->heap_index = NOT_ARMED;
	timer->func = func;
	timer->user_data = user_data;
}

void
cr_timer_arm_at(CrTimer *timer, gint64 when_us)
{
	CrReactor *self = timer->reactor;

	g_return_if_fail(self != NULL);
	timer->when_us = when_us;
	timer->seq = self->next_seq++;
	if (timer->heap_index != NOT_ARMED) {
		/* a later deadline (the usual re-arm) only goes down */
		sift_down(self, timer->heap_index);
		sift_up(self, timer->heap_index);
		return;
	}
	if (self->heap_len == self->heap_size) {
		self->heap_size = MAX(self->heap_size * 2, 64);
		self->heap = g_renew(CrTimer *, self->heap, self->heap_size);
	}
	place(self, timer, self->heap_len++);
	sift_up(self, timer->heap_index);
}

void
cr_timer_arm(CrTimer *timer, guint ms)
{
	cr_timer_arm_at(timer, g_get_monotonic_time() + (gint64)ms * 1000);
}

void
cr_timer_cancel(CrTimer *timer)
{
	if (timer->heap_index == NOT_ARMED)
		return;
	heap_remove(timer->reactor, timer);
	timer->when_us = -1;
}

gboolean
cr_timer_is_armed(const CrTimer *timer)
{
	return timer->heap_index != NOT_ARMED;
}

gint64
cr_timer_get_deadline(const CrTimer *timer)
{
	return timer->heap_index != NOT_ARMED ? timer->when_us : -1;
}

gint64
cr_reactor_timers_next(CrReactor *self)
{
	return self->heap_len > 0 ? self->heap[0]->when_us : G_MAXINT64;
}

void
cr_reactor_timers_run(CrReactor *self, gint64 now)
{
	/* a timer armed from a callback for a time already past waits for the
	 * next dispatch: no endless loop here */
	guint64 limit = self->next_seq;

	while (self->heap_len > 0) {
		CrTimer *t = self->heap[0];

		if (t->when_us > now || t->seq >= limit)
			break;
		heap_remove(self, t);
		t->when_us = -1;
		t->func(t, t->user_data);
	}
}

void
cr_reactor_timers_clear(CrReactor *self)
{
	for (guint i = 0; i < self->heap_len; i++)
		self->heap[i]->heap_index = NOT_ARMED;
	self->heap_len = 0;
	g_clear_pointer(&self->heap, g_free);
	self->heap_size = 0;
}

guint
cr_reactor_get_n_timers(CrReactor *reactor)
{
	return reactor->heap_len;
}
