// SPDX-License-Identifier: GPL-2.0-or-later
/* Internals shared by the core's files; never installed. */
#pragma once

#include "cardroute/cardroute.h"

G_BEGIN_DECLS

struct _CrTransaction {
	guint64 id;
	GByteArray *command;
	GByteArray *response;
	GError *error;
	gint64 submit_us;
	gint64 done_us;
	gboolean done;
	gboolean has_response;
	CrFrontendSlot *frontend; /* routed transactions: the slot that owns it */
	CrBackendSlot *backend;	  /* the backend holding it right now */
	CrTransactionFunc func;	  /* standalone transactions */
	gpointer user_data;
};

/* cr-transaction.c */
CrTransaction *cr_transaction_new_for_frontend(CrFrontendSlot *frontend);
void cr_transaction_begin(CrTransaction *tx, const guint8 *command, gsize len);
void cr_transaction_set_outcome(CrTransaction *tx, const guint8 *response, gsize len,
				GError *error);

/* cr-frontend-slot.c */
typedef struct {
	gchar *name;
	CrInstance *instance; /* weak */
	CrRouter *router;     /* weak */
	CrRoute *route;	      /* weak: the route holds the slot */
	GBytes *atr;	      /* what the terminal was told */
	CrSlotState state;
	CrTransaction *tx;
	gboolean busy;	      /* a transaction is in flight */
	gboolean sent;	      /* ... and the backend holds it */
	gboolean held;	      /* ... and waits for the backend (hold policy) */
	gboolean withdrawn;   /* remove-card told the terminal the card is gone */
	gboolean error_logged; /* the outcome's error was logged already (rate-limited) */
	CrSlotCaps caps;       /* zeroed: CR_SLOT_CAPS_DEFAULT */
	CrTimer deadline; /* on the reactor: arming costs no system call */
	gboolean deadline_ready;
	gint64 deadline_us;
	CrStats stats;
} CrFrontendSlotPrivate;

CrFrontendSlotPrivate *cr_frontend_slot_priv(CrFrontendSlot *self);
void cr_frontend_slot_attach(CrFrontendSlot *self, CrInstance *instance, CrRouter *router);
/* core -> frontend, with the change check and the event */
void cr_frontend_slot_tell_card(CrFrontendSlot *self, GBytes *atr);
void cr_frontend_slot_tell_route(CrFrontendSlot *self, CrRoute *route);
void cr_frontend_slot_arm_deadline(CrFrontendSlot *self, gint64 deadline_us);

/* cr-backend-slot.c */
typedef struct {
	gchar *name;
	CrInstance *instance;
	CrRouter *router;
	CrRoute *route;
	CrSlotState state;
	GBytes *atr;
	CrTransaction *current; /* held by the backend right now */
	CrSlotCaps caps;	/* zeroed: CR_SLOT_CAPS_DEFAULT */
	CrStats stats;
	gchar *location; /* where the card is (a reader name), or NULL */
} CrBackendSlotPrivate;

CrBackendSlotPrivate *cr_backend_slot_priv(CrBackendSlot *self);
void cr_backend_slot_attach(CrBackendSlot *self, CrInstance *instance, CrRouter *router);
/* hands @tx to the backend's transmit(); the core has checked the state */
void cr_backend_slot_send(CrBackendSlot *self, CrTransaction *tx);
/* takes @tx back from the backend (cancel vfunc) if it holds it */
void cr_backend_slot_take_back(CrBackendSlot *self, CrTransaction *tx);
void cr_backend_slot_request_reset(CrBackendSlot *self, CrResetKind kind);
void cr_backend_slot_request_power_off(CrBackendSlot *self);

/* cr-route.c */
CrRoute *cr_route_new(const gchar *name, guint index, CrFrontendSlot *frontend,
		      CrBackendSlot *backend, const CrRoutePolicy *policy, gboolean configured);
CrStats *cr_route_stats(CrRoute *self);
void cr_route_detach(CrRoute *self);
/* the route's limiter for capability refusals, made at first use */
CrLogLimiter *cr_route_caps_log(CrRoute *self);

/* The transaction path's quick test: a short command of at most 261 bytes
 * between two ends that carry every short APDU (zeroed caps are the default,
 * which does). FALSE: ask cr_slot_caps_check_command(). */
static inline gboolean
cr_slot_caps_short_ok(const CrSlotCaps *caps, gsize len)
{
	return caps->protocols == 0 || (caps->max_command >= len &&
					caps->max_response >= CR_SLOT_CAPS_SHORT_MAX_RESPONSE);
}

static inline gboolean
cr_slot_caps_quick_ok(const CrSlotCaps *frontend, const CrSlotCaps *backend,
		      const guint8 *command, gsize len)
{
	return len <= CR_SLOT_CAPS_SHORT_MAX_COMMAND && (len < 7 || command[4] != 0) &&
	       cr_slot_caps_short_ok(frontend, len) && cr_slot_caps_short_ok(backend, len);
}

/* cr-apdu-needs.c: does @command use extended length fields (consistent ones
 * only), and what answer length does it insist on (Ne + 2 for an explicit Le;
 * 2 without Le or with Le = 00 / 0000, "as much as there is")? */
void cr_apdu_command_needs(const guint8 *command, gsize len, gboolean *extended,
			   gsize *response);

/* cr-slot-caps.c: can both ends of @route carry @command and its answer, and
 * can the frontend carry a response of @response_len bytes? FALSE with
 * @error set (CR_ERROR_NOT_SUPPORTED) and one rate-limited log line. */
gboolean cr_slot_caps_check_command(CrRoute *route, const guint8 *command, gsize len,
				    GError **error);
gboolean cr_slot_caps_check_response(CrRoute *route, gsize response_len, GError **error);

/* cr-instance.c */
void cr_instance_setup(CrInstance *self, CrRouter *router, const gchar *name,
		       const gchar *plugin_name, CrPluginKind kind);
void cr_instance_set_registered(CrInstance *self, gboolean registered);

/* cr-engine.c: the transaction path */
void cr_engine_submit(CrFrontendSlot *frontend, const guint8 *command, gsize len);
void cr_engine_transaction_returned(CrTransaction *tx);
void cr_engine_deadline(CrFrontendSlot *frontend);
void cr_engine_frontend_reset(CrFrontendSlot *frontend, gboolean power_off, CrResetKind kind);
void cr_engine_backend_changed(CrBackendSlot *backend, const GError *reason);
/* ends a transaction in flight with @error (no response) */
void cr_engine_abort(CrFrontendSlot *frontend, GError *error);

/* cr-router.c */
void cr_router_emit(CrRouter *self, CrEvent *event);
gboolean cr_router_has_hooks(CrRouter *self);
gboolean cr_router_register_frontend(CrRouter *self, CrFrontendSlot *slot, GError **error);
gboolean cr_router_register_backend(CrRouter *self, CrBackendSlot *slot, GError **error);
void cr_router_unregister_frontend(CrRouter *self, CrFrontendSlot *slot);
void cr_router_unregister_backend(CrRouter *self, CrBackendSlot *slot);
void cr_router_transaction_finished(CrRouter *self);
guint64 cr_router_next_transaction_id(void);
gboolean cr_log_traffic(void);

/* cr-plugin-loader.c */
const CrPluginDescriptor *cr_plugin_loader_load(const gchar *search_path, const gchar *name,
						gchar **path_out, GError **error);
/* every plugin found in the search path: name -> path (for listings) */
GHashTable *cr_plugin_loader_scan(const gchar *search_path);

G_END_DECLS
