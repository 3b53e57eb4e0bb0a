// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control plane of cardrouted: the REST server (with the HTTP handler
 * registry of cr-http.h), the event stream, metrics, D-Bus and the state file
 * of routes made at run time. Part of the daemon, not of libcardroute.
 */
#pragma once

#include <cardroute/cardroute.h>

G_BEGIN_DECLS

typedef struct _CrControl CrControl;

/* [router] rest's default port by the daemon's role: a remsim server (and a
 * daemon with no remsim role) 9997 like osmo-remsim-server's RSRES API, a
 * bank (rspro-bank) 9996, a client (remote) 9995. */
#define CR_REST_PORT_SERVER 9997
#define CR_REST_PORT_BANK 9996
#define CR_REST_PORT_CLIENT 9995

/* The [router] dbus default when the INI does not set it: "session" unless
 * cardrouted --dbus-default says otherwise (the system unit: "system").
 * FALSE for an unknown mode. */
gboolean cr_control_set_dbus_default(const gchar *mode);

/* Reads the [router] keys rest, rest-token-file, rest-tls-cert, rest-tls-key,
 * rest-max-body, allow-apdu, dbus, state-dir (no I/O beyond reading the
 * token file). state-dir defaults to @default_state_dir ("": routes made at
 * run time are not stored). */
CrControl *cr_control_new(CrRouter *router, CrConfigSection *section,
			  const gchar *default_state_dir, GError **error);
/* Listens, connects to D-Bus and restores the routes of the state file. Call
 * after cr_router_start(). */
gboolean cr_control_start(CrControl *self, GError **error);
/* Stops listening and drops clients; routes removed from now on are not
 * forgotten by the state file. */
void cr_control_stop(CrControl *self);
void cr_control_free(CrControl *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrControl, cr_control_free)

G_END_DECLS
