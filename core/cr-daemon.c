// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemon's part of configuration: [router] keys that are not the core's. */
#define G_LOG_DOMAIN "cardroute"

#include "cr-daemon.h"
#include "cr-log.h"

gboolean
cr_daemon_load(CrRouter *router, const gchar *path, const gchar *default_state_dir,
	       gint64 *shutdown_grace_ms, CrControl **control_out, GError **error)
{
	CrConfigSection *rs;
	g_autoptr(CrControl) control = NULL;
	if (!cr_router_load_config(router, path, error))
		return FALSE;
	rs = cr_router_get_router_section(router);
	if (!cr_config_section_get_int(rs, "shutdown-timeout", 5000, 0, 600000, shutdown_grace_ms,
				       error))
		return FALSE;
	if (!cr_log_load_config(rs, error))
		return FALSE;
	control = cr_control_new(router, rs, default_state_dir, error);
	if (control == NULL)
		return FALSE;
	if (!cr_router_check_router_section(router, error))
		return FALSE;
	*control_out = g_steal_pointer(&control);
	return TRUE;
}
