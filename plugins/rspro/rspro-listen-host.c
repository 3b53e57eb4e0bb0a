// SPDX-License-Identifier: GPL-2.0-or-later
/* The host of an RSPRO listen key: see rspro-listen-host.h. */
#include "rspro-listen-host.h"

#include <gio/gio.h>

gboolean
rspro_listen_host_check(CrConfigSection *section, const gchar *key, gchar **host,
                        gboolean localhost_is_loopback, GError **error)
{
	g_autoptr(GInetAddress) ip = NULL;

	if (localhost_is_loopback && g_strcmp0(*host, "localhost") == 0) {
		g_free(*host);
		*host = g_strdup("127.0.0.1");
	}
	ip = g_inet_address_new_from_string(*host);
	if (ip == NULL) {
		cr_config_section_set_error(section, error, key,
		                            "'%s' is not an IP address (0.0.0.0 for all)", *host);
		return FALSE;
	}
	return TRUE;
}
