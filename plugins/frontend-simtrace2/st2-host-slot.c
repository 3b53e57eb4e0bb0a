// SPDX-License-Identifier: GPL-2.0-or-later
/* The frontend slot of frontend-simtrace2: see st2-host-slot.h. */
#include "st2-host-slot.h"

#include <string.h>

#include "st2-host-in.h"

#define FAIL_SW 0x6F00
#define MODEM_RESET_PULSE_MS 300

G_DEFINE_TYPE(St2Slot, st2_slot, CR_TYPE_FRONTEND_SLOT)

static const gchar *
slot_name(St2Slot *self)
{
	return cr_frontend_slot_get_name(CR_FRONTEND_SLOT(self));
}

static void
slot_send(St2Slot *self, const guint8 *buf, gsize len)
{
	g_autoptr(GError) error = NULL;

	if (self->chan == NULL || self->chan->gone)
		return;
	if (!st2_channel_send(self->chan, buf, len, &error))
		g_message("%s: OUT transfer failed: %s", slot_name(self), error->message);
}

/* ---- the APDU machine's callbacks ---- */

static void
apdu_send(gpointer ctx, const guint8 *buf, gsize len)
{
	slot_send(ctx, buf, len);
}

static void
apdu_submit(gpointer ctx, const guint8 *cmd, gsize len)
{
	St2Slot *self = ctx;

	if (cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(self))) {
		/* the phone gave up on the previous command without a reset we
		 * saw: its answer is dropped, this one waits for it */
		self->stale_in_flight = TRUE;
		memcpy(self->parked, cmd, len);
		self->parked_len = len;
		return;
	}
	g_debug("%s: command %02X %02X %02X %02X (%" G_GSIZE_FORMAT " bytes) to the card",
	        slot_name(self), cmd[0], cmd[1], cmd[2], cmd[3], len);
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(self), cmd, len);
}

static void
apdu_log(gpointer ctx, gboolean anomaly, const gchar *line)
{
	St2Slot *self = ctx;

	if (anomaly)
		g_message("%s: %s", slot_name(self), line);
	else
		g_debug("%s: %s", slot_name(self), line);
}

static const St2ApduOps apdu_ops = {
        .send = apdu_send,
        .submit = apdu_submit,
        .log = apdu_log,
};

/* ---- incoming messages ----
 *
 * A phone may reset the card right after a TPDU header. The released
 * firmware sends a TX_DATA that reaches it after RST was asserted in the next
 * TPDU, so a header is never answered once a reset or power-off is known to
 * have come after it. The STATUS (interrupt endpoint) and the RX_DATA (bulk
 * endpoint) are not ordered against each other: a header is held until every
 * IN transfer that came with it was seen (in_done), and dropped when one of
 * them reports a reset. A header that comes while the contacts are known to
 * be in reset or unpowered is from before that reset and dropped at once. */

static gboolean
line_in_reset(St2Slot *self)
{
	/* only trusted while the firmware reports every change by interrupt */
	return self->status_irq && self->line.known && !st2_line_is_active(&self->line);
}

static void
drop_header(St2Slot *self, const guint8 *hdr, const gchar *why)
{
	self->hdr_dropped++;
	g_message("%s: TPDU header %02X %02X %02X %02X %02X not answered: %s", slot_name(self),
	          hdr[0], hdr[1], hdr[2], hdr[3], hdr[4], why);
}

static void
in_rx_data(gpointer ctx, const struct st2_data *data)
{
	St2Slot *self = ctx;

	if (!(data->flags & ST2_DATA_F_TPDU_HDR) || data->len < 5) {
		st2_apdu_rx_data(&self->apdu, data);
		return;
	}
	if (self->hdr_held) {
		self->hdr_held = FALSE;
		drop_header(self, self->hdr_bytes, "another header followed it");
	}
	if (line_in_reset(self)) {
		drop_header(self, data->data, "the phone reset the card after sending it");
		return;
	}
	self->hdr_held = TRUE;
	self->hdr_flags = data->flags;
	self->hdr_len = MIN(data->len, sizeof(self->hdr_bytes));
	memcpy(self->hdr_bytes, data->data, self->hdr_len);
}

/* every IN transfer at hand was seen: a held header is answered now */
static void
in_done(gpointer ctx)
{
	St2Slot *self = ctx;
	struct st2_data d;

	if (!self->hdr_held)
		return;
	self->hdr_held = FALSE;
	d.flags = self->hdr_flags;
	d.data = self->hdr_bytes;
	d.len = d.data_len = self->hdr_len;
	st2_apdu_rx_data(&self->apdu, &d);
}

static void
in_status(gpointer ctx, const struct st2_status *status, gboolean irq)
{
	St2Slot *self = ctx;
	St2LineEvent ev = st2_line_update(&self->line, status->flags);
	guint32 wt = st2_line_wt_etu(status->wi, status->d_index);
	g_autofree gchar *board_wt = NULL;

	st2_events_status(&self->config.events, status->flags);
	/* the released firmware's waiting_time is not scaled by D after a PPS */
	if (status->waiting_time != wt)
		board_wt = g_strdup_printf(", board says %u", status->waiting_time);
	g_debug("%s: STATUS%s flags %02x (%u mV, F index %u D index %u, WI %u: WT %u etu%s)",
	        slot_name(self), irq ? " (irq)" : "", status->flags, status->voltage_mv,
	        status->f_index, status->d_index, status->wi, wt, board_wt != NULL ? board_wt : "");
	if (ev != ST2_LINE_NONE && self->hdr_held) {
		/* the reset came after the header: not answered */
		self->hdr_held = FALSE;
		drop_header(self, self->hdr_bytes, "the phone reset the card after sending it");
	}
	switch (ev) {
	case ST2_LINE_NONE:
		return;
	case ST2_LINE_RESET_START:
		/* the firmware drops what is queued: so does the host (pitfall 9) */
		st2_apdu_reset(&self->apdu);
		return;
	case ST2_LINE_RESET_COLD:
	case ST2_LINE_RESET_WARM:
		g_debug("%s: phone %s", slot_name(self), st2_line_event_to_string(ev));
		st2_apdu_reset(&self->apdu);
		cr_frontend_slot_reset(CR_FRONTEND_SLOT(self),
		                       ev == ST2_LINE_RESET_COLD ? CR_RESET_COLD : CR_RESET_WARM);
		return;
	case ST2_LINE_POWER_OFF:
		g_debug("%s: phone powered the card off", slot_name(self));
		st2_apdu_reset(&self->apdu);
		cr_frontend_slot_power_off(CR_FRONTEND_SLOT(self));
		return;
	}
}

static void
in_config(gpointer ctx, const struct st2_config *config)
{
	St2Slot *self = ctx;

	g_debug("%s: board config: features %08x, mux %u, presence polarity %02x", slot_name(self),
	        config->features, config->slot_mux_nr, config->pres_pol);
	self->status_irq = (config->features & ST2_FEAT_STATUS_IRQ) != 0;
	if (!(config->features & ST2_FEAT_STATUS_IRQ))
		g_message("%s: the firmware does not report STATUS by interrupt: phone resets "
		          "are not seen",
		          slot_name(self));
}

static void
in_pts(gpointer ctx, const struct st2_pts *pts)
{
	St2Slot *self = ctx;
	gsize len = MIN(pts->pts_len, sizeof(pts->req));
	/* the answer's length follows from its PPS0; all zero: none was sent */
	gsize resp_len = pts->resp[0] == 0xff ? 3u + ((pts->resp[1] >> 4) & 1) +
	                                                ((pts->resp[1] >> 5) & 1) +
	                                                ((pts->resp[1] >> 6) & 1)
	                                      : 0;
	g_autofree gchar *req = cr_hex_encode(pts->req, len);
	g_autofree gchar *resp = cr_hex_encode(pts->resp, MIN(resp_len, sizeof(pts->resp)));

	if (resp_len == 0)
		g_message("%s: PPS %s not answered by the board", slot_name(self), req);
	else
		g_message("%s: PPS %s answered %s by the board", slot_name(self), req, resp);
}

static void
in_board_info(gpointer ctx, const struct st2_board_info *info)
{
	St2Slot *self = ctx;

	g_message("%s: board %.32s %.32s, firmware %.32s %.32s", slot_name(self),
	          info->hw_manufacturer, info->hw_model, info->sw_name, info->sw_version);
}

static void
in_ignored(gpointer ctx, guint8 msg_class, guint8 msg_type, const gchar *why)
{
	St2Slot *self = ctx;

	self->in_ignored++;
	g_message("%s: IN message %s ignored: %s", slot_name(self),
	          st2_msg_name(msg_class, msg_type), why);
}

static const St2InOps in_ops = {
        .rx_data = in_rx_data,
        .status = in_status,
        .config = in_config,
        .pts = in_pts,
        .board_info = in_board_info,
        .ignored = in_ignored,
};

/* ---- the channel ---- */

static void
chan_in(gpointer user, gboolean irq, const guint8 *buf, gsize len)
{
	st2_host_in_transfer(&in_ops, user, irq, buf, len);
}

typedef struct {
	St2Slot *slot;
	St2Channel *chan;
	GError *reason;
} GoneLater;

static gboolean
unbind_later(gpointer user_data)
{
	GoneLater *later = user_data;

	if (later->slot->chan == later->chan)
		st2_slot_unbind(later->slot, FALSE, later->reason);
	g_object_unref(later->slot);
	g_error_free(later->reason);
	g_free(later);
	return G_SOURCE_REMOVE;
}

/* reported from inside the transport's event handling: the channel is
 * released from the main loop */
static void
chan_gone(gpointer user, const GError *reason)
{
	St2Slot *self = user;
	GoneLater *later = g_new0(GoneLater, 1);

	g_message("%s: board gone: %s", slot_name(self), reason->message);
	st2_apdu_reset(&self->apdu);
	later->slot = g_object_ref(self);
	later->chan = self->chan;
	later->reason = g_error_copy(reason);
	g_idle_add_full(G_PRIORITY_DEFAULT, unbind_later, later, NULL);
}

static void
chan_in_done(gpointer user)
{
	in_done(user);
}

static const St2ChannelHandler chan_handler = {
        .in = chan_in,
        .in_done = chan_in_done,
        .gone = chan_gone,
};

/* SET_ATR + CARDINSERT for the card the phone should see */
static gsize
encode_card(St2Slot *self, guint8 *buf, gsize cap, GBytes *atr)
{
	GBytes *want =
	        atr == NULL ? NULL
	                    : (self->config.atr_override != NULL ? self->config.atr_override : atr);
	gsize n = 0;

	if (want != NULL && (self->atr_sent == NULL || !g_bytes_equal(want, self->atr_sent))) {
		gsize len;
		const guint8 *p = g_bytes_get_data(want, &len);
		gsize m = st2_set_atr_encode(buf + n, cap - n, p, len);

		if (m == 0) {
			g_message("%s: ATR of %" G_GSIZE_FORMAT " bytes is too long for the board "
			          "(at most %d): the phone keeps the previous one",
			          slot_name(self), len, ST2_ATR_MAX);
		} else {
			n += m;
			g_clear_pointer(&self->atr_sent, g_bytes_unref);
			self->atr_sent = g_bytes_ref(want);
			g_message("%s: ATR set (%" G_GSIZE_FORMAT " bytes%s): effective at the "
			          "phone's next reset",
			          slot_name(self), len,
			          self->config.atr_override != NULL ? ", from `atr =`" : "");
		}
	}
	n += st2_cardinsert_encode(buf + n, cap - n, want != NULL);
	return n;
}

/* the route's `offer-card`: is the phone offered a card while there is none? */
static gboolean
offer_without_card(St2Slot *self)
{
	CrRoute *route = cr_frontend_slot_get_route(CR_FRONTEND_SLOT(self));

	return route != NULL && cr_route_get_policy(route)->offer_card == CR_OFFER_CARD_ALWAYS;
}

/* SET_ATR + CARDINSERT + emulation on (+ the modem reset pulse, so the phone
 * reads the ATR now): the phone is offered the card */
static gsize
encode_offer(St2Slot *self, guint8 *buf, gsize cap, GBytes *atr)
{
	gsize n = encode_card(self, buf, cap, atr);

	n += st2_sim_select_encode(buf + n, cap - n, TRUE);
	n += st2_status_req_encode(buf + n, cap - n);
	if (self->config.modem_reset)
		n += st2_modem_reset_encode(buf + n, cap - n, ST2_MODEM_RESET_PULSE,
		                            MODEM_RESET_PULSE_MS);
	self->offered = TRUE;
	return n;
}

void
st2_slot_bind(St2Slot *self, St2Channel *chan)
{
	guint8 buf[ST2_MSG_MAX];
	struct st2_config config = {
	        .features = ST2_FEAT_STATUS_IRQ,
	        .present = self->config.pres_pol != 0 ? 6 : 4,
	        .pres_pol = self->config.pres_pol,
	};
	GBytes *atr = cr_frontend_slot_get_atr(CR_FRONTEND_SLOT(self));
	gsize n = 0;

	g_return_if_fail(self->chan == NULL);
	self->chan = chan;
	g_free(self->last_key);
	self->last_key = g_strdup(chan->key);
	st2_channel_set_handler(chan, &chan_handler, self);
	st2_apdu_reset(&self->apdu);
	st2_line_init(&self->line);
	self->status_irq = FALSE;
	self->hdr_held = FALSE;
	self->offered = FALSE;
	g_clear_pointer(&self->atr_sent, g_bytes_unref);
	g_message("%s: bound to %s", slot_name(self), chan->description);

	/* start-up (the sheet §7.3): CONFIG with STATUS by interrupt, then
	 * either the card (presence, ATR, emulation on, a STATUS to learn the
	 * contacts, the modem reset pulse so the phone reads the new ATR), or,
	 * while the route's card is not there (`offer-card = present`), no
	 * card: emulation off, so the phone meets a mute slot rather than a
	 * card that answers every command with an error; one OUT transfer */
	n += st2_config_encode(buf + n, sizeof(buf) - n, &config);
	if (atr != NULL || offer_without_card(self)) {
		n += encode_offer(self, buf + n, sizeof(buf) - n, atr);
		if (atr == NULL)
			g_message("%s: no card routed yet (offer-card = always): the phone sees "
			          "the board's default ATR",
			          slot_name(self));
	} else {
		n += st2_cardinsert_encode(buf + n, sizeof(buf) - n, FALSE);
		n += st2_sim_select_encode(buf + n, sizeof(buf) - n, FALSE);
		n += st2_status_req_encode(buf + n, sizeof(buf) - n);
		g_message("%s: no card routed yet: the phone sees no card (no ATR) until it "
		          "comes%s",
		          slot_name(self), self->config.modem_reset ? ", then a modem reset" : "");
	}
	slot_send(self, buf, n);
	cr_frontend_slot_set_state(CR_FRONTEND_SLOT(self), CR_SLOT_STATE_PRESENT, NULL);
}

void
st2_slot_unbind(St2Slot *self, gboolean restore, const GError *reason)
{
	St2Channel *chan = self->chan;
	guint8 buf[32];
	gsize n = 0;

	if (chan == NULL)
		return;
	st2_apdu_reset(&self->apdu);
	/* a transaction in flight gets its outcome (cancelled) */
	if (cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(self)))
		cr_frontend_slot_power_off(CR_FRONTEND_SLOT(self));
	self->stale_in_flight = FALSE;
	self->hdr_held = FALSE;
	self->chan = NULL;
	if (restore) {
		/* the phone gets its local SIM back */
		n += st2_cardinsert_encode(buf + n, sizeof(buf) - n, FALSE);
		n += st2_sim_select_encode(buf + n, sizeof(buf) - n, FALSE);
	}
	st2_channel_close(chan, buf, n);
	g_clear_pointer(&self->atr_sent, g_bytes_unref);
	self->offered = FALSE;
	st2_line_init(&self->line);
	cr_frontend_slot_set_state(CR_FRONTEND_SLOT(self), CR_SLOT_STATE_DOWN, reason);
	if (self->unbound != NULL)
		self->unbound(self, self->unbound_data);
}

gboolean
st2_slot_is_bound(St2Slot *self)
{
	return self->chan != NULL;
}

/* ---- core -> frontend ---- */

static void
st2_slot_card_changed(CrFrontendSlot *slot, GBytes *atr)
{
	St2Slot *self = ST2_SLOT(slot);
	guint8 buf[ST2_MSG_MAX];
	gsize n;

	st2_events_card(&self->config.events, atr != NULL);
	if (self->chan == NULL)
		return;
	if (self->offered) {
		/* a card that goes away once offered: `on-backend-loss` decides */
		n = encode_card(self, buf, sizeof(buf), atr);
	} else if (atr != NULL || offer_without_card(self)) {
		g_message("%s: card %s: emulation on%s", slot_name(self),
		          atr != NULL ? "present" : "offered (offer-card = always)",
		          self->config.modem_reset ? ", modem reset" : "");
		n = encode_offer(self, buf, sizeof(buf), atr);
	} else {
		return;
	}
	slot_send(self, buf, n);
}

static void
st2_slot_transaction_done(CrFrontendSlot *slot, CrTransaction *tx)
{
	St2Slot *self = ST2_SLOT(slot);
	const GError *error = cr_transaction_get_error(tx);
	const guint8 *resp;
	gsize len = 0;

	if (self->stale_in_flight) {
		self->stale_in_flight = FALSE;
		if (self->parked_len > 0) {
			gsize plen = self->parked_len;

			self->parked_len = 0;
			cr_frontend_slot_submit(slot, self->parked, plen);
		}
		return;
	}
	resp = cr_transaction_get_response(tx, &len);
	if (error != NULL)
		g_debug("%s: transaction %" G_GUINT64_FORMAT ": %s", slot_name(self),
		        cr_transaction_get_id(tx), error->message);
	st2_apdu_card_answer(&self->apdu, resp, len, FAIL_SW);
}

static void
st2_slot_route_changed(CrFrontendSlot *slot, CrRoute *route)
{
	St2Slot *self = ST2_SLOT(slot);

	g_debug("%s: route %s", cr_frontend_slot_get_name(slot),
	        route != NULL ? cr_route_get_name(route) : "(none)");
	/* a route with `offer-card = always` offers the card at once */
	if (self->chan != NULL && !self->offered && offer_without_card(self))
		st2_slot_card_changed(slot, cr_frontend_slot_get_atr(slot));
}

static void
st2_slot_finalize(GObject *obj)
{
	St2Slot *self = ST2_SLOT(obj);

	if (self->chan != NULL)
		st2_channel_close(self->chan, NULL, 0);
	g_clear_pointer(&self->config.atr_override, g_bytes_unref);
	g_clear_pointer(&self->atr_sent, g_bytes_unref);
	g_free(self->last_key);
	G_OBJECT_CLASS(st2_slot_parent_class)->finalize(obj);
}

static void
st2_slot_class_init(St2SlotClass *klass)
{
	CrFrontendSlotClass *fc = CR_FRONTEND_SLOT_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = st2_slot_finalize;
	fc->card_changed = st2_slot_card_changed;
	fc->transaction_done = st2_slot_transaction_done;
	fc->route_changed = st2_slot_route_changed;
}

static void
st2_slot_init(St2Slot *self)
{
	st2_apdu_init(&self->apdu, &apdu_ops, self);
	st2_line_init(&self->line);
}

St2Slot *
st2_slot_new(const gchar *name, const St2SlotConfig *config)
{
	St2Slot *self = g_object_new(ST2_TYPE_SLOT, "name", name, NULL);

	self->config = *config;
	if (config->atr_override != NULL)
		self->config.atr_override = g_bytes_ref(config->atr_override);
	return self;
}
