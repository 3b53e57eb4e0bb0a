// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "3B 9F:96 80" or "3b9f9680" -> bytes; spaces, tabs and colons between
 * digits are allowed. CR_ERROR_INVALID for anything else or an odd count. */
GBytes *cr_hex_decode(const gchar *text, GError **error);
/* bytes -> "3B9F9680" (upper case, no separators) */
gchar *cr_hex_encode(const guint8 *data, gsize len);

G_END_DECLS
