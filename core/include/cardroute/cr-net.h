// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

#include "cr-error.h"

G_BEGIN_DECLS

/*
 * Who holds a TCP port: for "address already in use" messages. Reads
 * /proc/net/tcp and tcp6 for a socket listening on @port, then /proc/PID/fd
 * for the process that owns it (only processes this one may look into).
 * Returns "pid 1234 (cardrouted)", "a socket of another user or namespace"
 * or NULL when nothing listens there. Blocking file reads: for error paths
 * at start, not for the main loop while serving.
 */
gchar *cr_net_port_owner(guint16 port);

/* @error_message with ", held by WHO" appended when it is EADDRINUSE and the
 * holder can be found; a new string. */
gchar *cr_net_describe_bind_error(const GError *error, guint16 port);

/*
 * For a listening socket that could not be set up: sets @error to a CR_ERROR
 * with @code, "WHAT: MESSAGE", where @what says who wanted the port (for a
 * configured one cr_config_section_locate()'s "FILE:LINE: [SECTION] KEY") and
 * MESSAGE is cr_net_describe_bind_error(@listen_error, @port): the failed
 * bind's message (it names the address) with who holds @port when it is in
 * use. @listen_error is not taken; NULL gives "WHAT: failed".
 */
void cr_net_set_listen_error(GError **error, CrErrorCode code, const GError *listen_error,
                             guint16 port, const gchar *what);

G_END_DECLS
