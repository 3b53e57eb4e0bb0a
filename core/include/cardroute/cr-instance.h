// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib-object.h>

#include "cr-plugin.h"
#include "cr-types.h"

G_BEGIN_DECLS

/*
 * A plugin instance: one INI section such as [backend:sim1]. Plugins derive
 * from it, create their slots in their create function and start their I/O in
 * start(). Every slot belongs to exactly one instance.
 */
#define CR_TYPE_INSTANCE (cr_instance_get_type())
G_DECLARE_DERIVABLE_TYPE(CrInstance, cr_instance, CR, INSTANCE, GObject)

struct _CrInstanceClass {
	GObjectClass parent_class;

	/* Start I/O (sockets, threads, USB). Called once, after every instance
	 * was created and every slot registered. */
	gboolean (*start)(CrInstance *self, GError **error);
	/* Stop I/O. The core has already finished every transaction. */
	void (*stop)(CrInstance *self);
	/* Adds "key": value pairs that describe the running instance (REST,
	 * --check-config). Optional. */
	void (*describe)(CrInstance *self, GVariantDict *dict);

	gpointer padding[8];
};

const gchar *cr_instance_get_name(CrInstance *self);
const gchar *cr_instance_get_plugin_name(CrInstance *self);
CrPluginKind cr_instance_get_kind(CrInstance *self);
CrRouter *cr_instance_get_router(CrInstance *self);

/* What the plugin's describe() says (an a{sv}, empty without one): link
 * states, peers, last errors, for REST, D-Bus and --check-config. */
GVariant *cr_instance_describe(CrInstance *self);

/* Slot registration; a slot added after start is registered with the router
 * at once (hotplugged boards, RSPRO clients). */
gboolean cr_instance_add_frontend_slot(CrInstance *self, CrFrontendSlot *slot, GError **error);
gboolean cr_instance_add_backend_slot(CrInstance *self, CrBackendSlot *slot, GError **error);
/* Removes a slot: its route loses it (transactions get their outcome). */
void cr_instance_remove_frontend_slot(CrInstance *self, CrFrontendSlot *slot);
void cr_instance_remove_backend_slot(CrInstance *self, CrBackendSlot *slot);
/* Borrowed arrays of the instance's slots. */
GPtrArray *cr_instance_get_frontend_slots(CrInstance *self);
GPtrArray *cr_instance_get_backend_slots(CrInstance *self);

G_END_DECLS
