// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The IPA keepalive keys every RSPRO role reads (backend-remote, rspro-bank's
 * server link, rspro-server): `keepalive-interval-ms` (default 30000, 0 = send
 * no PINGs) and `keepalive-timeout-ms` (default 10000), both up to one hour,
 * for rspro_conn_set_keepalive() / rspro_link_set_keepalive().
 */
#pragma once

#include <cardroute/cr-config.h>

G_BEGIN_DECLS

gboolean rspro_keepalive_read_config(CrConfigSection *section, guint *interval_ms,
                                     guint *timeout_ms, GError **error);

G_END_DECLS
