// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include "cr-private.h"

G_DEFINE_TYPE_WITH_PRIVATE(CrBackendSlot, cr_backend_slot, G_TYPE_OBJECT)

enum { PROP_0, PROP_NAME, N_PROPS };
static GParamSpec *props[N_PROPS];

CrBackendSlotPrivate *
cr_backend_slot_priv(CrBackendSlot *self)
{
	return cr_backend_slot_get_instance_private(self);
}

static void
cr_backend_slot_get_property(GObject *obj, guint id, GValue *value, GParamSpec *pspec)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(CR_BACKEND_SLOT(obj));
	switch (id) {
	case PROP_NAME:
		g_value_set_string(value, p->name);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
	}
}

static void
cr_backend_slot_set_property(GObject *obj, guint id, const GValue *value, GParamSpec *pspec)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(CR_BACKEND_SLOT(obj));
	switch (id) {
	case PROP_NAME:
		g_free(p->name);
		p->name = g_value_dup_string(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
	}
}

static void
cr_backend_slot_finalize(GObject *obj)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(CR_BACKEND_SLOT(obj));
	g_clear_pointer(&p->atr, g_bytes_unref);
	cr_stats_clear(&p->stats);
	g_free(p->name);
	g_free(p->location);
	G_OBJECT_CLASS(cr_backend_slot_parent_class)->finalize(obj);
}

static void
cr_backend_slot_class_init(CrBackendSlotClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->get_property = cr_backend_slot_get_property;
	object_class->set_property = cr_backend_slot_set_property;
	object_class->finalize = cr_backend_slot_finalize;
	props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL,
					       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
						       G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, props);
}

static void
cr_backend_slot_init(CrBackendSlot *self)
{
	cr_backend_slot_priv(self)->state = CR_SLOT_STATE_DOWN;
}

void
cr_backend_slot_attach(CrBackendSlot *self, CrInstance *instance, CrRouter *router)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	p->instance = instance;
	p->router = router;
}

const gchar *
cr_backend_slot_get_name(CrBackendSlot *self)
{
	return cr_backend_slot_priv(self)->name;
}

CrInstance *
cr_backend_slot_get_instance(CrBackendSlot *self)
{
	return cr_backend_slot_priv(self)->instance;
}

CrRouter *
cr_backend_slot_get_router(CrBackendSlot *self)
{
	return cr_backend_slot_priv(self)->router;
}

CrRoute *
cr_backend_slot_get_route(CrBackendSlot *self)
{
	return cr_backend_slot_priv(self)->route;
}

CrSlotState
cr_backend_slot_get_state(CrBackendSlot *self)
{
	return cr_backend_slot_priv(self)->state;
}

GBytes *
cr_backend_slot_get_atr(CrBackendSlot *self)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	return p->state == CR_SLOT_STATE_PRESENT ? p->atr : NULL;
}

gboolean
cr_backend_slot_is_busy(CrBackendSlot *self)
{
	return cr_backend_slot_priv(self)->current != NULL;
}

const CrStats *
cr_backend_slot_get_stats(CrBackendSlot *self)
{
	return &cr_backend_slot_priv(self)->stats;
}

void
cr_backend_slot_send(CrBackendSlot *self, CrTransaction *tx)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	p->current = tx;
	tx->backend = self;
	CR_BACKEND_SLOT_GET_CLASS(self)->transmit(self, tx);
}

void
cr_backend_slot_take_back(CrBackendSlot *self, CrTransaction *tx)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	CrBackendSlotClass *klass = CR_BACKEND_SLOT_GET_CLASS(self);
	if (p->current != tx)
		return;
	p->current = NULL;
	tx->backend = NULL;
	if (klass->cancel != NULL)
		klass->cancel(self, tx);
}

void
cr_backend_slot_request_reset(CrBackendSlot *self, CrResetKind kind)
{
	CrBackendSlotClass *klass = CR_BACKEND_SLOT_GET_CLASS(self);
	if (klass->reset != NULL)
		klass->reset(self, kind);
}

void
cr_backend_slot_request_power_off(CrBackendSlot *self)
{
	CrBackendSlotClass *klass = CR_BACKEND_SLOT_GET_CLASS(self);
	if (klass->power_off != NULL)
		klass->power_off(self);
}

void
cr_backend_slot_set_card(CrBackendSlot *self, const guint8 *atr, gsize atr_len)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	g_autoptr(GBytes) bytes = g_bytes_new(atr, atr_len);
	gboolean same = p->state == CR_SLOT_STATE_PRESENT && p->atr != NULL &&
			g_bytes_equal(p->atr, bytes);
	if (!same) {
		g_autofree gchar *hex = cr_hex_encode(atr, atr_len);
		g_message("%s: card present, ATR %s (%zu bytes)", p->name, hex, atr_len);
	}
	g_clear_pointer(&p->atr, g_bytes_unref);
	p->atr = g_steal_pointer(&bytes);
	p->state = CR_SLOT_STATE_PRESENT;
	cr_engine_backend_changed(self, NULL);
}

void
cr_backend_slot_set_state(CrBackendSlot *self, CrSlotState state, const GError *reason)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	g_return_if_fail(state != CR_SLOT_STATE_PRESENT);
	if (p->state == state)
		return;
	if (reason != NULL)
		g_message("%s: %s: %s", p->name,
			  state == CR_SLOT_STATE_DOWN ? "unavailable" : "no card", reason->message);
	else
		g_message("%s: %s", p->name,
			  state == CR_SLOT_STATE_DOWN ? "unavailable" : "no card");
	p->state = state;
	g_clear_pointer(&p->atr, g_bytes_unref);
	cr_engine_backend_changed(self, reason);
}

static void
direct_fail(CrTransaction *tx, gint code, const gchar *message)
{
	cr_transaction_set_outcome(tx, NULL, 0, g_error_new_literal(CR_ERROR, code, message));
	tx->func(tx, tx->user_data);
}

void
cr_backend_slot_transmit(CrBackendSlot *self, CrTransaction *tx)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	g_return_if_fail(tx->frontend == NULL && tx->func != NULL);
	if (p->route != NULL) {
		direct_fail(tx, CR_ERROR_BUSY, "the backend slot is routed");
		return;
	}
	if (p->current != NULL) {
		direct_fail(tx, CR_ERROR_BUSY, "the backend slot is busy");
		return;
	}
	if (p->state != CR_SLOT_STATE_PRESENT) {
		direct_fail(tx, CR_ERROR_NO_CARD, "the backend slot has no card");
		return;
	}
	cr_backend_slot_send(self, tx);
}

void
cr_backend_slot_set_location(CrBackendSlot *self, const gchar *location)
{
	CrBackendSlotPrivate *p = cr_backend_slot_priv(self);
	g_free(p->location);
	p->location = g_strdup(location);
}

const gchar *
cr_backend_slot_get_location(CrBackendSlot *self)
{
	return cr_backend_slot_priv(self)->location;
}
