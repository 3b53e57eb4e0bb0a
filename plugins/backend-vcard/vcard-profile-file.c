// SPDX-License-Identifier: GPL-2.0-or-later
/* Reads a card profile file from disk, bounded, for vcard-profile.c's loader. */
#include "vcard-profile.h"

#include <cardroute/cr-file.h>

/* The profile file must be a regular file of at most VCARD_PROFILE_MAX_SIZE
 * bytes: a FIFO must not hang the start, /dev/zero or a huge file must not be
 * read whole (core/cr-file-read.c, shared with the core). */
static gchar *
read_profile_file(const gchar *path, gsize *len, GError **error)
{
	gchar *data = NULL;

	if (!cr_file_read_limited(path, VCARD_PROFILE_MAX_SIZE, VCARD_ERROR, VCARD_ERROR_IO, &data,
	                          len, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return data;
}

VcardProfile *
vcard_profile_load_file(const gchar *path, GError **error)
{
	gsize len = 0;
	g_autofree gchar *data = read_profile_file(path, &len, error);
	if (data == NULL)
		return NULL;
	return vcard_profile_load_data(data, len, path, error);
}
