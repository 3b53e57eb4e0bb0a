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

/*
 * The same with the caller's error @domain and @code, for a plugin that
 * reports file errors in its own domain, and for code built without the
 * core (backend-vcard's card engine links core/cr-file-read.c as a static
 * library). The messages do not name @path: "cannot open: ...", "not a
 * regular file (...)", "N bytes, more than the limit of M bytes",
 * "cannot read: ...".
 */
gboolean cr_file_read_limited(const gchar *path, gsize max_size, GQuark domain, gint code,
			      gchar **contents, gsize *length, GError **error);

G_END_DECLS
