// SPDX-License-Identifier: GPL-2.0-or-later
#include "gsmtap-pcap.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "gsmtap-encode.h"

#define WRITE_BUFFER_SIZE (64 * 1024)

guint16
gsmtap_inet_checksum(const guint8 *data, gsize len, guint32 initial)
{
	guint32 sum = initial;

	for (gsize i = 0; i + 1 < len; i += 2)
		sum += ((guint32)data[i] << 8) | data[i + 1];
	if (len & 1)
		sum += (guint32)data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (guint16)~sum;
}

static void
put_be16(guint8 *p, guint16 v)
{
	p[0] = (guint8)(v >> 8);
	p[1] = (guint8)v;
}

static void
put_le16(guint8 *p, guint16 v)
{
	p[0] = (guint8)v;
	p[1] = (guint8)(v >> 8);
}

static void
put_le32(guint8 *p, guint32 v)
{
	p[0] = (guint8)v;
	p[1] = (guint8)(v >> 8);
	p[2] = (guint8)(v >> 16);
	p[3] = (guint8)(v >> 24);
}

void
gsmtap_ipv4_udp_header(guint8 out[GSMTAP_PCAP_IP_UDP_LEN], guint16 ip_id, guint16 src_port,
                       const guint8 *payload, gsize payload_len)
{
	static const guint8 loopback[4] = {127, 0, 0, 1};
	guint8 *ip = out;
	guint8 *udp = out + 20;
	guint16 udp_len = (guint16)(8 + payload_len);
	guint8 pseudo[12];
	guint32 partial = 0;
	guint16 sum;

	memset(out, 0, GSMTAP_PCAP_IP_UDP_LEN);
	ip[0] = 0x45; /* version 4, 5 words */
	put_be16(ip + 2, (guint16)(20 + udp_len));
	put_be16(ip + 4, ip_id);
	ip[6] = 0x40; /* don't fragment */
	ip[8] = 64;   /* TTL */
	ip[9] = 17;   /* UDP */
	memcpy(ip + 12, loopback, 4);
	memcpy(ip + 16, loopback, 4);
	put_be16(ip + 10, gsmtap_inet_checksum(ip, 20, 0));

	put_be16(udp + 0, src_port);
	put_be16(udp + 2, GSMTAP_UDP_PORT);
	put_be16(udp + 4, udp_len);

	/* UDP checksum over pseudo header, UDP header and payload: sum the
	 * parts uncomplemented (each part has an even length but the last). */
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	put_be16(pseudo + 10, udp_len);
	partial = (guint16)~gsmtap_inet_checksum(pseudo, sizeof(pseudo), 0);
	partial += (guint16)~gsmtap_inet_checksum(udp, 8, 0);
	sum = gsmtap_inet_checksum(payload, payload_len, partial);
	put_be16(udp + 6, sum == 0 ? 0xffff : sum);
}

void
gsmtap_pcap_file_header(guint8 out[GSMTAP_PCAP_FILE_HDR_LEN])
{
	put_le32(out + 0, 0xa1b2c3d4);
	put_le16(out + 4, 2);
	put_le16(out + 6, 4);
	put_le32(out + 8, 0);  /* thiszone */
	put_le32(out + 12, 0); /* sigfigs */
	put_le32(out + 16, GSMTAP_PCAP_SNAPLEN);
	put_le32(out + 20, GSMTAP_PCAP_LINKTYPE_IPV4);
}

void
gsmtap_pcap_record_header(guint8 out[GSMTAP_PCAP_REC_HDR_LEN], gint64 wall_time_us, guint32 len)
{
	if (wall_time_us < 0)
		wall_time_us = 0;
	put_le32(out + 0, (guint32)(wall_time_us / G_USEC_PER_SEC));
	put_le32(out + 4, (guint32)(wall_time_us % G_USEC_PER_SEC));
	put_le32(out + 8, len);
	put_le32(out + 12, len);
}

struct _GsmtapPcapWriter {
	gchar *path;
	guint64 max_size;
	guint max_files;
	FILE *file;
	guint64 size;  /* bytes in the current file */
	guint records; /* records in the current file */
	guint16 ip_id;
	guint next_index; /* the number the next rotated file gets */
	GArray *rotated;  /* guint numbers of PATH.N files, oldest first */
	guint rotations;
};

static gint
compare_uint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

/* Finds the PATH.N files already there. */
static void
scan_rotated(GsmtapPcapWriter *self)
{
	g_autofree gchar *dir = g_path_get_dirname(self->path);
	g_autofree gchar *base = g_path_get_basename(self->path);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	gsize base_len = strlen(base);
	const gchar *name;

	self->next_index = 1;
	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		guint64 n;
		gchar *end = NULL;

		if (strncmp(name, base, base_len) != 0 || name[base_len] != '.' ||
		    !g_ascii_isdigit(name[base_len + 1]))
			continue;
		n = g_ascii_strtoull(name + base_len + 1, &end, 10);
		if (end == NULL || *end != '\0' || n == 0 || n >= G_MAXUINT)
			continue;
		g_array_append_val(self->rotated, n);
		if (n >= self->next_index)
			self->next_index = (guint)n + 1;
	}
	g_array_sort(self->rotated, compare_uint);
}

static gboolean
set_errno_error(GError **error, int saved_errno, const gchar *what, const gchar *path)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno), "%s %s: %s", what,
	            path, g_strerror(saved_errno));
	return FALSE;
}

/* Renames PATH to PATH.N and drops the oldest rotated files beyond max_files. */
static gboolean
rotate_away(GsmtapPcapWriter *self, GError **error)
{
	g_autofree gchar *target = g_strdup_printf("%s.%u", self->path, self->next_index);

	if (g_rename(self->path, target) != 0)
		return set_errno_error(error, errno, "cannot rename", self->path);
	g_array_append_val(self->rotated, self->next_index);
	self->next_index++;
	self->rotations++;
	while (self->max_files > 0 && self->rotated->len > self->max_files) {
		guint oldest = g_array_index(self->rotated, guint, 0);
		g_autofree gchar *old = g_strdup_printf("%s.%u", self->path, oldest);

		(void)g_unlink(old);
		g_array_remove_index(self->rotated, 0);
	}
	return TRUE;
}

static gboolean
open_new_file(GsmtapPcapWriter *self, GError **error)
{
	guint8 hdr[GSMTAP_PCAP_FILE_HDR_LEN];
	GStatBuf st;

	/* Never overwrite an earlier trace: move it aside first. */
	if (g_stat(self->path, &st) == 0 && st.st_size > 0 && !rotate_away(self, error))
		return FALSE;
	self->file = g_fopen(self->path, "wb");
	if (self->file == NULL)
		return set_errno_error(error, errno, "cannot open", self->path);
	setvbuf(self->file, NULL, _IOFBF, WRITE_BUFFER_SIZE);
	gsmtap_pcap_file_header(hdr);
	if (fwrite(hdr, sizeof(hdr), 1, self->file) != 1) {
		int saved = errno;

		fclose(self->file);
		self->file = NULL;
		return set_errno_error(error, saved, "cannot write", self->path);
	}
	self->size = sizeof(hdr);
	self->records = 0;
	return TRUE;
}

GsmtapPcapWriter *
gsmtap_pcap_writer_open(const gchar *path, guint64 max_size, guint max_files, GError **error)
{
	GsmtapPcapWriter *self = g_new0(GsmtapPcapWriter, 1);

	self->path = g_strdup(path);
	self->max_size = max_size;
	self->max_files = max_files;
	self->rotated = g_array_new(FALSE, FALSE, sizeof(guint));
	scan_rotated(self);
	if (!open_new_file(self, error)) {
		gsmtap_pcap_writer_close(self);
		return NULL;
	}
	return self;
}

static void
close_file(GsmtapPcapWriter *self)
{
	if (self->file != NULL)
		fclose(self->file);
	self->file = NULL;
}

static gboolean
fail_io(GsmtapPcapWriter *self, int saved_errno, GError **error)
{
	close_file(self);
	return set_errno_error(error, saved_errno != 0 ? saved_errno : EIO, "cannot write",
	                       self->path);
}

gboolean
gsmtap_pcap_writer_write(GsmtapPcapWriter *self, gint64 wall_time_us, guint16 src_port,
                         const guint8 *datagram, gsize len, GError **error)
{
	guint8 rec[GSMTAP_PCAP_REC_HDR_LEN];
	guint8 ipudp[GSMTAP_PCAP_IP_UDP_LEN];
	gsize total;

	if (self->file == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_BADF, "%s is closed after an error",
		            self->path);
		return FALSE;
	}
	if (len > GSMTAP_MAX_DATAGRAM)
		len = GSMTAP_MAX_DATAGRAM;
	total = sizeof(rec) + sizeof(ipudp) + len;
	if (self->max_size > 0 && self->records > 0 && self->size + total > self->max_size) {
		if (fflush(self->file) != 0)
			return fail_io(self, errno, error);
		close_file(self);
		if (!open_new_file(self, error))
			return FALSE;
	}
	gsmtap_pcap_record_header(rec, wall_time_us, (guint32)(sizeof(ipudp) + len));
	gsmtap_ipv4_udp_header(ipudp, self->ip_id++, src_port, datagram, len);
	errno = 0;
	if (fwrite(rec, sizeof(rec), 1, self->file) != 1 ||
	    fwrite(ipudp, sizeof(ipudp), 1, self->file) != 1 ||
	    (len > 0 && fwrite(datagram, len, 1, self->file) != 1))
		return fail_io(self, errno, error);
	self->size += total;
	self->records++;
	return TRUE;
}

gboolean
gsmtap_pcap_writer_flush(GsmtapPcapWriter *self, GError **error)
{
	if (self->file == NULL)
		return TRUE;
	errno = 0;
	if (fflush(self->file) != 0)
		return fail_io(self, errno, error);
	return TRUE;
}

gboolean
gsmtap_pcap_writer_reopen(GsmtapPcapWriter *self, GError **error)
{
	close_file(self);
	return open_new_file(self, error);
}

gboolean
gsmtap_pcap_writer_is_open(GsmtapPcapWriter *self)
{
	return self->file != NULL;
}

guint
gsmtap_pcap_writer_get_rotations(GsmtapPcapWriter *self)
{
	return self->rotations;
}

void
gsmtap_pcap_writer_close(GsmtapPcapWriter *self)
{
	if (self == NULL)
		return;
	close_file(self);
	g_array_unref(self->rotated);
	g_free(self->path);
	g_free(self);
}
