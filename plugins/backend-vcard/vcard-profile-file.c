// SPDX-License-Identifier: GPL-2.0-or-later
/* Reads a card profile file from disk, bounded, for vcard-profile.c's loader. */
#include "vcard-profile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The profile file must be a regular file of at most VCARD_PROFILE_MAX_SIZE
 * bytes: a FIFO must not hang the start, /dev/zero or a huge file must not be
 * read whole. */
static gchar *
read_profile_file(const gchar *path, gsize *len, GError **error)
{
	g_autoptr(GByteArray) data = NULL;
	struct stat st;
	gint fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		gint saved = errno;
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_IO, "%s: cannot open: %s", path,
			    g_strerror(saved));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_IO,
			    "%s: not a regular file (a FIFO, device or directory is refused)", path);
		return NULL;
	}
	if ((guint64)st.st_size > VCARD_PROFILE_MAX_SIZE) {
		close(fd);
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_IO,
			    "%s: %" G_GUINT64_FORMAT " bytes, more than the limit of %u bytes", path,
			    (guint64)st.st_size, VCARD_PROFILE_MAX_SIZE);
		return NULL;
	}
	data = g_byte_array_sized_new((guint)st.st_size + 1);
	for (;;) {
		guint8 buf[16384];
		gssize n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || data->len + (gsize)MAX(n, 0) > VCARD_PROFILE_MAX_SIZE) {
			gint saved = errno;
			close(fd);
			g_set_error(error, VCARD_ERROR, VCARD_ERROR_IO, "%s: %s", path,
				    n < 0 ? g_strerror(saved) : "grew over the size limit");
			return NULL;
		}
		if (n == 0)
			break;
		g_byte_array_append(data, buf, (guint)n);
	}
	close(fd);
	*len = data->len;
	g_byte_array_append(data, (const guint8 *)"", 1);
	return (gchar *)g_byte_array_free(g_steal_pointer(&data), FALSE);
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
