// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The service manager's readiness protocol (sd_notify(3)) without libsystemd:
 * one datagram "KEY=VALUE\n..." to the unix socket named by $NOTIFY_SOCKET
 * ('@' first: the abstract namespace). Without $NOTIFY_SOCKET nothing is sent
 * and FALSE is returned; failures are logged at debug level only.
 */
gboolean cr_notify(const gchar *state);

/* READY=1 with MAINPID and a STATUS line. */
gboolean cr_notify_ready(const gchar *status);
/* RELOADING=1 with MONOTONIC_USEC, as systemd (>= 253, Type=notify-reload) wants. */
gboolean cr_notify_reloading(void);
gboolean cr_notify_stopping(void);

G_END_DECLS
