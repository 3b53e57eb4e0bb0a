// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Classic pcap files of GSMTAP datagrams, wrapped in IPv4/UDP (link type
 * LINKTYPE_IPV4 = 228) from 127.0.0.1:(30000 + route index) to
 * 127.0.0.1:4729, so Wireshark picks its GSMTAP dissector by port without
 * "decode as". Depends on GLib and stdio only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GSMTAP_PCAP_LINKTYPE_IPV4 228
#define GSMTAP_PCAP_SNAPLEN 65535
#define GSMTAP_PCAP_FILE_HDR_LEN 24
#define GSMTAP_PCAP_REC_HDR_LEN 16
#define GSMTAP_PCAP_IP_UDP_LEN 28
/* UDP source port of a route's frames in pcap files: base + route index. */
#define GSMTAP_PCAP_SRC_PORT_BASE 30000

/* The Internet checksum (RFC 1071) of @len bytes, folded and complemented. */
guint16 gsmtap_inet_checksum(const guint8 *data, gsize len, guint32 initial);

/*
 * Writes IPv4 (20 bytes, with its header checksum) + UDP (8 bytes, with its
 * checksum) headers for @payload_len bytes from 127.0.0.1:@src_port to
 * 127.0.0.1:4729 into @out. The UDP checksum covers @payload.
 */
void gsmtap_ipv4_udp_header(guint8 out[GSMTAP_PCAP_IP_UDP_LEN], guint16 ip_id, guint16 src_port,
                            const guint8 *payload, gsize payload_len);

/* The 24-byte global header (µs timestamps, little-endian magic a1b2c3d4). */
void gsmtap_pcap_file_header(guint8 out[GSMTAP_PCAP_FILE_HDR_LEN]);
/* A 16-byte record header for a packet of @len bytes at @wall_time_us. */
void gsmtap_pcap_record_header(guint8 out[GSMTAP_PCAP_REC_HDR_LEN], gint64 wall_time_us,
                               guint32 len);

/*
 * A pcap file with size-based rotation: when a record would take the file
 * past @max_size (0 = no limit) and the file holds at least one record, the
 * file is renamed PATH.N (N = 1, 2, ... : the lowest number not in use, so a
 * higher number is a newer file) and a new PATH is started. With @max_files
 * > 0, the oldest rotated files are removed so that at most @max_files
 * rotated files stay beside PATH.
 *
 * Writes go through a stdio buffer; gsmtap_pcap_writer_flush() pushes them to
 * the kernel (the plugin calls it at least once a second). After a failed
 * write or flush the file is closed and every write fails until
 * gsmtap_pcap_writer_reopen() succeeds.
 */
typedef struct _GsmtapPcapWriter GsmtapPcapWriter;

GsmtapPcapWriter *gsmtap_pcap_writer_open(const gchar *path, guint64 max_size, guint max_files,
                                          GError **error);
/* Writes one GSMTAP datagram (header + payload). */
gboolean gsmtap_pcap_writer_write(GsmtapPcapWriter *self, gint64 wall_time_us, guint16 src_port,
                                  const guint8 *datagram, gsize len, GError **error);
gboolean gsmtap_pcap_writer_flush(GsmtapPcapWriter *self, GError **error);
/* Starts a new file after a failure (the old one is kept, rotated). */
gboolean gsmtap_pcap_writer_reopen(GsmtapPcapWriter *self, GError **error);
gboolean gsmtap_pcap_writer_is_open(GsmtapPcapWriter *self);
guint gsmtap_pcap_writer_get_rotations(GsmtapPcapWriter *self);
/* Flushes and closes; errors are ignored. */
void gsmtap_pcap_writer_close(GsmtapPcapWriter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsmtapPcapWriter, gsmtap_pcap_writer_close)

G_END_DECLS
