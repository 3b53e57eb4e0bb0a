// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Reads a whole configuration-side file (a card profile, a slot CSV) that
 * must be a regular file of at most @max_size bytes. A FIFO, a device
 * (/dev/zero), a directory, or a file over the limit is refused with a
 * CR_ERROR_CONFIG naming the reason, without blocking and without reading
 * more than @max_size + 1 bytes. The contents are NUL-terminated (not
 * counted in @length).
 */
gboolean cr_file_get_contents_limited(const gchar *path, gsize max_size, gchar **contents,
				      gsize *length, GError **error);

G_END_DECLS
