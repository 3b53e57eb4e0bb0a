// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib-object.h>

#include "cr-stats.h"
#include "cr-types.h"

G_BEGIN_DECLS

/* What the terminal gets when the backend is slow or gone. */
typedef enum {
	CR_LOSS_POLICY_ERROR,	    /* answer the status word `error-sw` */
	CR_LOSS_POLICY_REMOVE_CARD, /* tell the frontend the card is gone */
	CR_LOSS_POLICY_HOLD,	    /* keep the terminal waiting, up to the timeout */
} CrLossPolicy;

/* Whether the terminal is offered a card while the route's card is not there. */
typedef enum {
	CR_OFFER_CARD_PRESENT, /* only once the backend card is present (mute/no card before) */
	CR_OFFER_CARD_ALWAYS,  /* from the start: commands get the loss policy's outcome */
} CrOfferCard;

typedef struct {
	guint timeout_ms;	    /* one transaction at most; 0 = no limit */
	CrLossPolicy on_backend_loss; /* also applied when the timeout fires */
	guint16 error_sw;	    /* default 0x6F00 */
	gboolean forward_reset;	    /* terminal resets/power-off reach the backend */
	CrOfferCard offer_card;	    /* read by frontends through cr_route_get_policy() */
} CrRoutePolicy;

#define CR_ROUTE_POLICY_INIT {30000, CR_LOSS_POLICY_ERROR, 0x6F00, TRUE, CR_OFFER_CARD_PRESENT}

const gchar *cr_loss_policy_to_string(CrLossPolicy policy);
gboolean cr_loss_policy_from_string(const gchar *str, CrLossPolicy *out);
const gchar *cr_offer_card_to_string(CrOfferCard offer);
gboolean cr_offer_card_from_string(const gchar *str, CrOfferCard *out);

#define CR_TYPE_ROUTE (cr_route_get_type())
G_DECLARE_FINAL_TYPE(CrRoute, cr_route, CR, ROUTE, GObject)

const gchar *cr_route_get_name(CrRoute *self);
/* Small stable number (1, 2, ...) for headers that want one (GSMTAP). */
guint cr_route_get_index(CrRoute *self);
CrFrontendSlot *cr_route_get_frontend(CrRoute *self);
CrBackendSlot *cr_route_get_backend(CrRoute *self);
const CrRoutePolicy *cr_route_get_policy(CrRoute *self);
/* TRUE when the route comes from the INI file (not made at run time). */
gboolean cr_route_is_configured(CrRoute *self);
const CrStats *cr_route_get_stats(CrRoute *self);
gint64 cr_route_get_created_time(CrRoute *self); /* wall clock µs */

G_END_DECLS
