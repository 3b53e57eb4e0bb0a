// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounded reading of a regular file: see cardroute/cr-file.h. Plain C and
 * GLib, no core: backend-vcard's card engine links it too. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cardroute/cr-file.h"

gboolean
cr_file_read_limited(const gchar *path, gsize max_size, GQuark domain, gint code,
		     gchar **contents, gsize *length, GError **error)
{
	g_autoptr(GByteArray) data = NULL;
	struct stat st;
	gint fd;

	/* O_NONBLOCK: opening a FIFO with no writer must not hang the start */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		gint saved = errno;
		g_set_error(error, domain, code, "cannot open: %s",
			    g_strerror(saved));
		return FALSE;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error_literal(error, domain, code,
				    "not a regular file (a FIFO, device or directory is refused)");
		return FALSE;
	}
	if ((guint64)st.st_size > max_size) {
		close(fd);
		g_set_error(error, domain, code,
			    "%" G_GUINT64_FORMAT " bytes, more than the limit of %" G_GSIZE_FORMAT
			    " bytes",
			    (guint64)st.st_size, max_size);
		return FALSE;
	}
	data = g_byte_array_sized_new((guint)st.st_size + 1);
	for (;;) {
		guint8 buf[16384];
		gssize n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gint saved = errno;
			close(fd);
			g_set_error(error, domain, code, "cannot read: %s",
				    g_strerror(saved));
			return FALSE;
		}
		if (n == 0)
			break;
		g_byte_array_append(data, buf, (guint)n);
		/* it grew while being read */
		if (data->len > max_size) {
			close(fd);
			g_set_error(error, domain, code,
				    "more than the limit of %" G_GSIZE_FORMAT " bytes", max_size);
			return FALSE;
		}
	}
	close(fd);
	*length = data->len;
	g_byte_array_append(data, (const guint8 *)"", 1);
	*contents = (gchar *)g_byte_array_free(g_steal_pointer(&data), FALSE);
	return TRUE;
}
