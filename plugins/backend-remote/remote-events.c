// SPDX-License-Identifier: GPL-2.0-or-later
#include "remote-events.h"

#include <cardroute/cr-version.h>

GStrv
remote_events_env(const RemoteEventState *st)
{
	GPtrArray *b = g_ptr_array_new();

	g_ptr_array_add(b, g_strdup_printf("REMSIM_CLIENT_VERSION=%s", CR_VERSION));
	g_ptr_array_add(b, g_strdup_printf("REMSIM_SERVER_ADDR=%s:%u", st->server_host,
	                                       st->server_port));
	g_ptr_array_add(b, g_strdup_printf("REMSIM_SERVER_STATE=%s", st->server_state));
	/* upstream prints a NULL host as "(null)" before the first mapping */
	g_ptr_array_add(b, g_strdup_printf("REMSIM_BANKD_ADDR=%s:%u",
	                                       st->bank_host != NULL ? st->bank_host : "(null)",
	                                       st->bank_port));
	g_ptr_array_add(b, g_strdup_printf("REMSIM_BANKD_STATE=%s", st->bank_state));
	g_ptr_array_add(b, g_strdup_printf("REMSIM_CLIENT_SLOT=%u:%u", st->client_id,
	                                       st->client_slot));
	g_ptr_array_add(b,
	                    g_strdup_printf("REMSIM_BANKD_SLOT=%u:%u", st->bank_id, st->bank_slot));
	g_ptr_array_add(b, g_strdup_printf("REMSIM_SIM_VCC=%d", st->vcc ? 1 : 0));
	g_ptr_array_add(b, g_strdup_printf("REMSIM_SIM_RST=%d", st->rst ? 1 : 0));
	g_ptr_array_add(b, g_strdup_printf("REMSIM_SIM_CLK=%d", st->clk ? 1 : 0));
	g_ptr_array_add(b, NULL);
	return (GStrv)g_ptr_array_free(b, FALSE);
}

void
remote_events_run(EventScript *script, const gchar *cause, const RemoteEventState *st)
{
	g_auto(GStrv) env = NULL;

	if (script == NULL)
		return;
	env = remote_events_env(st);
	event_script_run(script, cause, (const gchar *const *)env);
}

void
remote_events_describe(EventScript *script, GVariantDict *dict)
{
	if (script == NULL)
		return;
	g_variant_dict_insert(dict, "event-script-runs", "t", event_script_get_started(script));
	g_variant_dict_insert(dict, "event-script-failed", "t", event_script_get_failed(script));
	g_variant_dict_insert(dict, "event-script-killed", "t", event_script_get_killed(script));
}
