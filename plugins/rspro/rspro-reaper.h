// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Closed connections freed outside the callbacks that closed them: the
 * closer adds its connection here and returns; one reactor timer, armed at
 * 0 ms, frees every connection added since it last ran. No GSource per
 * connection. The RsproReaper lives in the owner's struct (the bank, the
 * server); clear it before the things its free function touches.
 */
#pragma once

#include <cardroute/cardroute.h>

G_BEGIN_DECLS

typedef struct {
	GPtrArray *closed;
	CrTimer timer;
} RsproReaper;

void rspro_reaper_init(RsproReaper *self, GDestroyNotify free_func);
/* @item is freed (free_func) once the current dispatch is over */
void rspro_reaper_add(RsproReaper *self, gpointer item);
/* frees what is waiting now; the reaper is unusable afterwards */
void rspro_reaper_clear(RsproReaper *self);

G_END_DECLS
