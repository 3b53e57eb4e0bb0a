// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * osmo-remsim-client's helper script (`-e/--event-script`, remsim-roles.md
 * 4.4) for the plugins that stand in for the client: backend-remote and
 * frontend-simtrace2 (`event-script = COMMAND`). A run is `/bin/sh -c
 * "COMMAND CAUSE"` with REMSIM_CAUSE=CAUSE and the caller's REMSIM_*
 * variables, as upstream. Runs are asynchronous (GSubprocess; the main loop
 * never waits), one at a time per instance; a run asked for while one is
 * going waits in a queue; once several wait, a run of the same cause as the
 * last waiting one replaces it (the newest state wins, so a burst of status
 * changes costs one run and the last state is never lost); at 32 waiting the
 * oldest is dropped with a log line; a run that outlives the time
 * limit is killed with its process group. Every end is logged with its exit
 * status.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _EventScript EventScript;

/* @owner prefixes the log lines (the slot name). @timeout_ms 0: no limit. */
EventScript *event_script_new(const gchar *owner, const gchar *command, guint timeout_ms);
/* Kills a running script (its end is not waited for) and drops the queue. */
void event_script_free(EventScript *self);
/* Queues a run for @cause with @env ("REMSIM_X=value", NULL-terminated;
 * copied). REMSIM_CAUSE is added. */
void event_script_run(EventScript *self, const gchar *cause, const gchar *const *env);

/* Counters for describe(): runs started, failed (exit != 0 or no start),
 * killed at the time limit, merged into a later run of the same cause. */
guint64 event_script_get_started(EventScript *self);
guint64 event_script_get_failed(EventScript *self);
guint64 event_script_get_killed(EventScript *self);
guint64 event_script_get_merged(EventScript *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EventScript, event_script_free)

G_END_DECLS
