// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One virtual card in a backend slot. The command path (transmit with no
 * latency) allocates nothing and logs nothing: the engine writes the answer
 * into the slot's buffer and the core copies it.
 */
#include "vcard-slot.h"

struct _VcardSlot {
	CrBackendSlot parent_instance;
	VcardCard *card;
	GBytes *atr;
	VcardKnobs knobs;
	gboolean present;       /* the card is in the slot */
	gboolean muted;         /* fail-after (mute) struck; until a reset */
	guint64 apdus;          /* commands since insertion or reset (the knobs' count) */
	guint64 apdus_total;    /* every command answered */
	CrTransaction *pending; /* held for latency-ms */
	gsize pending_len;
	guint latency_timer;
	guint remove_idle;
	guint insert_timer;
	guint8 *response; /* vcard_card_response_max() bytes */
};

G_DEFINE_TYPE(VcardSlot, vcard_slot, CR_TYPE_BACKEND_SLOT)

static void
report_card(VcardSlot *self)
{
	cr_backend_slot_set_card(CR_BACKEND_SLOT(self), g_bytes_get_data(self->atr, NULL),
	                         g_bytes_get_size(self->atr));
}

static gboolean
insert_timeout(gpointer user_data)
{
	VcardSlot *self = user_data;

	self->insert_timer = 0;
	vcard_slot_insert_card(self);
	return G_SOURCE_REMOVE;
}

void
vcard_slot_insert_card(VcardSlot *self)
{
	g_clear_handle_id(&self->insert_timer, g_source_remove);
	if (self->present)
		return;
	self->present = TRUE;
	self->muted = FALSE;
	self->apdus = 0;
	vcard_card_reset(self->card, TRUE);
	g_message("%s: card inserted", cr_backend_slot_get_name(CR_BACKEND_SLOT(self)));
	report_card(self);
}

void
vcard_slot_remove_card(VcardSlot *self, const gchar *why)
{
	g_autoptr(GError) reason = NULL;

	g_clear_handle_id(&self->remove_idle, g_source_remove);
	if (!self->present)
		return;
	self->present = FALSE;
	reason = g_error_new(CR_ERROR, CR_ERROR_NO_CARD, "card removed (%s)", why);
	/* the core takes a transaction in flight back (cancel) and tells the route */
	cr_backend_slot_set_state(CR_BACKEND_SLOT(self), CR_SLOT_STATE_EMPTY, reason);
	if (self->pending != NULL) {
		/* a standalone transaction (no route) nobody took back */
		CrTransaction *tx = self->pending;
		self->pending = NULL;
		g_clear_handle_id(&self->latency_timer, g_source_remove);
		cr_transaction_fail(tx, g_error_copy(reason));
	}
	if (self->knobs.reinsert_after_ms > 0 && self->insert_timer == 0)
		self->insert_timer =
		        g_timeout_add(self->knobs.reinsert_after_ms, insert_timeout, self);
}

static gboolean
remove_idle_cb(gpointer user_data)
{
	VcardSlot *self = user_data;

	self->remove_idle = 0;
	vcard_slot_remove_card(self, "remove-after");
	return G_SOURCE_REMOVE;
}

/* The card answered: hand it over. remove-after is armed first, so that a
 * command the terminal sends from inside the completion already finds the
 * card on its way out. */
static void
finish(VcardSlot *self, CrTransaction *tx, gsize len)
{
	self->apdus_total++;
	if (self->knobs.remove_after > 0 && self->apdus >= self->knobs.remove_after &&
	    self->present && self->remove_idle == 0)
		self->remove_idle = g_idle_add_full(G_PRIORITY_HIGH, remove_idle_cb, self, NULL);
	cr_transaction_complete(tx, self->response, len);
}

static gboolean
latency_timeout(gpointer user_data)
{
	VcardSlot *self = user_data;
	CrTransaction *tx = self->pending;

	self->latency_timer = 0;
	self->pending = NULL;
	finish(self, tx, self->pending_len);
	return G_SOURCE_REMOVE;
}

static void
vcard_slot_transmit(CrBackendSlot *slot, CrTransaction *tx)
{
	VcardSlot *self = VCARD_SLOT(slot);
	const guint8 *cmd;
	gsize cmd_len, len;

	if (!self->present) {
		cr_transaction_fail(
		        tx, g_error_new_literal(CR_ERROR, CR_ERROR_NO_CARD, "no card in the slot"));
		return;
	}
	/* remove-after struck and the removal has not run yet */
	if (self->remove_idle != 0) {
		cr_transaction_fail(tx, g_error_new_literal(CR_ERROR, CR_ERROR_NO_CARD,
		                                            "card removed (remove-after)"));
		vcard_slot_remove_card(self, "remove-after");
		return;
	}
	if (self->muted) {
		cr_transaction_fail(tx, g_error_new_literal(CR_ERROR, CR_ERROR_CARD,
		                                            "the card is mute (fail-after)"));
		return;
	}
	self->apdus++;
	if (self->knobs.fail_after > 0 && self->apdus > self->knobs.fail_after) {
		if (self->knobs.fail_mode == VCARD_FAIL_MUTE) {
			self->muted = TRUE;
			cr_transaction_fail(tx,
			                    g_error_new_literal(CR_ERROR, CR_ERROR_CARD,
			                                        "the card is mute (fail-after)"));
		} else {
			cr_transaction_fail(tx, g_error_new_literal(CR_ERROR, CR_ERROR_NO_CARD,
			                                            "card removed (fail-after)"));
			vcard_slot_remove_card(self, "fail-after");
		}
		return;
	}
	cmd = cr_transaction_get_command(tx, &cmd_len);
	len = vcard_card_process(self->card, cmd, cmd_len, self->response);
	if (self->knobs.latency_ms == 0) {
		finish(self, tx, len);
		return;
	}
	self->pending = tx;
	self->pending_len = len;
	self->latency_timer = g_timeout_add(self->knobs.latency_ms, latency_timeout, self);
}

static void
vcard_slot_cancel(CrBackendSlot *slot, CrTransaction *tx)
{
	VcardSlot *self = VCARD_SLOT(slot);

	if (self->pending != tx)
		return;
	self->pending = NULL;
	g_clear_handle_id(&self->latency_timer, g_source_remove);
}

static void
vcard_slot_reset(CrBackendSlot *slot, CrResetKind kind)
{
	VcardSlot *self = VCARD_SLOT(slot);

	if (!self->present)
		return;
	/* the core has finished the transaction in flight; drop a late one anyway */
	self->pending = NULL;
	g_clear_handle_id(&self->latency_timer, g_source_remove);
	self->muted = FALSE;
	self->apdus = 0;
	vcard_card_reset(self->card, kind == CR_RESET_COLD);
	report_card(self);
}

static void
vcard_slot_power_off(CrBackendSlot *slot)
{
	VcardSlot *self = VCARD_SLOT(slot);

	/* the card stays present; its state is lost as in a power cycle. The next
	 * reset powers it up again and reports the ATR. */
	vcard_card_reset(self->card, TRUE);
}

void
vcard_slot_start(VcardSlot *self)
{
	if (self->knobs.present) {
		self->present = TRUE;
		report_card(self);
		return;
	}
	cr_backend_slot_set_state(CR_BACKEND_SLOT(self), CR_SLOT_STATE_EMPTY, NULL);
	if (self->knobs.insert_after_ms > 0 && self->insert_timer == 0)
		self->insert_timer =
		        g_timeout_add(self->knobs.insert_after_ms, insert_timeout, self);
}

void
vcard_slot_stop(VcardSlot *self)
{
	self->pending = NULL;
	g_clear_handle_id(&self->latency_timer, g_source_remove);
	g_clear_handle_id(&self->remove_idle, g_source_remove);
	g_clear_handle_id(&self->insert_timer, g_source_remove);
}

gboolean
vcard_slot_has_card(VcardSlot *self)
{
	return self->present;
}

guint64
vcard_slot_get_apdu_count(VcardSlot *self)
{
	return self->apdus_total;
}

static void
vcard_slot_finalize(GObject *obj)
{
	VcardSlot *self = VCARD_SLOT(obj);

	vcard_slot_stop(self);
	vcard_card_free(self->card);
	g_free(self->response);
	g_bytes_unref(self->atr);
	G_OBJECT_CLASS(vcard_slot_parent_class)->finalize(obj);
}

static void
vcard_slot_class_init(VcardSlotClass *klass)
{
	CrBackendSlotClass *backend_class = CR_BACKEND_SLOT_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = vcard_slot_finalize;
	backend_class->transmit = vcard_slot_transmit;
	backend_class->cancel = vcard_slot_cancel;
	backend_class->reset = vcard_slot_reset;
	backend_class->power_off = vcard_slot_power_off;
}

static void
vcard_slot_init(VcardSlot *self)
{
}

VcardSlot *
vcard_slot_new(const gchar *name, VcardProfile *profile, GBytes *atr, const VcardKnobs *knobs)
{
	VcardSlot *self = g_object_new(VCARD_TYPE_SLOT, "name", name, NULL);
	/* the slot carries any APDU its card takes: the card judges the rest */
	CrSlotCaps caps;

	self->card = vcard_card_new(profile);
	self->response = g_malloc(vcard_card_response_max(self->card));
	self->atr = g_bytes_ref(atr);
	self->knobs = *knobs;
	caps.protocols = vcard_atr_protocols(g_bytes_get_data(atr, NULL), g_bytes_get_size(atr));
	caps.extended = profile->extended;
	caps.max_command = profile->extended ? CR_SLOT_CAPS_EXT_MAX_COMMAND
	                                     : CR_SLOT_CAPS_SHORT_MAX_COMMAND;
	caps.max_response = profile->extended ? CR_SLOT_CAPS_EXT_MAX_RESPONSE
	                                      : CR_SLOT_CAPS_SHORT_MAX_RESPONSE;
	cr_backend_slot_set_caps(CR_BACKEND_SLOT(self), &caps);
	return self;
}
