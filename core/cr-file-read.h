// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * cr_file_get_contents_limited() (cardroute/cr-file.h) with the caller's error
 * @domain and @code, for code built without the core (backend-vcard's card
 * engine). The messages do not name @path: "cannot open: ...", "not a
 * regular file (...)", "N bytes, more than the limit of M bytes",
 * "cannot read: ...".
 */
gboolean cr_file_read_limited(const gchar *path, gsize max_size, GQuark domain, gint code,
			      gchar **contents, gsize *length, GError **error);

G_END_DECLS
