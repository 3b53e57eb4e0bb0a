// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One accepted RSPRO connection of the server (rspro.md C.1, C.2, D.3): it
 * identifies itself with connectClientReq or connectBankReq within
 * identify-timeout-ms, is checked as upstream checks it (identity type,
 * duplicate client slot / bank id -> identityInUse, closed after a linger),
 * then carries configClientBankReq (clients) or create/removeMappingReq
 * (banks). The link's keep-alive (PING both ways) ends it when the peer is
 * gone.
 */
#include "srv-private.h"

#include <string.h>

const gchar *
srv_conn_state_name(SrvConnState state)
{
	switch (state) {
	case SRV_CONN_ESTABLISHED:
		return "ESTABLISHED";
	case SRV_CONN_CONNECTED_CLIENT:
		return "CONNECTED_CLIENT";
	case SRV_CONN_CONNECTED_BANKD:
		return "CONNECTED_BANKD";
	case SRV_CONN_REJECTED:
		return "REJECTED";
	}
	return "INIT";
}

static const gchar *
iname(SrvConn *conn)
{
	return cr_instance_get_name(CR_INSTANCE(conn->srv));
}

void
srv_conn_free(SrvConn *conn)
{
	cr_timer_cancel(&conn->timer);
	if (conn->link != NULL) {
		rspro_link_close(conn->link);
		rspro_link_unref(conn->link);
	}
	rspro_identity_clear(&conn->identity);
	g_free(conn->remote_ip);
	g_free(conn->name);
	g_free(conn);
}

void
srv_conn_close(SrvConn *conn, const gchar *why)
{
	SrvServer *srv = conn->srv;

	if (!g_hash_table_steal(srv->conns, conn))
		return; /* closed already */
	cr_timer_cancel(&conn->timer);
	if (conn->state == SRV_CONN_CONNECTED_CLIENT) {
		g_hash_table_remove(srv->clients,
				    GUINT_TO_POINTER(srv_client_key(conn->client_id,
								    conn->client_slot)));
		g_autofree gchar *kind = g_strdup_printf("%s gone", conn->name);

		srv_log_peer(srv, conn->remote_ip, kind, "%s: client %s (%s:%u) gone: %s",
			     iname(conn), conn->name, conn->remote_ip, conn->remote_port, why);
		srv_metrics_note_link(srv, FALSE, FALSE);
	} else if (conn->state == SRV_CONN_CONNECTED_BANKD) {
		g_hash_table_remove(srv->banks, GUINT_TO_POINTER(conn->bank_id));
		g_message("%s: bank %s (%s:%u) gone: %s; its slotmaps are NEW again", iname(conn),
			  conn->name, conn->remote_ip, conn->remote_port, why);
		srv_map_store_bank_down(srv->maps, conn->bank_id);
		srv_metrics_note_link(srv, TRUE, FALSE);
	} else {
		srv_log_peer(srv, conn->remote_ip, why, "%s: connection %s:%u closed: %s",
			     iname(conn), conn->remote_ip, conn->remote_port, why);
	}
	if (conn->link != NULL)
		rspro_link_close(conn->link);
	/* we may be inside the link's callback: free it later */
	rspro_reaper_add(&srv->closed, conn);
}

static void
identify_timeout(CrTimer *timer, gpointer data)
{
	SrvConn *conn = data;
	srv_conn_close(conn, conn->state == SRV_CONN_REJECTED
				     ? "rejected (identityInUse)"
				     : "no connectClientReq / connectBankReq in time");
}

static void
send_msg(SrvConn *conn, RsproMsg *msg)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *what = rspro_msg_describe(msg);

	g_debug("%s: -> %s: %s", iname(conn), conn->name, what);
	if (!rspro_link_send(conn->link, msg, &error))
		srv_log_peer(conn->srv, conn->remote_ip, "cannot send",
			     "%s: %s: cannot send %s: %s", iname(conn), conn->name, what,
			     error->message);
	rspro_msg_clear(msg);
}

static void
fill_identity(SrvConn *conn, RsproIdentity *identity)
{
	rspro_identity_set(identity, RSPRO_COMPONENT_SERVER, conn->srv->component_name,
			   "remsim-server", "cardroute-" CR_VERSION);
}

static void
send_connect_res(SrvConn *conn, RsproMsgType type, RsproResult result)
{
	RsproMsg res;
	rspro_msg_init(&res, type);
	/* ConnectBankRes and ConnectClientRes share the layout */
	fill_identity(conn, &res.u.connect_client_res.identity);
	res.u.connect_client_res.result = result;
	send_msg(conn, &res);
}

static void
reject(SrvConn *conn, RsproMsgType res_type, const gchar *who)
{
	srv_log_peer(conn->srv, conn->remote_ip, "identityInUse",
		     "%s: %s:%u identifies as %s, which is connected already: identityInUse",
		     iname(conn), conn->remote_ip, conn->remote_port, who);
	send_connect_res(conn, res_type, RSPRO_RESULT_IDENTITY_IN_USE);
	conn->state = SRV_CONN_REJECTED;
	cr_timer_cancel(&conn->timer);
	cr_timer_arm(&conn->timer, conn->srv->reject_linger_ms);
}

static void
handle_connect_client(SrvConn *conn, const RsproConnectClientReq *req)
{
	SrvServer *srv = conn->srv;
	guint32 key;
	g_autofree gchar *who = NULL;

	if (req->identity.type != RSPRO_COMPONENT_CLIENT) {
		g_autofree gchar *why = g_strdup_printf(
			"connectClientReq from a %s", rspro_component_type_name(req->identity.type));
		srv_conn_close(conn, why);
		return;
	}
	if (!req->has_client_slot) {
		/* as upstream: ConfigClientIdReq (server-assigned ids) is not supported */
		srv_conn_close(conn, "connectClientReq without a client slot (not supported)");
		return;
	}
	if (!srv_tls_check_identity(conn, FALSE, req->client_slot.client_id))
		return;
	who = g_strdup_printf("C%u:%u", req->client_slot.client_id, req->client_slot.slot_nr);
	key = srv_client_key(req->client_slot.client_id, req->client_slot.slot_nr);
	if (g_hash_table_contains(srv->clients, GUINT_TO_POINTER(key))) {
		reject(conn, RSPRO_MSG_CONNECT_CLIENT_RES, who);
		return;
	}
	cr_timer_cancel(&conn->timer);
	rspro_identity_copy(&conn->identity, &req->identity);
	conn->client_id = req->client_slot.client_id;
	conn->client_slot = req->client_slot.slot_nr;
	conn->state = SRV_CONN_CONNECTED_CLIENT;
	g_free(conn->name);
	conn->name = g_steal_pointer(&who);
	g_hash_table_insert(srv->clients, GUINT_TO_POINTER(key), conn);
	{
		/* a client that reconnects in a loop: one line, then summaries */
		g_autofree gchar *kind = g_strdup_printf("%s up", conn->name);

		srv_log_peer(srv, conn->remote_ip, kind, "%s: client %s connected from %s:%u (%s, "
			     "%s %s)", iname(conn), conn->name, conn->remote_ip,
			     conn->remote_port, req->identity.name, req->identity.software,
			     req->identity.sw_version);
	}
	send_connect_res(conn, RSPRO_MSG_CONNECT_CLIENT_RES, RSPRO_RESULT_OK);
	srv_metrics_note_link(srv, FALSE, TRUE);
	srv_conn_update_client(conn);
}

/* A cardroute bank says where its clients go: hwManufacturer "cardroute",
 * hwModel "HOST:PORT" or "*:PORT" (README). */
static void
read_announcement(SrvConn *conn, const RsproIdentity *id)
{
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(id->hw_manufacturer, "cardroute") != 0 || id->hw_model == NULL)
		return;
	if (!srv_ip_port_parse(id->hw_model, &conn->announced_addr, &conn->announced_any,
			       &error)) {
		g_message("%s: bank %s announces an unusable address: %s", iname(conn), conn->name,
			  error->message);
		return;
	}
	conn->announced = TRUE;
}

static void
handle_connect_bank(SrvConn *conn, const RsproConnectBankReq *req)
{
	SrvServer *srv = conn->srv;
	g_autofree gchar *who = NULL;
	g_autofree gchar *addr_text = NULL;
	RsproIpPort addr;

	if (req->identity.type != RSPRO_COMPONENT_BANKD) {
		g_autofree gchar *why = g_strdup_printf(
			"connectBankReq from a %s", rspro_component_type_name(req->identity.type));
		srv_conn_close(conn, why);
		return;
	}
	if (!srv_tls_check_identity(conn, TRUE, req->bank_id))
		return;
	who = g_strdup_printf("B%u", req->bank_id);
	if (g_hash_table_contains(srv->banks, GUINT_TO_POINTER(req->bank_id))) {
		reject(conn, RSPRO_MSG_CONNECT_BANK_RES, who);
		return;
	}
	cr_timer_cancel(&conn->timer);
	rspro_identity_copy(&conn->identity, &req->identity);
	conn->bank_id = req->bank_id;
	conn->num_slots = req->num_slots;
	conn->state = SRV_CONN_CONNECTED_BANKD;
	g_free(conn->name);
	conn->name = g_steal_pointer(&who);
	read_announcement(conn, &req->identity);
	srv_tls_read_announcement(conn, &req->identity);
	g_hash_table_insert(srv->banks, GUINT_TO_POINTER(conn->bank_id), conn);
	srv_conn_bank_address(conn, &addr);
	addr_text = srv_ip_port_to_string(&addr);
	g_message("%s: bank %s with %u slots connected from %s:%u (%s, %s %s); clients go to %s",
		  iname(conn), conn->name, conn->num_slots, conn->remote_ip, conn->remote_port,
		  req->identity.name, req->identity.software, req->identity.sw_version, addr_text);
	send_connect_res(conn, RSPRO_MSG_CONNECT_BANK_RES, RSPRO_RESULT_OK);
	srv_metrics_note_link(srv, TRUE, TRUE);
	/* every stored map of this bank goes to it again (reconciliation) */
	srv_map_store_bank_up(srv->maps, conn->bank_id);
}

static void
handle_mapping_res(SrvConn *conn, const RsproMsg *msg)
{
	SrvMap m;
	gboolean create = msg->type == RSPRO_MSG_CREATE_MAPPING_RES;
	RsproResult result = create ? msg->u.create_mapping_res.result
				    : msg->u.remove_mapping_res.result;
	gboolean found = create ? srv_map_store_create_res(conn->srv->maps, conn->bank_id,
							   result == RSPRO_RESULT_OK, &m)
				: srv_map_store_remove_res(conn->srv->maps, conn->bank_id, &m);

	if (!found) {
		srv_log_peer(conn->srv, conn->remote_ip, "unasked",
			     "%s: bank %s: %s (%s) answers nothing we asked: ignored", iname(conn),
			     conn->name, rspro_msg_type_name(msg->type),
			     rspro_result_name(result));
		return;
	}
	if (result == RSPRO_RESULT_OK)
		g_message("%s: bank %s: B%u:%u <-> C%u:%u %s", iname(conn), conn->name, m.bank_id,
			  m.bank_slot, m.client_id, m.client_slot,
			  create ? (m.delete_after_ack ? "created, now being removed" : "ACTIVE")
				 : "removed");
	else
		g_warning("%s: bank %s refused %s B%u:%u <-> C%u:%u: %s%s", iname(conn), conn->name,
			  create ? "createMappingReq" : "removeMappingReq", m.bank_id, m.bank_slot,
			  m.client_id, m.client_slot, rspro_result_name(result),
			  create ? " (the map stays NEW, marked refused, until the bank "
				   "connects again)"
				 : "");
	if (create && result != RSPRO_RESULT_OK && !m.delete_after_ack)
		srv_metrics_note_refusal(conn->srv, &m, conn->bank_id, result);
}

static void
on_msg(RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	SrvConn *conn = user_data;
	g_autofree gchar *what = rspro_msg_describe(msg);

	g_debug("%s: <- %s: %s", iname(conn), conn->name, what);
	switch (conn->state) {
	case SRV_CONN_ESTABLISHED:
		if (msg->type == RSPRO_MSG_CONNECT_CLIENT_REQ)
			handle_connect_client(conn, &msg->u.connect_client_req);
		else if (msg->type == RSPRO_MSG_CONNECT_BANK_REQ)
			handle_connect_bank(conn, &msg->u.connect_bank_req);
		else
			srv_log_peer(conn->srv, conn->remote_ip, "early",
				     "%s: %s: %s before connectClientReq/connectBankReq: ignored",
				     iname(conn), conn->name, what);
		return;
	case SRV_CONN_CONNECTED_CLIENT:
		if (msg->type == RSPRO_MSG_CONFIG_CLIENT_BANK_RES ||
		    msg->type == RSPRO_MSG_CONFIG_CLIENT_ID_RES) {
			if (msg->u.config_client_bank_res.result != RSPRO_RESULT_OK)
				srv_log_peer(conn->srv, conn->remote_ip, "answers",
					     "%s: client %s answers %s", iname(conn), conn->name,
					     what);
			return;
		}
		break;
	case SRV_CONN_CONNECTED_BANKD:
		if (msg->type == RSPRO_MSG_CREATE_MAPPING_RES ||
		    msg->type == RSPRO_MSG_REMOVE_MAPPING_RES) {
			handle_mapping_res(conn, msg);
			return;
		}
		if (msg->type == RSPRO_MSG_RESET_STATE_RES)
			return;
		break;
	case SRV_CONN_REJECTED:
		return;
	}
	srv_log_peer(conn->srv, conn->remote_ip, "unexpected", "%s: %s: unexpected %s: ignored",
		     iname(conn), conn->name, what);
}

static void
on_down(RsproLink *link, const GError *error, gpointer user_data)
{
	srv_conn_close(user_data, error != NULL ? error->message : "closed");
}

void
srv_conn_accept(SrvServer *srv, GIOStream *connection)
{
	SrvConn *conn = g_new0(SrvConn, 1);
	GSocketConnection *sc = rspro_stream_get_socket_connection(connection);
	g_autoptr(GSocketAddress) remote = sc != NULL ? g_socket_connection_get_remote_address(sc,
										  NULL) : NULL;

	conn->srv = srv;
	conn->state = SRV_CONN_ESTABLISHED;
	conn->serial = ++srv->next_serial;
	cr_timer_init(&conn->timer, NULL, identify_timeout, conn);
	if (remote != NULL && G_IS_INET_SOCKET_ADDRESS(remote)) {
		GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS(remote);
		conn->remote_ip = g_inet_address_to_string(g_inet_socket_address_get_address(isa));
		conn->remote_port = g_inet_socket_address_get_port(isa);
	} else {
		conn->remote_ip = g_strdup("?");
	}
	conn->name = g_strdup_printf("%s:%u", conn->remote_ip, conn->remote_port);
	conn->tls = G_IS_TLS_CONNECTION(connection);
	conn->link = rspro_link_new(connection, RSPRO_LINK_ROLE_SERVER, conn->name);
	rspro_link_set_keepalive(conn->link, srv->ka_interval_ms, srv->ka_timeout_ms);
	rspro_link_set_callbacks(conn->link, on_msg, on_down, conn);
	g_hash_table_add(srv->conns, conn);
	cr_timer_arm(&conn->timer, srv->identify_timeout_ms);
	g_debug("%s: connection from %s", cr_instance_get_name(CR_INSTANCE(srv)), conn->name);
	rspro_link_start(conn->link);
}

void
srv_conn_bank_address(SrvConn *bank, RsproIpPort *out)
{
	srv_conn_bank_address_for(bank, FALSE, out);
}

void
srv_conn_bank_address_for(SrvConn *bank, gboolean tls, RsproIpPort *out)
{
	SrvServer *srv = bank->srv;
	RsproIpPort *fixed = g_hash_table_lookup(srv->bank_override,
						 GUINT_TO_POINTER(bank->bank_id));

	if (fixed != NULL) {
		*out = *fixed;
		return;
	}
	if (tls && bank->announced_tls) {
		*out = bank->announced_tls_addr;
		if (bank->announced_tls_any &&
		    !srv_ip_port_from_inet(bank->remote_ip, bank->announced_tls_addr.port, out))
			memset(out, 0, sizeof(*out));
		return;
	}
	if (bank->announced && !bank->announced_any) {
		*out = bank->announced_addr;
		return;
	}
	/* upstream's rule: the bank's source address, port 9999 (bank-port) */
	if (!srv_ip_port_from_inet(bank->remote_ip,
				   bank->announced ? bank->announced_addr.port : srv->bank_port,
				   out))
		memset(out, 0, sizeof(*out));
}

void
srv_conn_send_mapping(SrvConn *bank, RsproMsgType type, const SrvMap *map)
{
	RsproMsg req;

	rspro_msg_init(&req, type);
	req.u.create_mapping_req.client.client_id = map->client_id;
	req.u.create_mapping_req.client.slot_nr = map->client_slot;
	req.u.create_mapping_req.bank.bank_id = map->bank_id;
	req.u.create_mapping_req.bank.slot_nr = map->bank_slot;
	g_message("%s: bank %s: %s B%u:%u <-> C%u:%u", iname(bank), bank->name,
		  rspro_msg_type_name(type), map->bank_id, map->bank_slot, map->client_id,
		  map->client_slot);
	send_msg(bank, &req);
}

static gboolean
same_config(SrvConn *c, gboolean mapped, const RsproBankSlot *bs, const RsproIpPort *addr)
{
	return c->told_mapped == mapped && c->told_bank.bank_id == bs->bank_id &&
	       c->told_bank.slot_nr == bs->slot_nr && c->told_addr.is_ipv6 == addr->is_ipv6 &&
	       c->told_addr.port == addr->port && memcmp(c->told_addr.addr, addr->addr, 16) == 0;
}

void
srv_conn_update_client(SrvConn *c)
{
	SrvServer *srv = c->srv;
	const SrvMap *m = srv_map_store_lookup_client(srv->maps, c->client_id, c->client_slot);
	SrvConn *bank = m != NULL ? g_hash_table_lookup(srv->banks, GUINT_TO_POINTER(m->bank_id))
				  : NULL;
	RsproBankSlot bs = {0, 0};
	RsproIpPort addr;
	gboolean mapped;
	RsproMsg req;
	g_autofree gchar *text = NULL;

	memset(&addr, 0, sizeof(addr));
	if (m != NULL && m->state == SRV_MAP_ACTIVE && bank != NULL) {
		mapped = TRUE;
		bs.bank_id = m->bank_id;
		bs.slot_nr = m->bank_slot;
		srv_conn_bank_address_for(bank, c->tls, &addr);
	} else if (srv_map_store_client_dying(srv->maps, c->client_id, c->client_slot)) {
		return; /* told once the bank removed the old map */
	} else if (m != NULL && c->told_mapped && c->told_bank.bank_id == m->bank_id &&
		   c->told_bank.slot_nr == m->bank_slot) {
		return; /* the same map on its way back (bank or server restarted) */
	} else if (c->told_mapped) {
		mapped = FALSE; /* "no bankd": 0.0.0.0:0 */
		bs = c->told_bank;
	} else {
		return;
	}
	if (same_config(c, mapped, &bs, &addr))
		return;
	c->told_mapped = mapped;
	c->told_bank = bs;
	c->told_addr = addr;
	rspro_msg_init(&req, RSPRO_MSG_CONFIG_CLIENT_BANK_REQ);
	req.u.config_client_bank_req.bank_slot = bs;
	req.u.config_client_bank_req.bankd = addr;
	text = srv_ip_port_to_string(&addr);
	g_message("%s: client %s: configClientBankReq B%u:%u at %s%s", iname(c), c->name,
		  bs.bank_id, bs.slot_nr, text, mapped ? "" : " (no bankd)");
	send_msg(c, &req);
}
