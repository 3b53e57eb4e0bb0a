// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TLS side of an RSPRO plugin instance (the bank and the server role):
 * the credentials read from `tls-ca`, `tls-cert`, `tls-key`,
 * `tls-min-version` (rspro-tls.h), the `listen-tls` address, its listener
 * once started, and the instance's TLS series in /metrics. Embedded in the
 * instance; all zero means no TLS.
 */
#pragma once

#include <cardroute/cardroute.h>

#include "rspro-tls.h"

G_BEGIN_DECLS

typedef struct {
	RsproTls *tls;              /* NULL: neither listen-tls nor anything else wants TLS */
	gchar *host;                /* NULL: no TLS listener */
	guint16 port;               /* as configured, 0: any free port (tests) */
	guint16 bound_port;         /* the port listened on, once started */
	gchar *where;               /* "FILE:LINE: [SECTION] KEY" for bind errors */
	RsproTlsListener *listener; /* while started with a host */
	CrRouter *router;           /* where the metrics source is, while started */
	guint metrics_id;
} RsproTlsSide;

/*
 * Reads the TLS listen address from @listen_key (the plugins' `listen-tls`;
 * empty or absent: no TLS listener) and the credentials from @section. The
 * credentials are loaded when there is a listen address or
 * @credentials_wanted (a TLS link of the instance's own, e.g. the bank's
 * `server-tls`); otherwise their keys are only marked read. Errors are config
 * errors naming the key. The key is the caller's: a plugin names its own
 * keys (backend-remote, which also links this library, has no listener).
 */
gboolean rspro_tls_side_read_config(RsproTlsSide *self, CrConfigSection *section,
                                    const gchar *listen_key, gboolean credentials_wanted,
                                    GError **error);

/*
 * With credentials: listens on the listen address if there is one (@backlog as for
 * rspro_listen(), handshaken connections go to @func), then warns if our
 * certificate expires soon (in @instance's name) and adds @render to the
 * router's /metrics sources. A failed bind is a CR_ERROR_CONFIG naming
 * the listen key and who holds the port (cr_net_set_listen_error()), with
 * nothing left started. Without credentials: nothing, TRUE.
 */
gboolean rspro_tls_side_start(RsproTlsSide *self, CrInstance *instance, gint backlog,
                              RsproTlsAcceptFunc func, CrMetricsFunc render, gpointer user_data,
                              GError **error);
/* handshakes that failed on the listener; 0 without one */
guint64 rspro_tls_side_get_handshake_failures(const RsproTlsSide *self);
/* removes the metrics source and closes the listener; again is harmless */
void rspro_tls_side_stop(RsproTlsSide *self);
/* stops and frees everything; the struct is all zero again */
void rspro_tls_side_clear(RsproTlsSide *self);

G_END_DECLS
