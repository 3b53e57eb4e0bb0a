// SPDX-License-Identifier: GPL-2.0-or-later
/* Incoming transfer dispatch: see st2-host-in.h. */
#include "st2-host-in.h"

static gboolean
dispatch(const St2InOps *ops, gpointer ctx, gboolean irq, const struct st2_msg *msg)
{
	if (msg->msg_class == ST2_CLASS_CARDEM && msg->msg_type == ST2_CEMU_BD_STATUS) {
		struct st2_status st;

		if (!st2_status_decode(msg, &st))
			return FALSE;
		ops->status(ctx, &st, irq);
		return TRUE;
	}
	if (irq)
		return FALSE; /* the interrupt endpoint carries STATUS only */
	if (msg->msg_class == ST2_CLASS_CARDEM) {
		switch (msg->msg_type) {
		case ST2_CEMU_DO_RX_DATA: {
			struct st2_data d;

			if (!st2_data_decode(msg, &d))
				return FALSE;
			ops->rx_data(ctx, &d);
			return TRUE;
		}
		case ST2_CEMU_BD_CONFIG: {
			struct st2_config c;

			if (!st2_config_decode(msg, &c))
				return FALSE;
			ops->config(ctx, &c);
			return TRUE;
		}
		case ST2_CEMU_DO_PTS: {
			struct st2_pts p;

			if (!st2_pts_decode(msg, &p))
				return FALSE;
			ops->pts(ctx, &p);
			return TRUE;
		}
		default:
			return FALSE;
		}
	}
	if (msg->msg_class == ST2_CLASS_GENERIC && msg->msg_type == ST2_GEN_BD_BOARD_INFO) {
		struct st2_board_info info;

		if (!st2_board_info_decode(msg, &info))
			return FALSE;
		ops->board_info(ctx, &info);
		return TRUE;
	}
	return FALSE;
}

guint
st2_host_in_transfer(const St2InOps *ops, gpointer ctx, gboolean irq, const guint8 *buf, gsize len)
{
	struct st2_msg msg;
	size_t offset = 0;
	guint handled = 0;

	while (offset < len) {
		size_t start = offset;

		if (!st2_msg_next(buf, len, &offset, &msg)) {
			ops->ignored(ctx, len - start >= 2 ? buf[start] : 0,
			             len - start >= 2 ? buf[start + 1] : 0,
			             "truncated or malformed message");
			break;
		}
		if (dispatch(ops, ctx, irq, &msg))
			handled++;
		else
			ops->ignored(ctx, msg.msg_class, msg.msg_type,
			             irq ? "not a STATUS on the interrupt endpoint"
			                 : "unknown or malformed message");
	}
	return handled;
}
