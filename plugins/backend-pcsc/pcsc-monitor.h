// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reader watcher of one backend-pcsc instance: one thread, one PC/SC
 * context. It lists the readers the regex matches and waits, with no time
 * limit, in one SCardGetStatusChange() on all of them plus pcscd's hotplug
 * reader `\\?PnP?\Notification`: a card change, a reader coming or going
 * each wake it. No polling: stop() wakes it with SCardCancel(). Without
 * pcscd it retries with back-off (100 ms doubling to 2 s).
 * Events (PCSC_EVENT_SERVICE_DOWN, _READERS, _CARD) go through the hand-off.
 */
#pragma once

#include <regex.h>

#include "pcsc-handoff.h"

G_BEGIN_DECLS

typedef struct _PcscMonitor PcscMonitor;

/* @regex NULL: every reader. The monitor borrows @regex and @handoff. */
PcscMonitor *pcsc_monitor_new(const gchar *name, const regex_t *regex, PcscHandoff *handoff);
void pcsc_monitor_start(PcscMonitor *self);
/* Wakes the thread and joins it; no event is posted afterwards. */
void pcsc_monitor_stop(PcscMonitor *self);
void pcsc_monitor_free(PcscMonitor *self);

G_END_DECLS
