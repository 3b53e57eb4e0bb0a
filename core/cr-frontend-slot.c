// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include "cr-private.h"

G_DEFINE_TYPE_WITH_PRIVATE(CrFrontendSlot, cr_frontend_slot, G_TYPE_OBJECT)

enum { PROP_0, PROP_NAME, N_PROPS };
static GParamSpec *props[N_PROPS];

CrFrontendSlotPrivate *
cr_frontend_slot_priv(CrFrontendSlot *self)
{
	return cr_frontend_slot_get_instance_private(self);
}

static void
deadline_cb(CrTimer *timer, gpointer user_data)
{
	cr_engine_deadline(CR_FRONTEND_SLOT(user_data));
}

/* The transaction deadline is a reactor timer: arming and cancelling it are
 * heap operations, with no system call and no wake-up of the main context
 * (a GSource ready time would signal the context's eventfd each time). */
void
cr_frontend_slot_arm_deadline(CrFrontendSlot *self, gint64 deadline_us)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(self);
	if (p->deadline_us == deadline_us)
		return;
	p->deadline_us = deadline_us;
	if (deadline_us < 0) {
		if (p->deadline_ready)
			cr_timer_cancel(&p->deadline);
		return;
	}
	if (!p->deadline_ready) {
		cr_timer_init(&p->deadline, NULL, deadline_cb, self);
		p->deadline_ready = TRUE;
	}
	cr_timer_arm_at(&p->deadline, deadline_us);
}

static void
cr_frontend_slot_get_property(GObject *obj, guint id, GValue *value, GParamSpec *pspec)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(CR_FRONTEND_SLOT(obj));
	switch (id) {
	case PROP_NAME:
		g_value_set_string(value, p->name);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
	}
}

static void
cr_frontend_slot_set_property(GObject *obj, guint id, const GValue *value, GParamSpec *pspec)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(CR_FRONTEND_SLOT(obj));
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
cr_frontend_slot_finalize(GObject *obj)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(CR_FRONTEND_SLOT(obj));
	if (p->deadline_ready)
		cr_timer_cancel(&p->deadline);
	cr_transaction_free(p->tx);
	g_clear_pointer(&p->atr, g_bytes_unref);
	cr_stats_clear(&p->stats);
	g_free(p->name);
	G_OBJECT_CLASS(cr_frontend_slot_parent_class)->finalize(obj);
}

static void
cr_frontend_slot_class_init(CrFrontendSlotClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->get_property = cr_frontend_slot_get_property;
	object_class->set_property = cr_frontend_slot_set_property;
	object_class->finalize = cr_frontend_slot_finalize;
	props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL,
					       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
						       G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, props);
}

static void
cr_frontend_slot_init(CrFrontendSlot *self)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(self);
	p->tx = cr_transaction_new_for_frontend(self);
	p->state = CR_SLOT_STATE_DOWN;
	p->deadline_us = -1;
}

void
cr_frontend_slot_attach(CrFrontendSlot *self, CrInstance *instance, CrRouter *router)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(self);
	p->instance = instance;
	p->router = router;
}

const gchar *
cr_frontend_slot_get_name(CrFrontendSlot *self)
{
	return cr_frontend_slot_priv(self)->name;
}

CrInstance *
cr_frontend_slot_get_instance(CrFrontendSlot *self)
{
	return cr_frontend_slot_priv(self)->instance;
}

CrRouter *
cr_frontend_slot_get_router(CrFrontendSlot *self)
{
	return cr_frontend_slot_priv(self)->router;
}

CrRoute *
cr_frontend_slot_get_route(CrFrontendSlot *self)
{
	return cr_frontend_slot_priv(self)->route;
}

GBytes *
cr_frontend_slot_get_atr(CrFrontendSlot *self)
{
	return cr_frontend_slot_priv(self)->atr;
}

CrSlotState
cr_frontend_slot_get_state(CrFrontendSlot *self)
{
	return cr_frontend_slot_priv(self)->state;
}

gboolean
cr_frontend_slot_is_busy(CrFrontendSlot *self)
{
	return cr_frontend_slot_priv(self)->busy;
}

const CrStats *
cr_frontend_slot_get_stats(CrFrontendSlot *self)
{
	return &cr_frontend_slot_priv(self)->stats;
}

void
cr_frontend_slot_submit(CrFrontendSlot *self, const guint8 *command, gsize len)
{
	g_return_if_fail(CR_IS_FRONTEND_SLOT(self));
	cr_engine_submit(self, command, len);
}

void
cr_frontend_slot_reset(CrFrontendSlot *self, CrResetKind kind)
{
	g_return_if_fail(CR_IS_FRONTEND_SLOT(self));
	cr_engine_frontend_reset(self, FALSE, kind);
}

void
cr_frontend_slot_power_off(CrFrontendSlot *self)
{
	g_return_if_fail(CR_IS_FRONTEND_SLOT(self));
	cr_engine_frontend_reset(self, TRUE, CR_RESET_COLD);
}

void
cr_frontend_slot_set_state(CrFrontendSlot *self, CrSlotState state, const GError *reason)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(self);
	CrEvent ev = {0};
	if (p->state == state)
		return;
	p->state = state;
	if (reason != NULL)
		g_message("%s: %s (%s)", p->name, cr_slot_state_to_string(state),
			  reason->message);
	else
		g_message("%s: %s", p->name, cr_slot_state_to_string(state));
	if (p->router == NULL)
		return;
	ev.type = CR_EVENT_SLOT_STATE;
	ev.frontend = self;
	ev.route = p->route;
	ev.state = state;
	ev.error = reason;
	cr_router_emit(p->router, &ev);
}

void
cr_frontend_slot_tell_card(CrFrontendSlot *self, GBytes *atr)
{
	CrFrontendSlotPrivate *p = cr_frontend_slot_priv(self);
	CrFrontendSlotClass *klass = CR_FRONTEND_SLOT_GET_CLASS(self);
	CrEvent ev = {0};
	if (atr != NULL)
		g_bytes_ref(atr);
	g_clear_pointer(&p->atr, g_bytes_unref);
	p->atr = atr;
	if (p->router != NULL) {
		ev.type = CR_EVENT_CARD;
		ev.frontend = self;
		ev.route = p->route;
		ev.backend = p->route != NULL ? cr_route_get_backend(p->route) : NULL;
		ev.state = atr != NULL ? CR_SLOT_STATE_PRESENT : CR_SLOT_STATE_EMPTY;
		ev.atr = atr;
		ev.terminal_view = TRUE;
		cr_router_emit(p->router, &ev);
	}
	if (klass->card_changed != NULL)
		klass->card_changed(self, atr);
}

void
cr_frontend_slot_tell_route(CrFrontendSlot *self, CrRoute *route)
{
	CrFrontendSlotClass *klass = CR_FRONTEND_SLOT_GET_CLASS(self);
	cr_frontend_slot_priv(self)->route = route;
	if (klass->route_changed != NULL)
		klass->route_changed(self, route);
}
