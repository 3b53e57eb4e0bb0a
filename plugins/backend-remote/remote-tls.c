// SPDX-License-Identifier: GPL-2.0-or-later
/* backend-remote's TLS series in /metrics (with `tls = on`). */
#include "remote-slot.h"

void
remote_tls_metrics(GString *out, RemoteSlot *slot, const gchar *instance)
{
	RsproTls *tls = remote_slot_get_tls(slot);

	if (tls == NULL)
		return;
	cr_metrics_header(out, "cardroute_remote_tls_identity_refusals_total", "counter",
	                  "Servers and banks refused for what their certificate names.");
	cr_metrics_sample(out, "cardroute_remote_tls_identity_refusals_total",
	                  remote_slot_get_tls_refusals(slot), "instance", instance, NULL);
	cr_metrics_header(out, "cardroute_remote_tls_certificate_not_after_seconds", "gauge",
	                  "Expiry of our own TLS certificate (unix time).");
	cr_metrics_sample(out, "cardroute_remote_tls_certificate_not_after_seconds",
	                  (guint64)MAX(rspro_tls_get_not_after(tls), 0), "instance", instance,
	                  NULL);
}
