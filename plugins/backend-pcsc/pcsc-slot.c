// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backend slot on a PC/SC reader. Card events from the monitor thread become
 * slot states; transmit/reset/power-off go to the I/O thread in order and
 * come back as events. The card is connected lazily (first transmit or
 * reset), so an unused reader is not held.
 */
#include "pcsc-slot.h"

#include "pcsc-worker.h"

struct _PcscSlot {
	CrBackendSlot parent_instance;
	gchar *pattern;
	PcscWorker *worker;
	gchar *reader;          /* the matching reader, NULL while none */
	CrTransaction *pending; /* with the I/O thread */
	guint64 pending_id;
	guint64 transmits;
	guint64 resets;
};

G_DEFINE_TYPE(PcscSlot, pcsc_slot, CR_TYPE_BACKEND_SLOT)

static const gchar *
slot_name(PcscSlot *self)
{
	return cr_backend_slot_get_name(CR_BACKEND_SLOT(self));
}

static void
on_event(const PcscEvent *ev, gpointer user_data)
{
	PcscSlot *self = user_data;
	CrBackendSlot *bs = CR_BACKEND_SLOT(self);

	switch (ev->type) {
	case PCSC_EVENT_DOWN:
		g_clear_pointer(&self->reader, g_free);
		if (cr_backend_slot_get_state(bs) == CR_SLOT_STATE_DOWN)
			g_message("%s: %s", slot_name(self), ev->error->message);
		cr_backend_slot_set_state(bs, CR_SLOT_STATE_DOWN, ev->error);
		pcsc_worker_card_gone(self->worker);
		return;
	case PCSC_EVENT_READER:
		g_free(self->reader);
		self->reader = g_strdup(ev->reader);
		g_message("%s: using reader '%s'", slot_name(self), ev->reader);
		if (cr_backend_slot_get_state(bs) == CR_SLOT_STATE_DOWN)
			cr_backend_slot_set_state(bs, CR_SLOT_STATE_EMPTY, NULL);
		return;
	case PCSC_EVENT_CARD:
		if (ev->present) {
			cr_backend_slot_set_card(bs, g_bytes_get_data(ev->data, NULL),
			                         g_bytes_get_size(ev->data));
			return;
		}
		if (cr_backend_slot_get_state(bs) == CR_SLOT_STATE_PRESENT) {
			g_autoptr(GError) reason = g_error_new(
			        CR_ERROR, CR_ERROR_NO_CARD, "card removed from '%s'", ev->reader);
			cr_backend_slot_set_state(bs, CR_SLOT_STATE_EMPTY, reason);
		} else {
			cr_backend_slot_set_state(bs, CR_SLOT_STATE_EMPTY, NULL);
		}
		pcsc_worker_card_gone(self->worker);
		return;
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
	case PCSC_EVENT_POWERED_OFF:
		if (ev->error != NULL)
			g_message("%s: %s", slot_name(self), ev->error->message);
		return;
	}
}

static void
pcsc_slot_transmit(CrBackendSlot *bs, CrTransaction *tx)
{
	PcscSlot *self = PCSC_SLOT(bs);
	gsize len;
	const guint8 *cmd = cr_transaction_get_command(tx, &len);
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
	pcsc_worker_reset(self->worker, kind);
}

static void
pcsc_slot_power_off(CrBackendSlot *bs)
{
	pcsc_worker_power_off(PCSC_SLOT(bs)->worker);
}

void
pcsc_slot_start(PcscSlot *self)
{
	pcsc_worker_start(self->worker);
}

void
pcsc_slot_stop(PcscSlot *self)
{
	pcsc_worker_stop(self->worker);
	self->pending = NULL;
}

void
pcsc_slot_describe(PcscSlot *self, GVariantDict *dict)
{
	g_variant_dict_insert(dict, "reader-pattern", "s", self->pattern);
	if (self->reader != NULL)
		g_variant_dict_insert(dict, "reader", "s", self->reader);
	g_variant_dict_insert(dict, "transmits", "t", self->transmits);
	g_variant_dict_insert(dict, "resets", "t", self->resets);
}

PcscSlot *
pcsc_slot_new(const gchar *name, const gchar *pattern, DWORD share_mode, DWORD protocols)
{
	PcscSlot *self = g_object_new(PCSC_TYPE_SLOT, "name", name, NULL);
	self->pattern = g_strdup(pattern);
	self->worker = pcsc_worker_new(name, pattern, share_mode, protocols, on_event, self);
	return self;
}

static void
pcsc_slot_finalize(GObject *obj)
{
	PcscSlot *self = PCSC_SLOT(obj);
	g_clear_pointer(&self->worker, pcsc_worker_free);
	g_free(self->pattern);
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
