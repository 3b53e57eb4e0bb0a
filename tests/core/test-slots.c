// SPDX-License-Identifier: GPL-2.0-or-later
#include "test-slots.h"

struct _TestInstance {
	CrInstance parent_instance;
};
G_DEFINE_TYPE(TestInstance, test_instance, CR_TYPE_INSTANCE)

static void
test_instance_class_init(TestInstanceClass *klass)
{
}

static void
test_instance_init(TestInstance *self)
{
}

TestInstance *
test_instance_new(void)
{
	return g_object_new(TEST_TYPE_INSTANCE, NULL);
}

G_DEFINE_TYPE(TestFrontend, test_frontend, CR_TYPE_FRONTEND_SLOT)

static void
test_frontend_card_changed(CrFrontendSlot *slot, GBytes *atr)
{
	TestFrontend *self = TEST_FRONTEND(slot);
	self->card_changes++;
	g_clear_pointer(&self->card, g_bytes_unref);
	if (atr != NULL)
		self->card = g_bytes_ref(atr);
}

static void
test_frontend_transaction_done(CrFrontendSlot *slot, CrTransaction *tx)
{
	TestFrontend *self = TEST_FRONTEND(slot);
	const guint8 *resp;
	gsize len;
	self->done_count++;
	g_clear_pointer(&self->last_response, g_byte_array_unref);
	g_clear_error(&self->last_error);
	resp = cr_transaction_get_response(tx, &len);
	if (resp != NULL) {
		self->last_response = g_byte_array_new();
		g_byte_array_append(self->last_response, resp, (guint)len);
	}
	if (cr_transaction_get_error(tx) != NULL)
		self->last_error = g_error_copy(cr_transaction_get_error(tx));
	if (self->resubmit) {
		static const guint8 again[] = {0x00, 0xB0, 0x00, 0x00, 0x02};
		self->resubmit = FALSE;
		cr_frontend_slot_submit(slot, again, sizeof(again));
	}
}

static void
test_frontend_route_changed(CrFrontendSlot *slot, CrRoute *route)
{
	TEST_FRONTEND(slot)->route_changes++;
}

static void
test_frontend_finalize(GObject *obj)
{
	TestFrontend *self = TEST_FRONTEND(obj);
	g_clear_pointer(&self->last_response, g_byte_array_unref);
	g_clear_error(&self->last_error);
	g_clear_pointer(&self->card, g_bytes_unref);
	G_OBJECT_CLASS(test_frontend_parent_class)->finalize(obj);
}

static void
test_frontend_class_init(TestFrontendClass *klass)
{
	CrFrontendSlotClass *fc = CR_FRONTEND_SLOT_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = test_frontend_finalize;
	fc->card_changed = test_frontend_card_changed;
	fc->transaction_done = test_frontend_transaction_done;
	fc->route_changed = test_frontend_route_changed;
}

static void
test_frontend_init(TestFrontend *self)
{
}

TestFrontend *
test_frontend_new(const gchar *name)
{
	return g_object_new(TEST_TYPE_FRONTEND, "name", name, NULL);
}

G_DEFINE_TYPE(TestBackend, test_backend, CR_TYPE_BACKEND_SLOT)

static void
answer(CrTransaction *tx)
{
	gsize len;
	const guint8 *cmd = cr_transaction_get_command(tx, &len);
	guint8 resp[3] = {cmd[1], 0x90, 0x00};
	cr_transaction_complete(tx, resp, sizeof(resp));
}

void
test_backend_answer(TestBackend *self)
{
	CrTransaction *tx = self->pending;
	g_assert_nonnull(tx);
	self->pending = NULL;
	answer(tx);
}

static void
test_backend_transmit(CrBackendSlot *slot, CrTransaction *tx)
{
	TestBackend *self = TEST_BACKEND(slot);
	self->transmits++;
	switch (self->mode) {
	case TEST_BACKEND_ANSWER_NOW:
		answer(tx);
		break;
	case TEST_BACKEND_ANSWER_LATER:
		g_assert_null(self->pending);
		self->pending = tx;
		break;
	case TEST_BACKEND_FAIL_NOW:
		cr_transaction_fail(tx, g_error_new_literal(CR_ERROR, CR_ERROR_CARD, "mute card"));
		break;
	}
}

static void
test_backend_cancel(CrBackendSlot *slot, CrTransaction *tx)
{
	TestBackend *self = TEST_BACKEND(slot);
	g_assert_true(self->pending == tx);
	self->pending = NULL;
	self->cancels++;
}

static const guint8 test_atr[] = {0x3B, 0x02, 0x14, 0x50};

static void
test_backend_reset(CrBackendSlot *slot, CrResetKind kind)
{
	TestBackend *self = TEST_BACKEND(slot);
	self->resets++;
	if (self->reset_reports_card)
		cr_backend_slot_set_card(slot, test_atr, sizeof(test_atr));
}

static void
test_backend_power_off(CrBackendSlot *slot)
{
	TEST_BACKEND(slot)->power_offs++;
}

static void
test_backend_class_init(TestBackendClass *klass)
{
	CrBackendSlotClass *bc = CR_BACKEND_SLOT_CLASS(klass);
	bc->transmit = test_backend_transmit;
	bc->cancel = test_backend_cancel;
	bc->reset = test_backend_reset;
	bc->power_off = test_backend_power_off;
}

static void
test_backend_init(TestBackend *self)
{
	self->reset_reports_card = TRUE;
}

TestBackend *
test_backend_new(const gchar *name)
{
	return g_object_new(TEST_TYPE_BACKEND, "name", name, NULL);
}
