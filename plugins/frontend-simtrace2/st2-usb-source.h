// SPDX-License-Identifier: GPL-2.0-or-later
/* libusb event handling as a GSource (see st2-usb-source.c). */
#pragma once

#include <glib.h>
#include <libusb.h>
#include <poll.h>

G_BEGIN_DECLS

/* A source that handles @ctx's events on the context it is attached to; its
 * callback (g_source_set_callback, a GSourceFunc) runs after each round. */
GSource *st2_usb_source_new(libusb_context *ctx);

G_END_DECLS
