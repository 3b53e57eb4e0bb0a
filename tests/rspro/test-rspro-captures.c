// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decodes every RSPRO frame of the decoded osmo-remsim captures
 * (vectors/remsim/decoded/ *.rspro.txt, the `ipa+der:` lines) and re-encodes it:
 * the DER must reproduce upstream's bytes exactly. The vectors directory is
 * the first argument; without it the test is skipped (exit 77).
 */
#include <string.h>

#include "rspro-ipa.h"
#include "rspro-msg.h"
#include "rspro-test-util.h"

#define SKIP_EXIT 77

static gchar *decoded_dir;

typedef struct {
	guint frames;
	guint per_type[21];
} Counts;

static void
check_frame(const gchar *file, guint line_no, const gchar *hex, Counts *counts)
{
	g_autoptr(GByteArray) raw = test_hex(hex);
	g_autoptr(GByteArray) again = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(0);
	g_autofree gchar *what = g_strdup_printf("%s:%u", file, line_no);
	RsproIpaFrame frame;
	RsproMsg msg;
	const guint8 *pdu;
	gsize pdu_len;
	gssize n;

	n = rspro_ipa_deframer_push(d, raw->data, raw->len, &frame, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, ==, (gssize)raw->len);
	g_assert_true(frame.complete);
	g_assert_cmpint(rspro_ipa_frame_kind(&frame, &pdu, &pdu_len), ==, RSPRO_IPA_KIND_RSPRO);
	if (!rspro_msg_decode(pdu, pdu_len, &msg, &error))
		g_error("%s: %s", what, error->message);
	g_assert_cmpint(msg.type, >=, 0);
	g_assert_cmpint(msg.type, <, (gint)G_N_ELEMENTS(counts->per_type));
	counts->per_type[msg.type]++;
	counts->frames++;
	if (!rspro_msg_encode_ipa(&msg, again, &error))
		g_error("%s: re-encoding: %s", what, error->message);
	test_assert_bytes(again->data, again->len, raw->data, raw->len, what);
	rspro_msg_clear(&msg);
}

static void
test_captures(void)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;
	Counts counts = {0};
	guint files = 0;

	dir = g_dir_open(decoded_dir, 0, &error);
	g_assert_no_error(error);
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_suffix(name, ".rspro.txt"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_assert_cmpuint(names->len, >, 0);
	for (guint i = 0; i < names->len; i++) {
		g_autofree gchar *path = g_build_filename(decoded_dir, names->pdata[i], NULL);
		g_autofree gchar *text = NULL;
		g_auto(GStrv) lines = NULL;
		guint before = counts.frames;

		g_assert_true(g_file_get_contents(path, &text, NULL, &error));
		lines = g_strsplit(text, "\n", -1);
		for (guint l = 0; lines[l] != NULL; l++) {
			const gchar *p = strstr(lines[l], "ipa+der:");

			if (p != NULL)
				check_frame(names->pdata[i], l + 1, p + strlen("ipa+der:"),
				            &counts);
		}
		g_test_message("%s: %u frames", (const gchar *)names->pdata[i],
		               counts.frames - before);
		files++;
	}
	g_test_message("%u files, %u RSPRO frames decoded and re-encoded byte for byte", files,
	               counts.frames);
	for (guint t = 0; t < G_N_ELEMENTS(counts.per_type); t++) {
		if (counts.per_type[t] > 0)
			g_test_message("  %-20s %u", rspro_msg_type_name((RsproMsgType)t),
			               counts.per_type[t]);
	}
	g_assert_cmpuint(counts.frames, >, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (argc < 2) {
		g_printerr("usage: %s VECTORS_DIR\n", argv[0]);
		return 2;
	}
	decoded_dir = g_build_filename(argv[1], "remsim", "decoded", NULL);
	if (!g_file_test(decoded_dir, G_FILE_TEST_IS_DIR)) {
		g_print("%s missing: skipped\n", decoded_dir);
		g_free(decoded_dir);
		return SKIP_EXIT;
	}
	g_test_add_func("/rspro/captures/decode-reencode", test_captures);
	{
		int rc = g_test_run();

		g_free(decoded_dir);
		return rc;
	}
}
