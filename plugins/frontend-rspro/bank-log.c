// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bank's log lines about client connections, through the instance's
 * CrLogLimiter (core/include/cardroute/cr-log-limit.h): a client that
 * reconnects in a tight loop (upstream's client on cardNotPresent) gets its
 * first line of each kind logged, then one "... repeated N times in the last
 * 10 s" per kind; every held-back line is counted in /metrics as
 * cardroute_log_suppressed_total{source="rspro-bank"}. The key is the peer's
 * address without its port (a new connection has a new port) plus the client
 * slot and the kind of line.
 */
#include "bank-private.h"

#include <stdarg.h>

#define LOG_WINDOW_S 10
#define LOG_BURST 1

void
bank_log_init(BankInstance *self)
{
	if (self->log_limit == NULL)
		self->log_limit = cr_log_limiter_new("rspro-bank", LOG_WINDOW_S, LOG_BURST);
}

void
bank_log_client(BankInstance *self, const gchar *peer, const RsproClientSlot *client,
                const gchar *kind, const gchar *format, ...)
{
	g_autofree gchar *host = bank_admit_peer_host(peer);
	g_autofree gchar *client_kind = NULL;
	va_list ap;

	if (client != NULL)
		client_kind = g_strdup_printf("%u:%u %s", client->client_id, client->slot_nr, kind);
	va_start(ap, format);
	cr_log_limited_peer_valist(self->log_limit, G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, host,
	                           client_kind != NULL ? client_kind : kind, format, ap);
	va_end(ap);
}
