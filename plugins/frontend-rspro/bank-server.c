// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The link to the server (rspro.md C.2): connectBankReq, then the server's
 * createMappingReq / removeMappingReq / resetStateReq, each answered at once
 * and so in order (the server matches answers FIFO). The connection helper
 * (rspro-conn) keeps it up with upstream's back-off and keep-alive.
 *
 * When the link comes back, the bank logs the mappings it still holds and
 * marks them stale; the server re-sends every mapping it knows right after
 * connectBankRes, which confirms them. Once no createMappingReq came for
 * `resync-ms`, stale mappings nobody uses are dropped; one in use stays until
 * its client leaves (upstream keeps them all; a server that was restarted
 * has forgotten them, and its clients will not be sent here again).
 */
#include "bank-private.h"
#include "rspro-retry-log.h"

static void
send_result(BankInstance *self, RsproMsgType type, RsproResult result)
{
	RsproMsg res;
	g_autoptr(GError) error = NULL;

	rspro_msg_init(&res, type);
	/* every *Res with only a result shares the layout */
	res.u.create_mapping_res.result = result;
	if (self->server != NULL && !rspro_conn_send(self->server, &res, &error))
		g_message("server: cannot send %s: %s", rspro_msg_type_name(type), error->message);
	rspro_msg_clear(&res);
}

static void
handle_create(BankInstance *self, const RsproMappingReq *req)
{
	guint removed[2];
	guint n_removed = 0;
	gboolean added = FALSE;
	RsproResult result = bank_maps_create(self->maps, req, removed, &n_removed, &added);

	g_message("server: createMappingReq B%u:%u <- C%u:%u: %s", req->bank.bank_id,
	          req->bank.slot_nr, req->client.client_id, req->client.slot_nr,
	          rspro_result_name(result));
	send_result(self, RSPRO_MSG_CREATE_MAPPING_RES, result);
	for (guint i = 0; i < n_removed; i++)
		bank_instance_map_removed(self, removed[i], "replaced by a new mapping");
	if (added)
		bank_instance_map_added(self, req->bank.slot_nr);
}

static void
handle_remove(BankInstance *self, const RsproMappingReq *req)
{
	RsproResult result = bank_maps_remove_req(self->maps, req);

	g_message("server: removeMappingReq B%u:%u <- C%u:%u: %s", req->bank.bank_id,
	          req->bank.slot_nr, req->client.client_id, req->client.slot_nr,
	          rspro_result_name(result));
	send_result(self, RSPRO_MSG_REMOVE_MAPPING_RES, result);
	if (result == RSPRO_RESULT_OK)
		bank_instance_map_removed(self, req->bank.slot_nr, "mapping removed by the server");
}

static void
handle_reset_state(BankInstance *self)
{
	g_message("server: resetStateReq: dropping all %u mappings", bank_maps_count(self->maps));
	for (guint b = 0; b < self->n_slots; b++) {
		if (!bank_maps_get(self->maps, b, NULL))
			continue;
		bank_maps_remove(self->maps, b);
		bank_instance_map_removed(self, b, "resetStateReq from the server");
	}
	send_result(self, RSPRO_MSG_RESET_STATE_RES, RSPRO_RESULT_OK);
}

static gboolean
resync_done(gpointer data)
{
	BankInstance *self = data;
	guint dropped = 0, kept = 0;

	self->resync_timer = 0;
	for (guint b = 0; b < self->n_slots; b++) {
		RsproClientSlot c;

		if (!bank_maps_is_stale(self->maps, b) || !bank_maps_get(self->maps, b, &c))
			continue;
		if (bank_slot_get_client(self->slots[b]) != NULL) {
			g_message("server: B%u:%u <- C%u:%u was not re-sent by the server; kept while "
			          "its client is connected",
			          self->bank_id, b, c.client_id, c.slot_nr);
			kept++;
			continue;
		}
		g_message("server: B%u:%u <- C%u:%u was not re-sent by the server: dropped",
		          self->bank_id, b, c.client_id, c.slot_nr);
		bank_maps_remove(self->maps, b);
		bank_instance_map_removed(self, b, "mapping unknown to the server");
		dropped++;
	}
	g_message("server: mappings in sync (%u held, %u dropped, %u kept while in use)",
	          bank_maps_count(self->maps), dropped, kept);
	return G_SOURCE_REMOVE;
}

static void
arm_resync(BankInstance *self)
{
	g_clear_handle_id(&self->resync_timer, g_source_remove);
	if (bank_maps_count_stale(self->maps) > 0 && self->resync_ms > 0)
		self->resync_timer = g_timeout_add(self->resync_ms, resync_done, self);
}

void
bank_server_slot_released(BankInstance *self, guint bank_slot)
{
	RsproClientSlot c;

	if (self->resync_timer != 0 || !bank_maps_is_stale(self->maps, bank_slot) ||
	    !bank_maps_get(self->maps, bank_slot, &c))
		return;
	/* the resync is over and the server never confirmed this one */
	if (self->server == NULL || !rspro_conn_is_connected(self->server))
		return;
	g_message("server: B%u:%u <- C%u:%u (unknown to the server) dropped: its client left",
	          self->bank_id, bank_slot, c.client_id, c.slot_nr);
	bank_maps_remove(self->maps, bank_slot);
}

void
bank_server_handle(BankInstance *self, const RsproMsg *msg)
{
	switch (msg->type) {
	case RSPRO_MSG_CREATE_MAPPING_REQ:
		handle_create(self, &msg->u.create_mapping_req);
		if (self->resync_timer != 0)
			arm_resync(self);
		break;
	case RSPRO_MSG_REMOVE_MAPPING_REQ:
		handle_remove(self, &msg->u.remove_mapping_req);
		break;
	case RSPRO_MSG_RESET_STATE_REQ:
		handle_reset_state(self);
		break;
	default: {
		g_autofree gchar *what = rspro_msg_describe(msg);
		g_message("server: ignoring %s", what);
		break;
	}
	}
}

static gboolean
on_hello(RsproConn *conn, RsproMsg *req, gpointer user_data, GError **error)
{
	BankInstance *self = user_data;

	rspro_msg_init(req, RSPRO_MSG_CONNECT_BANK_REQ);
	bank_instance_fill_identity(self, &req->u.connect_bank_req.identity, TRUE);
	req->u.connect_bank_req.bank_id = self->bank_id;
	req->u.connect_bank_req.num_slots = (guint16)self->n_slots;
	return TRUE;
}

static void
on_state(RsproConn *conn, RsproConnState old_state, RsproConnState new_state,
         const GError *reason, gpointer user_data)
{
	BankInstance *self = user_data;

	if (new_state == RSPRO_CONN_STATE_CONNECTED) {
		g_autofree gchar *held = bank_maps_describe(self->maps, 16);
		g_autofree gchar *prefix = g_strdup_printf("server %s", rspro_conn_get_address(conn));
		rspro_retry_log_ok(&self->server_retry, conn, prefix);
		g_message("server %s: connected as bank %u (%u slots); holding %u mappings: %s",
		          rspro_conn_get_address(conn), self->bank_id, self->n_slots,
		          bank_maps_count(self->maps), held);
		bank_maps_mark_all_stale(self->maps);
		arm_resync(self);
		return;
	}
	if (old_state == RSPRO_CONN_STATE_CONNECTED)
		g_message("server %s: link lost (%s); serving clients with the %u mappings held",
		          rspro_conn_get_address(conn), reason != NULL ? reason->message : "stopped",
		          bank_maps_count(self->maps));
	else if (reason != NULL && new_state == RSPRO_CONN_STATE_WAIT_RETRY) {
		/* one line per new failure, then a summary every few minutes */
		g_autofree gchar *prefix = g_strdup_printf("server %s", rspro_conn_get_address(conn));
		if (rspro_retry_log_failure(&self->server_retry, conn, prefix, reason->message)) {
			g_autofree gchar *next = rspro_retry_next_in(conn);
			g_message("%s: %s%s", prefix, reason->message, next);
		}
	}
	g_clear_handle_id(&self->resync_timer, g_source_remove);
}

static void
on_msg(RsproConn *conn, const RsproMsg *msg, gpointer user_data)
{
	bank_server_handle(user_data, msg);
}

void
bank_server_start(BankInstance *self)
{
	if (self->server_host == NULL)
		return;
	self->server = rspro_conn_new("server", RSPRO_COMPONENT_SERVER);
	rspro_conn_set_callbacks(self->server, on_hello, on_state, on_msg, self);
	rspro_conn_set_keepalive(self->server, self->ka_interval_ms, self->ka_timeout_ms);
	if (self->server_tls)
		rspro_conn_set_tls(self->server, self->tls_side.tls, -1);
	rspro_conn_start(self->server, self->server_host, self->server_port);
}

void
bank_server_stop(BankInstance *self)
{
	g_clear_handle_id(&self->resync_timer, g_source_remove);
	if (self->server == NULL)
		return;
	rspro_conn_stop(self->server);
	g_clear_pointer(&self->server, rspro_conn_unref);
}
