// SPDX-License-Identifier: GPL-2.0-or-later
/* One vpcd reader slot played as a card: the connection to vpcd and the
 * frontend slot it feeds. */
#pragma once

#include <cardroute/cardroute.h>

G_BEGIN_DECLS

#define VPCD_TYPE_SLOT (vpcd_slot_get_type())
G_DECLARE_FINAL_TYPE(VpcdSlot, vpcd_slot, VPCD, SLOT, CrFrontendSlot)

typedef enum {
	VPCD_MODE_CONNECT, /* vpcd listens, we connect (vpcd's normal mode) */
	VPCD_MODE_LISTEN,  /* we listen, vpcd connects (vpcd's reversed mode) */
} VpcdMode;

VpcdSlot *vpcd_slot_new(const gchar *name, const gchar *host, guint16 port, VpcdMode mode);
void vpcd_slot_start(VpcdSlot *self);
void vpcd_slot_stop(VpcdSlot *self);
void vpcd_slot_describe(VpcdSlot *self, GVariantDict *dict);

G_END_DECLS
