// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounded reading of configuration-side files: see cr-file.h. */
#define G_LOG_DOMAIN "cardroute"

#include "cardroute/cr-error.h"
#include "cardroute/cr-file.h"

gboolean
cr_file_get_contents_limited(const gchar *path, gsize max_size, gchar **contents,
			     gsize *length, GError **error)
{
	return cr_file_read_limited(path, max_size, CR_ERROR, CR_ERROR_CONFIG, contents, length,
				    error);
}
