// SPDX-License-Identifier: GPL-2.0-or-later
#include "st2-events.h"

#include <st2/st2-proto.h>

#define LINE_FLAGS (ST2_STATUS_F_VCC_PRESENT | ST2_STATUS_F_CLK_ACTIVE | ST2_STATUS_F_RESET_ACTIVE)

static void
run(St2Events *ev, const gchar *cause)
{
	g_autofree gchar *vcc = NULL, *rst = NULL, *clk = NULL, *path = NULL, *iface = NULL;

	if (ev->script == NULL)
		return;
	vcc = g_strdup_printf("REMSIM_SIM_VCC=%d", (ev->flags & ST2_STATUS_F_VCC_PRESENT) ? 1 : 0);
	rst = g_strdup_printf("REMSIM_SIM_RST=%d", (ev->flags & ST2_STATUS_F_RESET_ACTIVE) ? 1 : 0);
	clk = g_strdup_printf("REMSIM_SIM_CLK=%d", (ev->flags & ST2_STATUS_F_CLK_ACTIVE) ? 1 : 0);
	path = g_strdup_printf("REMSIM_USB_PATH=%s", ev->usb_path != NULL ? ev->usb_path : "");
	iface = ev->interface_number >= 0
	                ? g_strdup_printf("REMSIM_USB_INTERFACE=%d", ev->interface_number)
	                : g_strdup("REMSIM_USB_INTERFACE=");
	{
		const gchar *const env[] = {vcc, rst, clk, path, iface, NULL};
		event_script_run(ev->script, cause, env);
	}
}

void
st2_events_status(St2Events *ev, guint32 flags)
{
	gboolean changed = !ev->known || ((ev->flags ^ flags) & LINE_FLAGS) != 0;
	ev->known = TRUE;
	ev->flags = flags;
	if (changed)
		run(ev, "event-modem-status");
}

void
st2_events_card(St2Events *ev, gboolean present)
{
	run(ev, present ? "request-card-insert" : "request-card-remove");
}
