// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Incoming USB transfers of a cardem interface: split into messages (the
 * shared codec, firmware/include/st2/st2-proto.h), decoded, length-checked and
 * handed to callbacks. Pure: no I/O. This is what fuzz-st2-host-in feeds.
 */
#pragma once

#include <glib.h>

#include "st2/st2-proto.h"

G_BEGIN_DECLS

typedef struct {
	void (*rx_data)(gpointer ctx, const struct st2_data *data);
	void (*status)(gpointer ctx, const struct st2_status *status, gboolean irq);
	void (*config)(gpointer ctx, const struct st2_config *config);
	void (*pts)(gpointer ctx, const struct st2_pts *pts);
	void (*board_info)(gpointer ctx, const struct st2_board_info *info);
	/* a message that is malformed or not for this endpoint: @why says which */
	void (*ignored)(gpointer ctx, guint8 msg_class, guint8 msg_type, const gchar *why);
} St2InOps;

/* One IN transfer from the bulk (@irq FALSE) or the interrupt endpoint.
 * Returns the number of messages handed to a callback other than ignored. */
guint st2_host_in_transfer(const St2InOps *ops, gpointer ctx, gboolean irq, const guint8 *buf,
                           gsize len);

G_END_DECLS
