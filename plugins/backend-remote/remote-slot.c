// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend-remote's slot: the client role of osmo-remsim (rspro.md C.1, C.3,
 * D.2) on two RsproConn links.
 *
 * server link: connectClientReq; configClientIdReq sets the client slot;
 *   configClientBankReq maps us to a bank slot at IP:PORT (port 0: unmapped).
 *   Its loss does not touch the bank link (upstream ignores it too).
 * bank link: connectClientReq with the client slot; setAtrReq gives the ATR
 *   (the card becomes PRESENT); one tpduModemToCard/tpduCardToModem pair per
 *   transaction; clientSlotStatusInd for resets and power-off. What goes on
 *   it about the card is in remote-card.c.
 */
#define G_LOG_DOMAIN "remote"

#include "remote-slot-private.h"

#include <string.h>

#include <gio/gio.h>

#include "remote-caps.h"
#include "remote-events.h"

G_DEFINE_TYPE(RemoteSlot, remote_slot, CR_TYPE_BACKEND_SLOT)

void
remote_config_clear(RemoteConfig *cfg)
{
	g_clear_pointer(&cfg->server_host, g_free);
	g_clear_pointer(&cfg->atr, g_bytes_unref);
	g_clear_pointer(&cfg->identity_name, g_free);
	g_clear_pointer(&cfg->software, g_free);
	g_clear_pointer(&cfg->event_script, g_free);
	g_clear_pointer(&cfg->tls, rspro_tls_unref);
}

RsproTls *
remote_slot_get_tls(RemoteSlot *self)
{
	return self->cfg.tls;
}

guint64
remote_slot_get_tls_refusals(RemoteSlot *self)
{
	return rspro_conn_get_tls_refusals(self->server) + rspro_conn_get_tls_refusals(self->bank);
}

gchar *
remote_slot_bank_who(RemoteSlot *self)
{
	return g_strdup_printf(
	        "bank %u slot %u (%s)", self->bank_slot.bank_id, self->bank_slot.slot_nr,
	        rspro_conn_get_address(self->bank) != NULL ? rspro_conn_get_address(self->bank)
	                                                   : "?");
}

static gchar *
server_who(RemoteSlot *self)
{
	const gchar *addr = rspro_conn_get_address(self->server);

	return g_strdup_printf("server %s", addr != NULL ? addr : self->cfg.server_host);
}

/* CR_ERROR code for a link failure */
static gint
link_error_code(const GError *reason)
{
	if (reason->domain == RSPRO_ERROR) {
		switch (reason->code) {
		case RSPRO_ERROR_TIMEOUT:
			return CR_ERROR_TIMEOUT;
		case RSPRO_ERROR_MALFORMED:
		case RSPRO_ERROR_INVALID:
		case RSPRO_ERROR_UNSUPPORTED:
		case RSPRO_ERROR_TOO_BIG:
			return CR_ERROR_PROTOCOL;
		case RSPRO_ERROR_REFUSED:
			return CR_ERROR_AUTH;
		default:
			return CR_ERROR_BACKEND_GONE;
		}
	}
	if (reason->domain == G_IO_ERROR)
		return CR_ERROR_IO;
	return CR_ERROR_BACKEND_GONE;
}

/* "bank 1 slot 0 (h:p) refused connectClientReq: identityInUse" or
 * "server h:p: peer closed the connection" */
static GError *
link_error(const gchar *who, const GError *reason)
{
	gboolean refused = reason->domain == RSPRO_ERROR && reason->code == RSPRO_ERROR_REFUSED;

	return g_error_new(CR_ERROR, link_error_code(reason), "%s%s%s", who, refused ? " " : ": ",
	                   reason->message);
}

/* logs a failure once per distinct message (with when it is retried) and
 * sends it to the event stream; repeats make a summary every few minutes */
static void
report_link_failure(RemoteSlot *self, RsproRetryLog *log, RsproConn *conn, const gchar *who,
                    const GError *reason)
{
	g_autoptr(GError) error = link_error(who, reason);
	g_autofree gchar *next = NULL;
	gchar *with_next;

	if (!rspro_retry_log_failure(log, conn, remote_slot_name(self), error->message)) {
		g_debug("%s: %s (again)", remote_slot_name(self), error->message);
		return;
	}
	next = rspro_retry_next_in(conn);
	with_next = g_strconcat(error->message, next, NULL);
	g_free(error->message);
	error->message = with_next;
	cr_router_report_error(cr_backend_slot_get_router(CR_BACKEND_SLOT(self)), NULL,
	                       CR_BACKEND_SLOT(self), error);
}

static void
fill_identity(RemoteSlot *self, RsproIdentity *identity)
{
	rspro_identity_set(identity, RSPRO_COMPONENT_CLIENT, self->cfg.identity_name,
	                   self->cfg.software, CR_VERSION);
}

gboolean
remote_slot_send_or_log(RemoteSlot *self, RsproConn *conn, const RsproMsg *msg)
{
	g_autoptr(GError) error = NULL;

	if (rspro_conn_send(conn, msg, &error))
		return TRUE;
	g_debug("%s: %s not sent: %s", remote_slot_name(self), rspro_msg_type_name(msg->type),
	        error->message);
	return FALSE;
}

/* Runs the event script (if any) for @cause with upstream's REMSIM_*. */
void
remote_slot_script_event(RemoteSlot *self, const gchar *cause)
{
	RemoteEventState st = {
	        .server_host = self->cfg.server_host,
	        .server_port = self->cfg.server_port,
	        .server_state = rspro_conn_state_name(rspro_conn_get_state(self->server)),
	        .bank_host = self->bank_host,
	        .bank_port = self->bank_port,
	        .bank_state = rspro_conn_state_name(rspro_conn_get_state(self->bank)),
	        .client_id = self->client_slot.client_id,
	        .client_slot = self->client_slot.slot_nr,
	        .bank_id = self->mapped ? self->bank_slot.bank_id : 0,
	        .bank_slot = self->mapped ? self->bank_slot.slot_nr : 0,
	        .vcc = self->vcc_on,
	        .rst = self->rst_on,
	        .clk = self->clk_on,
	};

	remote_events_run(self->script, cause, &st);
}

/* ---- bank link ---- */

static gboolean
bank_hello(RsproConn *conn, RsproMsg *req, gpointer user_data, GError **error)
{
	RemoteSlot *self = user_data;

	(void)conn;
	if (!self->has_client_slot) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
		            "no client slot yet (the server sent no configClientIdReq)");
		return FALSE;
	}
	rspro_msg_init(req, RSPRO_MSG_CONNECT_CLIENT_REQ);
	fill_identity(self, &req->u.connect_client_req.identity);
	/* what a cardroute bank may send us beyond T=0 short TPDUs; upstream
	 * banks ignore these optional fields */
	remote_caps_announce(&req->u.connect_client_req.identity);
	req->u.connect_client_req.has_client_slot = TRUE;
	req->u.connect_client_req.client_slot = self->client_slot;
	return TRUE;
}

static void
bank_state(RsproConn *conn, RsproConnState old_state, RsproConnState new_state,
           const GError *reason, gpointer user_data)
{
	RemoteSlot *self = user_data;
	g_autofree gchar *who = remote_slot_bank_who(self);

	(void)conn;
	if (new_state == RSPRO_CONN_STATE_CONNECTED) {
		const RsproIdentity *peer = rspro_conn_get_peer_identity(self->bank);

		rspro_retry_log_ok(&self->bank_retry, self->bank, remote_slot_name(self));
		g_message("%s: %s accepted connectClientReq C%u:%u (%s, %s %s)",
		          remote_slot_name(self), who, self->client_slot.client_id,
		          self->client_slot.slot_nr, peer->name, peer->software, peer->sw_version);
		self->peer_caps = remote_caps_of_bank(CR_BACKEND_SLOT(self), peer);
		if (self->cfg.atr_ignore)
			remote_card_present(self, self->cfg.atr);
		else
			cr_timer_arm(&self->atr_timer, self->cfg.atr_wait_ms);
		/* upstream's main FSM: WAIT_BANKD -> OPERATIONAL */
		remote_slot_script_event(self, "event-bankd-connect");
		remote_slot_script_event(self, "request-sim-remote");
		remote_slot_script_event(self, "request-card-insert");
		remote_slot_script_event(self, "request-modem-reset");
		return;
	}
	if (old_state == RSPRO_CONN_STATE_CONNECTED) {
		/* leaving OPERATIONAL */
		remote_slot_script_event(self, "request-card-remove");
		remote_slot_script_event(self, "request-sim-local");
		remote_slot_script_event(self, "request-modem-reset");
	}
	g_debug("%s: %s: %s -> %s", remote_slot_name(self), who, rspro_conn_state_name(old_state),
	        rspro_conn_state_name(new_state));
	if (reason != NULL)
		report_link_failure(self, &self->bank_retry, self->bank, who, reason);
	if (old_state == RSPRO_CONN_STATE_CONNECTED || self->card_atr != NULL ||
	    cr_backend_slot_get_state(CR_BACKEND_SLOT(self)) != CR_SLOT_STATE_DOWN) {
		g_autofree gchar *msg = NULL;

		if (reason != NULL)
			msg = g_strdup_printf("%s: %s", who, reason->message);
		else
			msg = g_strdup_printf("%s: %s", who,
			                      self->bank_down_reason != NULL
			                              ? self->bank_down_reason
			                              : "link closed");
		if (reason == NULL && self->bank_down_reason != NULL)
			g_message("%s: %s", remote_slot_name(self), msg);
		remote_card_gone(self, msg);
	}
}

static void
bank_msg(RsproConn *conn, const RsproMsg *msg, gpointer user_data)
{
	RemoteSlot *self = user_data;
	RsproMsg res;

	(void)conn;
	switch (msg->type) {
	case RSPRO_MSG_SET_ATR_REQ:
		rspro_msg_init(&res, RSPRO_MSG_SET_ATR_RES);
		res.u.set_atr_res.result = RSPRO_RESULT_OK;
		remote_slot_send_or_log(self, self->bank, &res);
		rspro_msg_clear(&res);
		/* the answer can end the link (output queue full): no card then */
		if (!rspro_conn_is_connected(self->bank))
			break;
		if (self->cfg.atr_ignore) {
			g_debug("%s: setAtrReq ignored (atr-ignore)", remote_slot_name(self));
			break;
		}
		remote_card_present(self, msg->u.set_atr_req.atr);
		break;
	case RSPRO_MSG_TPDU_CARD_TO_MODEM:
		remote_card_answer(self, &msg->u.tpdu_card_to_modem);
		break;
	default:
		/* bankSlotStatusInd and anything else: nothing to do, as upstream */
		g_debug("%s: ignoring %s from the bank", remote_slot_name(self),
		        rspro_msg_type_name(msg->type));
		break;
	}
}

static void
bank_stop(RemoteSlot *self, const gchar *why)
{
	g_free(self->bank_down_reason);
	self->bank_down_reason = g_strdup(why);
	rspro_conn_stop(self->bank);
	g_clear_pointer(&self->bank_down_reason, g_free);
}

/* ---- server link ---- */

static gboolean
server_hello(RsproConn *conn, RsproMsg *req, gpointer user_data, GError **error)
{
	RemoteSlot *self = user_data;

	(void)conn;
	(void)error;
	rspro_msg_init(req, RSPRO_MSG_CONNECT_CLIENT_REQ);
	fill_identity(self, &req->u.connect_client_req.identity);
	req->u.connect_client_req.has_client_slot = self->has_client_slot;
	req->u.connect_client_req.client_slot = self->client_slot;
	return TRUE;
}

static void
server_state(RsproConn *conn, RsproConnState old_state, RsproConnState new_state,
             const GError *reason, gpointer user_data)
{
	RemoteSlot *self = user_data;
	g_autofree gchar *who = server_who(self);

	(void)conn;
	if (new_state == RSPRO_CONN_STATE_CONNECTED) {
		const RsproIdentity *peer = rspro_conn_get_peer_identity(self->server);

		rspro_retry_log_ok(&self->server_retry, self->server, remote_slot_name(self));
		g_message("%s: %s accepted connectClientReq (%s, %s %s)", remote_slot_name(self),
		          who, peer->name, peer->software, peer->sw_version);
		if (!self->server_seen) {
			self->server_seen = TRUE;
			remote_slot_script_event(self, "event-server-connect");
		}
		return;
	}
	g_debug("%s: %s: %s -> %s", remote_slot_name(self), who, rspro_conn_state_name(old_state),
	        rspro_conn_state_name(new_state));
	if (reason != NULL)
		report_link_failure(self, &self->server_retry, self->server, who, reason);
	if (old_state == RSPRO_CONN_STATE_CONNECTED && self->mapped)
		g_message("%s: %s lost; the bank link stays", remote_slot_name(self), who);
}

static void
apply_bank_config(RemoteSlot *self, const RsproConfigClientBankReq *req)
{
	g_autofree gchar *host = rspro_ip_port_host(&req->bankd);
	gboolean same = self->mapped && req->bankd.port == self->bank_port &&
	                g_strcmp0(host, self->bank_host) == 0 &&
	                req->bank_slot.bank_id == self->bank_slot.bank_id &&
	                req->bank_slot.slot_nr == self->bank_slot.slot_nr;

	if (req->bankd.port == 0) {
		g_message("%s: server unmapped the slot (configClientBankReq %s:0)",
		          remote_slot_name(self), host);
		self->mapped = FALSE;
		bank_stop(self, "the server removed the mapping");
		return;
	}
	if (same && rspro_conn_get_state(self->bank) != RSPRO_CONN_STATE_IDLE) {
		g_debug("%s: configClientBankReq repeats the current mapping",
		        remote_slot_name(self));
		return;
	}
	g_message("%s: server mapped C%u:%u to bank %u slot %u at %s:%u", remote_slot_name(self),
	          self->client_slot.client_id, self->client_slot.slot_nr, req->bank_slot.bank_id,
	          req->bank_slot.slot_nr, host, req->bankd.port);
	/* a moved mapping drops the old bank link first (its card is gone) */
	if (self->mapped)
		bank_stop(self, "the server moved the mapping");
	self->mapped = TRUE;
	self->bank_slot = req->bank_slot;
	g_free(self->bank_host);
	self->bank_host = g_steal_pointer(&host);
	self->bank_port = req->bankd.port;
	if (self->cfg.tls != NULL) /* the bank must hold the id the server named */
		rspro_conn_set_tls(self->bank, self->cfg.tls, self->bank_slot.bank_id);
	rspro_conn_start(self->bank, self->bank_host, self->bank_port);
}

static void
server_msg(RsproConn *conn, const RsproMsg *msg, gpointer user_data)
{
	RemoteSlot *self = user_data;
	RsproMsg res;

	(void)conn;
	switch (msg->type) {
	case RSPRO_MSG_CONFIG_CLIENT_BANK_REQ:
		rspro_msg_init(&res, RSPRO_MSG_CONFIG_CLIENT_BANK_RES);
		res.u.config_client_bank_res.result = RSPRO_RESULT_OK;
		remote_slot_send_or_log(self, self->server, &res);
		rspro_msg_clear(&res);
		apply_bank_config(self, &msg->u.config_client_bank_req);
		remote_slot_script_event(self, "event-config-bankd");
		break;
	case RSPRO_MSG_CONFIG_CLIENT_ID_REQ: {
		RsproClientSlot cs = msg->u.config_client_id_req.client_slot;
		gboolean changed = !self->has_client_slot ||
		                   cs.client_id != self->client_slot.client_id ||
		                   cs.slot_nr != self->client_slot.slot_nr;

		rspro_msg_init(&res, RSPRO_MSG_CONFIG_CLIENT_ID_RES);
		res.u.config_client_id_res.result = RSPRO_RESULT_OK;
		remote_slot_send_or_log(self, self->server, &res);
		rspro_msg_clear(&res);
		g_message("%s: server assigned client slot C%u:%u", remote_slot_name(self),
		          cs.client_id, cs.slot_nr);
		self->has_client_slot = TRUE;
		self->client_slot = cs;
		if (changed && self->mapped)
			rspro_conn_start(self->bank, self->bank_host, self->bank_port);
		break;
	}
	default:
		/* resetStateReq included: upstream clients do not handle it either */
		g_message("%s: ignoring %s from the server", remote_slot_name(self),
		          rspro_msg_type_name(msg->type));
		break;
	}
}

/* ---- life cycle ---- */

static RsproConn *
make_conn(RemoteSlot *self, const gchar *kind, RsproComponentType peer)
{
	g_autofree gchar *name = g_strdup_printf("%s %s", remote_slot_name(self), kind);
	RsproConn *conn = rspro_conn_new(name, peer);

	rspro_conn_set_keepalive(conn, self->cfg.ping_interval_ms, self->cfg.pong_timeout_ms);
	rspro_conn_set_timeouts(conn, self->cfg.connect_timeout_ms, self->cfg.response_timeout_ms);
	if (self->cfg.reconnect_delay_ms >= 0) {
		/* the first attempt at once, then the fixed delay */
		guint d[] = {0, (guint)self->cfg.reconnect_delay_ms};

		rspro_conn_set_backoff(conn, d, G_N_ELEMENTS(d), 0);
	}
	return conn;
}

RemoteSlot *
remote_slot_new(const gchar *name, RemoteConfig *cfg)
{
	RemoteSlot *self = g_object_new(REMOTE_TYPE_SLOT, "name", name, NULL);

	self->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	self->has_client_slot = self->cfg.has_client_id;
	self->client_slot.client_id = self->cfg.client_id;
	self->client_slot.slot_nr = self->cfg.client_slot;
	self->server = make_conn(self, "server", RSPRO_COMPONENT_SERVER);
	rspro_conn_set_callbacks(self->server, server_hello, server_state, server_msg, self);
	self->bank = make_conn(self, "bank", RSPRO_COMPONENT_BANKD);
	rspro_conn_set_callbacks(self->bank, bank_hello, bank_state, bank_msg, self);
	if (self->cfg.tls != NULL)
		rspro_conn_set_tls(self->server, self->cfg.tls, -1);
	if (self->cfg.event_script != NULL)
		self->script = event_script_new(name, self->cfg.event_script,
		                                self->cfg.event_script_timeout_ms);
	return self;
}

void
remote_slot_start(RemoteSlot *self)
{
	g_autoptr(GError) reason =
	        g_error_new_literal(CR_ERROR, CR_ERROR_BACKEND_GONE, "waiting for the server");

	self->started = TRUE;
	cr_backend_slot_set_state(CR_BACKEND_SLOT(self), CR_SLOT_STATE_DOWN, reason);
	rspro_conn_start(self->server, self->cfg.server_host, self->cfg.server_port);
}

void
remote_slot_stop(RemoteSlot *self)
{
	if (!self->started)
		return;
	self->started = FALSE;
	rspro_conn_set_callbacks(self->server, server_hello, NULL, NULL, self);
	rspro_conn_set_callbacks(self->bank, bank_hello, NULL, NULL, self);
	rspro_conn_stop(self->bank);
	rspro_conn_stop(self->server);
	cr_timer_cancel(&self->atr_timer);
	remote_card_fail_transactions(self, CR_ERROR_CANCELLED, "backend-remote stopped");
}

void
remote_slot_describe(RemoteSlot *self, GVariantDict *dict)
{
	g_autofree gchar *server =
	        rspro_host_port_string(self->cfg.server_host, self->cfg.server_port);

	g_variant_dict_insert(dict, "server", "s", server);
	g_variant_dict_insert(dict, "server-state", "s",
	                      rspro_conn_state_name(rspro_conn_get_state(self->server)));
	if (self->has_client_slot) {
		g_autofree gchar *cs = g_strdup_printf("%u:%u", self->client_slot.client_id,
		                                       self->client_slot.slot_nr);

		g_variant_dict_insert(dict, "client-slot", "s", cs);
	}
	if (self->mapped) {
		g_autofree gchar *bs =
		        g_strdup_printf("%u:%u", self->bank_slot.bank_id, self->bank_slot.slot_nr);

		g_variant_dict_insert(dict, "bank-slot", "s", bs);
		g_variant_dict_insert(dict, "bank", "s",
		                      rspro_conn_get_address(self->bank) != NULL
		                              ? rspro_conn_get_address(self->bank)
		                              : "?");
	}
	g_variant_dict_insert(dict, "bank-state", "s",
	                      rspro_conn_state_name(rspro_conn_get_state(self->bank)));
	rspro_retry_log_describe(&self->server_retry, self->server, "server", dict);
	rspro_retry_log_describe(&self->bank_retry, self->bank, "bank", dict);
	g_variant_dict_insert(dict, "tpdus", "t", self->tpdus);
	remote_events_describe(self->script, dict);
}

static void
remote_slot_finalize(GObject *obj)
{
	RemoteSlot *self = REMOTE_SLOT(obj);

	remote_slot_stop(self);
	cr_timer_cancel(&self->atr_timer);
	g_clear_pointer(&self->server, rspro_conn_unref);
	g_clear_pointer(&self->bank, rspro_conn_unref);
	g_clear_pointer(&self->card_atr, g_bytes_unref);
	g_clear_pointer(&self->script, event_script_free);
	rspro_retry_log_clear(&self->server_retry);
	rspro_retry_log_clear(&self->bank_retry);
	g_free(self->bank_host);
	g_free(self->bank_down_reason);
	remote_config_clear(&self->cfg);
	G_OBJECT_CLASS(remote_slot_parent_class)->finalize(obj);
}

static void
remote_slot_class_init(RemoteSlotClass *klass)
{
	CrBackendSlotClass *bc = CR_BACKEND_SLOT_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = remote_slot_finalize;
	remote_card_class_init(bc);
}

static void
remote_slot_init(RemoteSlot *self)
{
	remote_card_init(self);
}
