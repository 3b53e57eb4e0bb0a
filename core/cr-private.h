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
	CrStats stats;
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
