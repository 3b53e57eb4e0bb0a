// SPDX-License-Identifier: GPL-2.0-or-later
/* Closed connections freed outside their callbacks: see rspro-reaper.h. */
#include "rspro-reaper.h"

static void
reap(CrTimer *timer, gpointer data)
{
	RsproReaper *self = data;

	g_ptr_array_set_size(self->closed, 0);
}

void
rspro_reaper_init(RsproReaper *self, GDestroyNotify free_func)
{
	self->closed = g_ptr_array_new_with_free_func(free_func);
	cr_timer_init(&self->timer, NULL, reap, self);
}

void
rspro_reaper_add(RsproReaper *self, gpointer item)
{
	g_ptr_array_add(self->closed, item);
	cr_timer_arm(&self->timer, 0);
}

void
rspro_reaper_clear(RsproReaper *self)
{
	cr_timer_cancel(&self->timer);
	g_clear_pointer(&self->closed, g_ptr_array_unref);
}
