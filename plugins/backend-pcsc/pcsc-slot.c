// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backend slot on a PC/SC reader. Card events from the instance's monitor
 * become slot states; transmit/reset/power-off go to the reader's I/O thread
 * in order and come back through the hand-off. The card is connected lazily
 * (first transmit or reset), so an unused reader is not held.
 *
 * Capabilities: while no connection is made, the slot offers the protocols
 * of the card's ATR (those the configured `protocol` allows) and pcsc-lite's
 * extended buffer; each connect or reconnect narrows them to the protocol
 * pcscd negotiated and to the driver's SCARD_ATTR_MAXINPUT when it has one.
 */
#include "pcsc-slot.h"

struct _PcscSlot {
	CrBackendSlot parent_instance;
	DWORD share_mode;
	DWORD protocols;
	PcscWorker *worker;     /* borrowed: the instance holds the thread */
	gchar *reader;          /* attached or last seen */
	CrTransaction *pending; /* with the I/O thread */
	guint64 pending_id;
	guint64 transmits;
	guint64 resets;
	DWORD active_protocol; /* of the last connection; 0: none yet */
	guint32 max_input;     /* SCARD_ATTR_MAXINPUT of the last connection; 0: none */
};

G_DEFINE_TYPE(PcscSlot, pcsc_slot, CR_TYPE_BACKEND_SLOT)

static const gchar *
slot_name(PcscSlot *self)
{
	return cr_backend_slot_get_name(CR_BACKEND_SLOT(self));
}

PcscWorker *
pcsc_slot_attach_reader(PcscSlot *self, const gchar *reader, PcscHandoff *handoff)
{
	CrBackendSlot *bs = CR_BACKEND_SLOT(self);
	g_return_val_if_fail(self->worker == NULL, NULL);
	g_free(self->reader);
	self->reader = g_strdup(reader);
	cr_backend_slot_set_location(bs, reader);
	self->worker = pcsc_worker_new(slot_name(self), reader, self->share_mode, self->protocols,
	                               handoff);
	g_message("%s: using reader '%s'", slot_name(self), reader);
	if (cr_backend_slot_get_state(bs) == CR_SLOT_STATE_DOWN)
		cr_backend_slot_set_state(bs, CR_SLOT_STATE_EMPTY, NULL);
	return self->worker;
}

void
pcsc_slot_detach_reader(PcscSlot *self, const GError *reason)
{
	CrBackendSlot *bs = CR_BACKEND_SLOT(self);
	if (self->worker != NULL) {
		pcsc_worker_retire(self->worker);
		self->worker = NULL;
	}
	self->pending = NULL;
	if (cr_backend_slot_get_state(bs) != CR_SLOT_STATE_DOWN)
		cr_backend_slot_set_state(bs, CR_SLOT_STATE_DOWN, reason);
}

PcscWorker *
pcsc_slot_get_worker(PcscSlot *self)
{
	return self->worker;
}

const gchar *
pcsc_slot_get_reader(PcscSlot *self)
{
	return self->reader;
}

guint64
pcsc_slot_get_transmits(PcscSlot *self)
{
	return self->transmits;
}

guint64
pcsc_slot_get_resets(PcscSlot *self)
{
	return self->resets;
}

static guint
protocols_of(DWORD pcsc_protocols)
{
	return ((pcsc_protocols & SCARD_PROTOCOL_T0) ? CR_PROTOCOL_T0 : 0) |
	       ((pcsc_protocols & SCARD_PROTOCOL_T1) ? CR_PROTOCOL_T1 : 0);
}

/* The slot's capabilities: from the card's ATR before a connection, from
 * the connection after (see the top of the file). */
static void
update_caps(PcscSlot *self, GBytes *atr)
{
	CrBackendSlot *bs = CR_BACKEND_SLOT(self);
	CrSlotCaps caps = {
	        .extended = TRUE,
	        .max_command = MAX_BUFFER_SIZE_EXTENDED,
	        .max_response = CR_SLOT_CAPS_EXT_MAX_RESPONSE,
	};
	guint offered = protocols_of(self->protocols);

	if (self->active_protocol != 0 && protocols_of(self->active_protocol) != 0) {
		caps.protocols = protocols_of(self->active_protocol);
	} else if (atr != NULL) {
		caps.protocols =
		        cr_atr_protocols(g_bytes_get_data(atr, NULL), g_bytes_get_size(atr)) &
		        offered;
		if (caps.protocols == 0)
			caps.protocols = offered;
	} else {
		caps.protocols = offered;
	}
	if (self->max_input != 0) {
		caps.max_command = self->max_input;
		caps.extended = self->max_input > CR_SLOT_CAPS_SHORT_MAX_COMMAND;
		if (!caps.extended)
			caps.max_response = CR_SLOT_CAPS_SHORT_MAX_RESPONSE;
	}
	cr_backend_slot_set_caps(bs, &caps);
}

const gchar *
pcsc_slot_get_protocol(PcscSlot *self)
{
	switch (self->active_protocol) {
	case SCARD_PROTOCOL_T0:
		return "T=0";
	case SCARD_PROTOCOL_T1:
		return "T=1";
	case SCARD_PROTOCOL_RAW:
		return "raw";
	default:
		return NULL;
	}
}

void
pcsc_slot_card_event(PcscSlot *self, gboolean present, GBytes *atr)
{
	CrBackendSlot *bs = CR_BACKEND_SLOT(self);

	if (self->worker == NULL)
		return;
	/* a new card (or none): what the last connection said is gone */
	self->active_protocol = 0;
	self->max_input = 0;
	update_caps(self, present ? atr : NULL);
	if (present) {
		cr_backend_slot_set_card(bs, g_bytes_get_data(atr, NULL), g_bytes_get_size(atr));
		return;
	}
	if (cr_backend_slot_get_state(bs) == CR_SLOT_STATE_PRESENT) {
		g_autoptr(GError) reason = g_error_new(CR_ERROR, CR_ERROR_NO_CARD,
		                                       "card removed from '%s'", self->reader);
		cr_backend_slot_set_state(bs, CR_SLOT_STATE_EMPTY, reason);
	} else {
		cr_backend_slot_set_state(bs, CR_SLOT_STATE_EMPTY, NULL);
	}
	if (self->worker != NULL)
		pcsc_worker_card_gone(self->worker);
}

void
pcsc_slot_worker_event(PcscSlot *self, const PcscEvent *ev)
{
	CrBackendSlot *bs = CR_BACKEND_SLOT(self);

	if (ev->source == NULL || ev->source != (gpointer)self->worker)
		return; /* a retired thread's late answer */
	switch (ev->type) {
	case PCSC_EVENT_TRANSMITTED: {
		CrTransaction *tx = self->pending;
		if (tx == NULL || self->pending_id != ev->tx_id)
			return; /* cancelled meanwhile */
		self->pending = NULL;
		if (ev->error != NULL)
			cr_transaction_fail(tx, g_error_copy(ev->error));
		else
			cr_transaction_complete(tx, g_bytes_get_data(ev->data, NULL),
			                        g_bytes_get_size(ev->data));
		return;
	}
	case PCSC_EVENT_RESET_DONE:
		if (ev->error != NULL) {
			g_message("%s: reset failed: %s", slot_name(self), ev->error->message);
			cr_router_report_error(cr_backend_slot_get_router(bs), NULL, bs, ev->error);
			return;
		}
		if (cr_backend_slot_get_state(bs) == CR_SLOT_STATE_PRESENT)
			cr_backend_slot_set_card(bs, g_bytes_get_data(ev->data, NULL),
			                         g_bytes_get_size(ev->data));
		return;
	case PCSC_EVENT_CONNECTED: {
		const CrSlotCaps *caps;
		self->active_protocol = ev->protocol;
		self->max_input = ev->max_input;
		update_caps(self, NULL);
		caps = cr_backend_slot_get_caps(bs);
		g_debug("%s: connected with %s: %s APDUs up to %u bytes", slot_name(self),
		        pcsc_slot_get_protocol(self) ? pcsc_slot_get_protocol(self) : "?",
		        caps->extended ? "extended" : "short", caps->max_command);
		return;
	}
	case PCSC_EVENT_POWERED_OFF:
		if (ev->error != NULL)
			g_message("%s: %s", slot_name(self), ev->error->message);
		return;
	default:
		return;
	}
}

static void
pcsc_slot_transmit(CrBackendSlot *bs, CrTransaction *tx)
{
	PcscSlot *self = PCSC_SLOT(bs);
	gsize len;
	const guint8 *cmd = cr_transaction_get_command(tx, &len);

	if (self->worker == NULL) {
		cr_transaction_fail(tx, g_error_new(CR_ERROR, CR_ERROR_BACKEND_GONE,
		                                    "no reader for %s", slot_name(self)));
		return;
	}
	self->pending = tx;
	self->pending_id = cr_transaction_get_id(tx);
	self->transmits++;
	pcsc_worker_transmit(self->worker, self->pending_id, cmd, len);
}

static void
pcsc_slot_cancel(CrBackendSlot *bs, CrTransaction *tx)
{
	PcscSlot *self = PCSC_SLOT(bs);
	/* the I/O thread finishes the call; its answer is dropped */
	if (self->pending == tx)
		self->pending = NULL;
}

static void
pcsc_slot_reset(CrBackendSlot *bs, CrResetKind kind)
{
	PcscSlot *self = PCSC_SLOT(bs);
	self->resets++;
	if (self->worker != NULL)
		pcsc_worker_reset(self->worker, kind);
	else
		g_message("%s: reset ignored: no reader", slot_name(self));
}

static void
pcsc_slot_power_off(CrBackendSlot *bs)
{
	PcscSlot *self = PCSC_SLOT(bs);
	if (self->worker != NULL)
		pcsc_worker_power_off(self->worker);
}

PcscSlot *
pcsc_slot_new(const gchar *name, DWORD share_mode, DWORD protocols)
{
	PcscSlot *self = g_object_new(PCSC_TYPE_SLOT, "name", name, NULL);
	self->share_mode = share_mode;
	self->protocols = protocols;
	update_caps(self, NULL);
	return self;
}

static void
pcsc_slot_finalize(GObject *obj)
{
	PcscSlot *self = PCSC_SLOT(obj);
	g_free(self->reader);
	G_OBJECT_CLASS(pcsc_slot_parent_class)->finalize(obj);
}

static void
pcsc_slot_class_init(PcscSlotClass *klass)
{
	CrBackendSlotClass *bc = CR_BACKEND_SLOT_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = pcsc_slot_finalize;
	bc->transmit = pcsc_slot_transmit;
	bc->cancel = pcsc_slot_cancel;
	bc->reset = pcsc_slot_reset;
	bc->power_off = pcsc_slot_power_off;
}

static void
pcsc_slot_init(PcscSlot *self)
{
}
