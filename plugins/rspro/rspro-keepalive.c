// SPDX-License-Identifier: GPL-2.0-or-later
/* The keepalive keys of every RSPRO role: see rspro-keepalive.h. */
#include "rspro-keepalive.h"

#include "rspro-link.h"

#define KEEPALIVE_MAX_MS 3600000

gboolean
rspro_keepalive_read_config(CrConfigSection *section, guint *interval_ms, guint *timeout_ms,
                            GError **error)
{
	gint64 interval, timeout;

	if (!cr_config_section_get_int(section, "keepalive-interval-ms",
	                               RSPRO_LINK_PING_INTERVAL_MS, 0, KEEPALIVE_MAX_MS, &interval,
	                               error) ||
	    !cr_config_section_get_int(section, "keepalive-timeout-ms", RSPRO_LINK_PONG_TIMEOUT_MS,
	                               1, KEEPALIVE_MAX_MS, &timeout, error))
		return FALSE;
	*interval_ms = (guint)interval;
	*timeout_ms = (guint)timeout;
	return TRUE;
}
