// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host of an RSPRO listen key (rspro-bank's and rspro-server's `listen`,
 * their `listen-tls`), as cr_config_section_get_listen_address() gave it:
 * rspro_listen() and rspro_tls_listen() bind an IP address and resolve no
 * names, so anything else is a config error naming the key, read before the
 * instance starts.
 */
#pragma once

#include <cardroute/cr-config.h>

G_BEGIN_DECLS

/*
 * *@host (read from @key) must be an IP address; with @localhost_is_loopback
 * the name "localhost" is first replaced by "127.0.0.1" in *@host (the plain
 * `listen` keys take it, `listen-tls` does not). FALSE with a CR_ERROR_CONFIG
 * "'HOST' is not an IP address (0.0.0.0 for all)" otherwise.
 */
gboolean rspro_listen_host_check(CrConfigSection *section, const gchar *key, gchar **host,
                                 gboolean localhost_is_loopback, GError **error);

G_END_DECLS
