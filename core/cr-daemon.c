// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemon's part of configuration: [router] keys that are not the core's. */
#define G_LOG_DOMAIN "cardroute"

#include "cr-config-private.h"
#include "cr-daemon.h"
#include "cr-log.h"

gboolean
cr_daemon_load(CrRouter *router, const gchar *path, const gchar *default_state_dir,
	       gint64 *shutdown_grace_ms, CrControl **control_out, GError **error)
{
	CrConfigSection *rs;
	g_autoptr(CrControl) control = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) local = NULL;
	g_autofree gchar *all = NULL;
	gboolean loaded = cr_router_load_config(router, path, &local);

	rs = cr_router_get_router_section(router);
	if (rs == NULL) {
		/* the file itself: not there, not text */
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (local != NULL)
		g_ptr_array_add(problems, g_strdup(local->message));
	g_clear_error(&local);
	/* [router] too, whatever the other sections said: one run, every
	 * problem; bad values are collected and their defaults used */
	cr_config_section_collect(rs, problems);
	if (!cr_config_section_get_int(rs, "shutdown-timeout", 5000, 0, 600000, shutdown_grace_ms,
				       &local) ||
	    !cr_log_load_config(rs, &local)) {
		g_ptr_array_add(problems, g_strdup(local->message));
		g_clear_error(&local);
	}
	control = cr_control_new(router, rs, default_state_dir, &local);
	if (control == NULL) {
		g_ptr_array_add(problems, g_strdup(local->message));
		g_clear_error(&local);
	}
	/* after a failure not every key was read: only near misses are sure */
	cr_config_section_report_unused(rs, problems, control == NULL);
	cr_config_section_collect(rs, NULL);
	if (problems->len > 0 || !loaded) {
		g_ptr_array_add(problems, NULL);
		all = g_strjoinv("\n", (gchar **)problems->pdata);
		g_set_error_literal(error, CR_ERROR, CR_ERROR_CONFIG, all);
		return FALSE;
	}
	*control_out = g_steal_pointer(&control);
	return TRUE;
}
