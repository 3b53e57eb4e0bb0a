// SPDX-License-Identifier: GPL-2.0-or-later
#include "cardroute/cr-event.h"
#include "cardroute/cr-plugin.h"
#include "cardroute/cr-route.h"
#include "cardroute/cr-types.h"

const gchar *
cr_slot_state_to_string(CrSlotState state)
{
	switch (state) {
	case CR_SLOT_STATE_DOWN:
		return "down";
	case CR_SLOT_STATE_EMPTY:
		return "empty";
	case CR_SLOT_STATE_PRESENT:
		return "present";
	}
	return "unknown";
}

const gchar *
cr_reset_kind_to_string(CrResetKind kind)
{
	return kind == CR_RESET_COLD ? "cold" : "warm";
}

static const gchar *const plugin_kinds[] = {"frontend", "backend", "tap", "control", NULL};

const gchar *
cr_plugin_kind_to_string(CrPluginKind kind)
{
	if ((guint)kind >= G_N_ELEMENTS(plugin_kinds) - 1)
		return "unknown";
	return plugin_kinds[kind];
}

gboolean
cr_plugin_kind_from_string(const gchar *str, CrPluginKind *kind)
{
	for (guint i = 0; plugin_kinds[i] != NULL; i++) {
		if (g_strcmp0(str, plugin_kinds[i]) == 0) {
			*kind = (CrPluginKind)i;
			return TRUE;
		}
	}
	return FALSE;
}

static const gchar *const loss_policies[] = {"error", "remove-card", "hold", NULL};

const gchar *
cr_loss_policy_to_string(CrLossPolicy policy)
{
	if ((guint)policy >= G_N_ELEMENTS(loss_policies) - 1)
		return "unknown";
	return loss_policies[policy];
}

gboolean
cr_loss_policy_from_string(const gchar *str, CrLossPolicy *out)
{
	for (guint i = 0; loss_policies[i] != NULL; i++) {
		if (g_strcmp0(str, loss_policies[i]) == 0) {
			*out = (CrLossPolicy)i;
			return TRUE;
		}
	}
	return FALSE;
}

static const gchar *const offer_cards[] = {"present", "always", NULL};

const gchar *
cr_offer_card_to_string(CrOfferCard offer)
{
	if ((guint)offer >= G_N_ELEMENTS(offer_cards) - 1)
		return "unknown";
	return offer_cards[offer];
}

gboolean
cr_offer_card_from_string(const gchar *str, CrOfferCard *out)
{
	for (guint i = 0; offer_cards[i] != NULL; i++) {
		if (g_strcmp0(str, offer_cards[i]) == 0) {
			*out = (CrOfferCard)i;
			return TRUE;
		}
	}
	return FALSE;
}

const gchar *
cr_event_type_to_string(CrEventType type)
{
	static const gchar *names[] = {
		"card",	       "slot-state",	"reset",      "power-off",    "transaction",
		"error",       "route-added",	"route-removed", "slot-added", "slot-removed",
	};
	if ((guint)type >= G_N_ELEMENTS(names))
		return "unknown";
	return names[type];
}
