// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server listener's budget and its lines about peers:
 *
 * - max-connections bounds the RSPRO connections at once, and with them the
 *   file descriptors this listener can take from the daemon (REST and the
 *   other links keep theirs). At the bound a new connection closes the
 *   oldest connection that has not identified (or was rejected and
 *   lingers); when every connection is an identified client or bank, the
 *   new one is closed at once. Both are counted (describe(), /metrics).
 * - lines about one peer go through a CrLogLimiter keyed by its address and
 *   the kind of line, so a peer that repeats itself (a flood of unexpected
 *   PDUs, a reconnect loop) gets its first line of each kind, then one
 *   summary per 10 s; /metrics counts the rest as
 *   cardroute_log_suppressed_total{source="rspro-server"}.
 */
#include <stdarg.h>

#include "srv-private.h"

#define LOG_WINDOW_S 10
#define LOG_BURST 1

void
srv_admit_init(SrvServer *srv)
{
	if (srv->log_limit == NULL)
		srv->log_limit = cr_log_limiter_new("rspro-server", LOG_WINDOW_S, LOG_BURST);
}

void
srv_log_peer(SrvServer *srv, const gchar *ip, const gchar *kind, const gchar *format, ...)
{
	va_list ap;

	va_start(ap, format);
	cr_log_limited_peer_valist(srv->log_limit, G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, ip, kind,
	                           format, ap);
	va_end(ap);
}

gboolean
srv_admit_accept(SrvServer *srv)
{
	GHashTableIter it;
	gpointer key;
	SrvConn *oldest = NULL;

	if (g_hash_table_size(srv->conns) < srv->max_connections)
		return TRUE;
	g_hash_table_iter_init(&it, srv->conns);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		SrvConn *c = key;

		if ((c->state == SRV_CONN_ESTABLISHED || c->state == SRV_CONN_REJECTED) &&
		    (oldest == NULL || c->serial < oldest->serial))
			oldest = c;
	}
	if (oldest != NULL) {
		srv->conns_evicted++;
		srv_conn_close(oldest, "max-connections reached: the oldest unidentified "
		                       "connection makes room");
		return TRUE;
	}
	srv->conns_refused++;
	srv_log_peer(srv, "listener", "refused",
	             "%s: refusing a connection: max-connections (%u) reached, every connection "
	             "is an identified client or bank",
	             cr_instance_get_name(CR_INSTANCE(srv)), srv->max_connections);
	return FALSE;
}

void
srv_admit_describe(SrvServer *srv, GVariantDict *dict)
{
	g_variant_dict_insert(dict, "connections", "u", g_hash_table_size(srv->conns));
	g_variant_dict_insert(dict, "max-connections", "u", srv->max_connections);
	g_variant_dict_insert(dict, "connections-evicted", "t", srv->conns_evicted);
	g_variant_dict_insert(dict, "connections-refused", "t", srv->conns_refused);
}
