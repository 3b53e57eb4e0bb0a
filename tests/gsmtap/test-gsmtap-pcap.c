// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the pcap writer: exact bytes, checksums, rotation. */
#include <glib/gstdio.h>
#include <string.h>

#include "gsmtap-encode.h"
#include "gsmtap-file.h"
#include "gsmtap-pcap.h"
#include "test-hex.h"

static void
assert_bytes_hex(const guint8 *data, gsize len, const gchar *hex)
{
	g_autofree gchar *got = test_hex_string(data, len);
	g_autofree gchar *want = test_hex_normalize(hex);

	g_assert_cmpstr(got, ==, want);
}

static void
test_checksum(void)
{
	/* RFC 1071 example words 0001 f203 f4f5 f6f7: sum ddf2, checksum 220d */
	static const guint8 words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	/* A well-known IPv4 header (checksum field b861 zeroed). */
	g_autoptr(GByteArray) ip =
	        test_hex_parse("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");

	g_assert_cmpuint(gsmtap_inet_checksum(words, sizeof(words), 0), ==, 0x220d);
	g_assert_cmpuint(gsmtap_inet_checksum(ip->data, ip->len, 0), ==, 0xb861);
	/* odd length: the last byte is padded with zero */
	{
		static const guint8 odd[] = {0x01, 0x02, 0x03};

		g_assert_cmpuint(gsmtap_inet_checksum(odd, 3, 0), ==, (guint16)~0x0402);
	}
}

static void
test_ipv4_udp(void)
{
	guint8 hdr[GSMTAP_PCAP_IP_UDP_LEN];
	g_autoptr(GByteArray) payload = test_hex_parse("02 04 04 00 0001 00 00 00000000 00 00 01 00"
	                                               "A0 B0 00 00 01 55 90 00");
	g_autoptr(GByteArray) whole = g_byte_array_new();
	guint8 pseudo[12] = {127, 0, 0, 1, 127, 0, 0, 1, 0, 17, 0, 0};

	gsmtap_ipv4_udp_header(hdr, 7, 30001, payload->data, payload->len);
	/* total length 20 + 8 + 24 = 52 (0x34), id 7, DF, TTL 64, UDP */
	assert_bytes_hex(hdr, 10, "45 00 0034 0007 4000 40 11");
	g_assert_cmpuint(hdr[10] << 8 | hdr[11], !=, 0);
	/* a correct IPv4 header sums to zero */
	g_assert_cmpuint(gsmtap_inet_checksum(hdr, 20, 0), ==, 0);
	assert_bytes_hex(hdr + 12, 8, "7f000001 7f000001");
	/* UDP 30001 -> 4729, length 32 */
	assert_bytes_hex(hdr + 20, 6, "7531 1279 0020");
	/* a correct UDP checksum sums to zero over pseudo header + datagram */
	pseudo[11] = 32;
	g_byte_array_append(whole, pseudo, sizeof(pseudo));
	g_byte_array_append(whole, hdr + 20, 8);
	g_byte_array_append(whole, payload->data, payload->len);
	g_assert_cmpuint(gsmtap_inet_checksum(whole->data, whole->len, 0), ==, 0);
}

static void
test_file_and_record_headers(void)
{
	guint8 fh[GSMTAP_PCAP_FILE_HDR_LEN];
	guint8 rh[GSMTAP_PCAP_REC_HDR_LEN];

	gsmtap_pcap_file_header(fh);
	assert_bytes_hex(fh, sizeof(fh), "d4c3b2a1 0200 0400 00000000 00000000 ffff0000 e4000000");
	gsmtap_pcap_record_header(rh, 1700000000LL * G_USEC_PER_SEC + 123456, 52);
	assert_bytes_hex(rh, sizeof(rh), "00f15365 40e20100 34000000 34000000");
}

static gchar *
make_tmpdir(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("gsmtap-pcap-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

static void
remove_tree(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);

		g_unlink(p);
	}
	g_rmdir(dir);
}

static gsize
file_size(const gchar *path)
{
	GStatBuf st;

	if (g_stat(path, &st) != 0)
		return 0;
	return (gsize)st.st_size;
}

static void
test_writer(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autofree gchar *path = g_build_filename(dir, "trace.pcap", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) dgram = test_hex_parse("02 04 04 00 0002 00 00 00000005 00 00 02 00"
	                                             "A0 04 00 00 00 90 00");
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	GsmtapPcapWriter *w = gsmtap_pcap_writer_open(path, 0, 0, &error);

	g_assert_no_error(error);
	g_assert_nonnull(w);
	g_assert_true(gsmtap_pcap_writer_write(w, 2 * G_USEC_PER_SEC + 1, 30002, dgram->data,
	                                       dgram->len, &error));
	g_assert_no_error(error);
	g_assert_true(gsmtap_pcap_writer_flush(w, &error));
	/* flushed: the record is on disk before close */
	g_assert_cmpuint(file_size(path), ==, 24 + 16 + 28 + dgram->len);
	gsmtap_pcap_writer_close(w);

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	g_assert_cmpuint(len, ==, 24 + 16 + 28 + dgram->len);
	assert_bytes_hex((const guint8 *)contents + 24, 16, "02000000 01000000 33000000 33000000");
	g_assert_cmpmem(contents + 24 + 16 + 28, dgram->len, dgram->data, dgram->len);
	assert_bytes_hex((const guint8 *)contents + 24 + 16 + 20, 4, "7532 1279");

	/* Opening again never overwrites: the old file becomes trace.pcap.1 */
	w = gsmtap_pcap_writer_open(path, 0, 0, &error);
	g_assert_no_error(error);
	gsmtap_pcap_writer_close(w);
	{
		g_autofree gchar *p1 = g_strdup_printf("%s.1", path);

		g_assert_cmpuint(file_size(p1), ==, len);
		g_assert_cmpuint(file_size(path), ==, 24);
	}
	remove_tree(dir);
}

static void
test_rotation(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autofree gchar *path = g_build_filename(dir, "r.pcap", NULL);
	g_autoptr(GError) error = NULL;
	guint8 dgram[100];
	gsize rec = 16 + 28 + sizeof(dgram);
	/* room for two records per file */
	GsmtapPcapWriter *w = gsmtap_pcap_writer_open(path, 24 + 2 * rec, 2, &error);

	g_assert_no_error(error);
	memset(dgram, 0xab, sizeof(dgram));
	for (guint i = 0; i < 9; i++)
		g_assert_true(gsmtap_pcap_writer_write(w, i, 30000, dgram, sizeof(dgram), &error));
	g_assert_no_error(error);
	/* 9 records, 2 per file: 4 rotations, the newest file holds 1 */
	g_assert_cmpuint(gsmtap_pcap_writer_get_rotations(w), ==, 4);
	gsmtap_pcap_writer_close(w);
	g_assert_cmpuint(file_size(path), ==, 24 + rec);
	for (guint n = 1; n <= 4; n++) {
		g_autofree gchar *p = g_strdup_printf("%s.%u", path, n);

		/* max-files 2: only .3 and .4 are kept */
		if (n <= 2)
			g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
		else
			g_assert_cmpuint(file_size(p), ==, 24 + 2 * rec);
	}
	/* A record larger than max-size still goes into a file of its own */
	w = gsmtap_pcap_writer_open(path, 50, 0, &error);
	g_assert_no_error(error);
	g_assert_true(gsmtap_pcap_writer_write(w, 0, 30000, dgram, sizeof(dgram), &error));
	g_assert_true(gsmtap_pcap_writer_write(w, 0, 30000, dgram, sizeof(dgram), &error));
	gsmtap_pcap_writer_close(w);
	{
		/* the previous r.pcap became .5, then one rotation: .6 */
		g_autofree gchar *p5 = g_strdup_printf("%s.5", path);
		g_autofree gchar *p6 = g_strdup_printf("%s.6", path);

		g_assert_cmpuint(file_size(p5), ==, 24 + rec);
		g_assert_cmpuint(file_size(p6), ==, 24 + rec);
		g_assert_cmpuint(file_size(path), ==, 24 + rec);
	}
	remove_tree(dir);
}

static void
test_open_error(void)
{
	g_autoptr(GError) error = NULL;
	GsmtapPcapWriter *w = gsmtap_pcap_writer_open("/nonexistent-dir/x.pcap", 0, 0, &error);

	g_assert_null(w);
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_write_error(void)
{
	g_autoptr(GError) error = NULL;
	guint8 dgram[64] = {0};
	GsmtapPcapWriter *w;
	gboolean ok = TRUE;

	if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
		g_test_skip("no /dev/full");
		return;
	}
	/* /dev/full: every write fails with ENOSPC once the buffer is flushed */
	w = gsmtap_pcap_writer_open("/dev/full", 0, 0, &error);
	if (w == NULL) {
		g_test_skip("cannot open /dev/full");
		return;
	}
	for (guint i = 0; i < 4 && ok; i++)
		ok = gsmtap_pcap_writer_write(w, 0, 30000, dgram, sizeof(dgram), &error);
	if (ok)
		ok = gsmtap_pcap_writer_flush(w, &error);
	g_assert_false(ok);
	g_assert_nonnull(error);
	g_assert_false(gsmtap_pcap_writer_is_open(w));
	g_clear_error(&error);
	/* every later write fails at once until a reopen */
	g_assert_false(gsmtap_pcap_writer_write(w, 0, 30000, dgram, sizeof(dgram), &error));
	gsmtap_pcap_writer_close(w);
}

static void
test_file_sink(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autofree gchar *path = g_build_filename(dir, "t.pcap", NULL);
	g_autoptr(GError) error = NULL;
	guint8 dgram[40];
	GsmtapFileSink *sink = gsmtap_file_sink_new(path, 0, 0, &error);
	guint64 written = 0, dropped = 0;
	g_autofree gchar *last_error = NULL;

	g_assert_no_error(error);
	for (guint i = 0; i < 100; i++) {
		memset(dgram, (int)i, sizeof(dgram));
		g_assert_true(gsmtap_file_sink_push(sink, i, 30000, dgram, sizeof(dgram)));
	}
	gsmtap_file_sink_get_stats(sink, &written, &dropped, &last_error);
	g_assert_cmpuint(written, <=, 100);
	g_assert_cmpuint(dropped, ==, 0);
	g_assert_null(last_error);
	/* free writes what is queued and flushes */
	gsmtap_file_sink_free(sink);
	g_assert_cmpuint(file_size(path), ==, 24 + 100 * (16 + 28 + sizeof(dgram)));
	remove_tree(dir);

	/* a failing disk: frames are counted as dropped, the error is kept */
	if (g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
		sink = gsmtap_file_sink_new("/dev/full", 0, 0, &error);
		g_assert_no_error(error);
		for (guint i = 0; i < 10; i++)
			gsmtap_file_sink_push(sink, i, 30000, dgram, sizeof(dgram));
		gsmtap_file_sink_stop(sink);
		/* after stop, pushes are dropped at once */
		g_assert_false(gsmtap_file_sink_push(sink, 0, 30000, dgram, sizeof(dgram)));
		g_clear_pointer(&last_error, g_free);
		gsmtap_file_sink_get_stats(sink, &written, &dropped, &last_error);
		g_assert_cmpuint(dropped, ==, 11);
		g_assert_nonnull(last_error);
		g_test_message("last error: %s", last_error);
		gsmtap_file_sink_free(sink);
	}

	/* a path that cannot be opened is reported at once */
	sink = gsmtap_file_sink_new("/nonexistent-dir/t.pcap", 0, 0, &error);
	g_assert_null(sink);
	g_assert_nonnull(error);
}

/* Frames over several blocks, one as big as a datagram gets: all reach the
 * file in order without a stop (the writer takes a partial block by itself). */
static void
test_file_sink_blocks(void)
{
	g_autofree gchar *dir = make_tmpdir();
	g_autofree gchar *path = g_build_filename(dir, "t.pcap", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *big = g_malloc0(GSMTAP_MAX_DATAGRAM);
	GsmtapFileSink *sink = gsmtap_file_sink_new(path, 0, 0, &error);
	const guint n = 5000;
	guint64 written = 0, dropped = 0;
	gsize expected = 24;
	gint64 deadline;
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	gsize off = 24;

	g_assert_no_error(error);
	for (guint i = 0; i < n; i++) {
		guint8 dgram[1 + 64];
		gsize dlen = 1 + i % 64; /* odd sizes: padding in the blocks */

		memset(dgram, (int)(i & 0xff), sizeof(dgram));
		if (i == n / 2) {
			g_assert_true(
			        gsmtap_file_sink_push(sink, i, 30000, big, GSMTAP_MAX_DATAGRAM));
			expected += 16 + 28 + GSMTAP_MAX_DATAGRAM;
		}
		g_assert_true(gsmtap_file_sink_push(sink, i, 30000, dgram, dlen));
		expected += 16 + 28 + dlen;
	}
	/* bounded wait: the last, partial block goes out after its age limit */
	deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	do {
		g_usleep(10 * 1000);
		gsmtap_file_sink_get_stats(sink, &written, &dropped, NULL);
	} while (written < n + 1 && g_get_monotonic_time() < deadline);
	g_assert_cmpuint(written, ==, n + 1);
	g_assert_cmpuint(dropped, ==, 0);
	/* flushed by the writer already, before any stop */
	g_assert_cmpuint(file_size(path), ==, expected);
	gsmtap_file_sink_free(sink);
	g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
	g_assert_cmpuint(len, ==, expected);
	for (guint i = 0; i < n; i++) {
		guint32 incl;
		gsize dlen = 1 + i % 64;

		if (i == n / 2) {
			memcpy(&incl, contents + off + 8, 4);
			g_assert_cmpuint(GUINT32_FROM_LE(incl), ==, 28 + GSMTAP_MAX_DATAGRAM);
			off += 16 + 28 + GSMTAP_MAX_DATAGRAM;
		}
		memcpy(&incl, contents + off + 8, 4);
		g_assert_cmpuint(GUINT32_FROM_LE(incl), ==, 28 + dlen);
		g_assert_cmpuint((guint8)contents[off + 16 + 28], ==, i & 0xff);
		off += 16 + 28 + dlen;
	}
	remove_tree(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/gsmtap/pcap/checksum", test_checksum);
	g_test_add_func("/gsmtap/pcap/ipv4-udp", test_ipv4_udp);
	g_test_add_func("/gsmtap/pcap/headers", test_file_and_record_headers);
	g_test_add_func("/gsmtap/pcap/writer", test_writer);
	g_test_add_func("/gsmtap/pcap/rotation", test_rotation);
	g_test_add_func("/gsmtap/pcap/open-error", test_open_error);
	g_test_add_func("/gsmtap/pcap/write-error", test_write_error);
	g_test_add_func("/gsmtap/pcap/file-sink", test_file_sink);
	g_test_add_func("/gsmtap/pcap/file-sink-blocks", test_file_sink_blocks);
	return g_test_run();
}
