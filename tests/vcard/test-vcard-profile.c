// SPDX-License-Identifier: GPL-2.0-or-later
/* The profile loader: the default profile, the format's features, every
 * error naming its section and key; the ATR check. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vcard-test.h"

static void
test_default_profile(void)
{
	g_autoptr(VcardProfile) p = vcard_test_default_profile();
	VcardFile *imsi = vcard_profile_lookup(p, "3F00/7F20/6F07");
	VcardFile *usim_imsi = vcard_profile_lookup(p, "ADF.usim/6F07");
	static const guint8 atr[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31,
	                             0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x63, 0x3A, 0x20,
	                             0x4E, 0x83, 0x00, 0x90, 0x00, 0x93};
	static const guint8 imsi_data[] = {0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98};

	g_assert_nonnull(p->atr);
	g_assert_cmpmem(g_bytes_get_data(p->atr, NULL), g_bytes_get_size(p->atr), atr, sizeof(atr));
	g_assert_nonnull(imsi);
	g_assert_nonnull(usim_imsi);
	g_assert_cmpuint(usim_imsi->sfi, ==, 7);
	g_assert_cmpmem(p->image + imsi->offset, imsi->size, imsi_data, sizeof(imsi_data));
	g_assert_cmpmem(p->image + usim_imsi->offset, usim_imsi->size, imsi_data,
	                sizeof(imsi_data));
	g_assert_cmpuint(p->adfs->len, ==, 1);
	g_assert_true(p->has_auth);
	g_assert_true(p->pins[VCARD_PIN1].present);
	g_assert_false(p->pins[VCARD_PIN1].enabled);
	g_assert_null(vcard_profile_lookup(p, "3F00/7F20/6F99"));
	g_assert_null(vcard_profile_lookup(p, "ADF.isim/6F07"));
}

static void
test_features(void)
{
	/* files in any order, MF implied, op instead of opc, records counted */
	static const gchar ini[] =
	        "[file:7F20/6F40]\ntype = linear-fixed\nrecord-size = 4\nrec3 = 01\nsfi = 0x1E\n"
	        "[file:7F20/6F41]\ntype = transparent\nsize = 2\nsfi = 08\n"
	        "[file:7F20]\ntype = df\nname = DF.GSM\n"
	        "[adf:isim]\naid = A0000000871004\n"
	        "[file:ADF.isim/6F02]\ntype = transparent\ndata = 80 01 41\nsize = 8\n"
	        "[auth]\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\nop = "
	        "cdc202d5123e20f62b6d676ac72cb318\n";
	g_autoptr(VcardProfile) p = vcard_test_profile(ini);
	VcardFile *rec = vcard_profile_lookup(p, "7F20/6F40");
	VcardFile *impi = vcard_profile_lookup(p, "ADF.isim/6F02");
	static const guint8 opc[] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
	                             0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};

	g_assert_nonnull(rec);
	g_assert_cmpuint(rec->n_records, ==, 3);
	g_assert_cmpuint(rec->record_len, ==, 4);
	g_assert_cmpuint(rec->sfi, ==, 30);
	g_assert_cmpuint(vcard_profile_lookup(p, "7F20/6F41")->sfi, ==, 8);
	g_assert_cmpuint(p->image[rec->offset + 8], ==, 0x01);
	g_assert_cmpuint(p->image[rec->offset + 9], ==, 0xFF);
	g_assert_nonnull(impi);
	g_assert_cmpuint(impi->size, ==, 8);
	g_assert_cmpuint(impi->parent->fid, ==, 0x7FF0);
	g_assert_cmpmem(p->opc, 16, opc, 16);
	g_assert_null(p->atr);
}

typedef struct {
	const gchar *ini;
	const gchar *message;
} BadProfile;

static const BadProfile bad_profiles[] = {
        {"[cards]\n", "test.ini: [cards] unknown section"},
        {"[file:2FE2]\ntype = transparent\ndata = 00\ncolour = red\n",
         "[file:2FE2] colour: unknown key"},
        {"[file:2FE2]\ndata = 00\n", "[file:2FE2] type: missing"},
        {"[file:2FE2]\ntype = cyclic\ndata = 00\n", "[file:2FE2] type: 'cyclic' is not one of"},
        {"[file:2FE2]\ntype = transparent\ndata = 0G\n", "[file:2FE2] data: expected"},
        {"[file:2FE2]\ntype = transparent\ndata = 000\n", "[file:2FE2] data: expected"},
        {"[file:2FE2]\ntype = transparent\n", "[file:2FE2] size: needed"},
        {"[file:2FE2]\ntype = transparent\ndata = 00 01\nsize = 1\n",
         "[file:2FE2] data: 2 bytes do not fit size 1"},
        {"[file:2FE2]\ntype = transparent\nsize = -1\n", "[file:2FE2] size: '-1' is not"},
        {"[file:2FE2]\ntype = transparent\nsize = 0x\n", "[file:2FE2] size: '0x' is not"},
        {"[file:2FE2]\ntype = transparent\nsize = 1k\n", "[file:2FE2] size: '1k' is not"},
        {"[file:7F20/6F07]\ntype = transparent\ndata = 00\n",
         "[file:7F20/6F07] parent DF 7F20 is not defined"},
        {"[file:7F20]\ntype = df\n[file:7f20]\ntype = df\n", "file 7F20 is defined twice"},
        {"[file:3F00]\ntype = df\n", "[file:3F00] type: 3F00 is the MF"},
        {"[file:7FFF]\ntype = df\n", "[file:7FFF] '7FFF' is not a file ID"},
        {"[file:12345]\ntype = df\n", "[file:12345] '12345' is not a file ID"},
        {"[file:ADF.usim/6F07]\ntype = transparent\ndata = 00\n",
         "[file:ADF.usim/6F07] no [adf:usim] section"},
        {"[adf:usim]\nfid = 7FF0\n", "[adf:usim] aid: missing"},
        {"[adf:usim]\naid = A000\n", "[adf:usim] aid: expected 5 to 16 bytes"},
        {"[adf:usim]\naid = A0000000871002\nfid = 3F00\n", "[adf:usim] fid: '3F00'"},
        {"[file:6F40]\ntype = linear-fixed\nrecords = 2\n", "[file:6F40] record-size: missing"},
        {"[file:6F40]\ntype = linear-fixed\nrecord-size = 2\n", "[file:6F40] records: missing"},
        {"[file:6F40]\ntype = linear-fixed\nrecord-size = 2\nrecords = 1\nrec2 = 00\n",
         "[file:6F40] rec2: no such record"},
        {"[file:6F40]\ntype = linear-fixed\nrecord-size = 2\nrec1 = 00 01 02\n",
         "[file:6F40] rec1: expected 0 to 2 bytes"},
        {"[file:6F40]\ntype = linear-fixed\nrecord-size = 300\nrecords = 1\n",
         "[file:6F40] record-size: '300' is not a number in 1..255"},
        {"[file:6F01]\ntype = transparent\nsize = 1\nsfi = 1\n"
         "[file:6F02]\ntype = transparent\nsize = 1\nsfi = 1\n",
         "[file:6F02] sfi: 1 is already used"},
        {"[file:6F01]\ntype = transparent\nsize = 1\nread = pin3\n",
         "[file:6F01] read: 'pin3' is not one of"},
        {"[pin:3]\nvalue = 1234\n", "[pin:3] unknown PIN"},
        {"[pin:1]\nretries = 3\n", "[pin:1] value: missing"},
        {"[pin:1]\nvalue = 123\n", "[pin:1] value: 4 to 8 characters"},
        {"[pin:1]\nvalue = 1234\nenabled = maybe\n", "[pin:1] enabled: 'maybe' is not true"},
        {"[pin:1]\nvalue = 1234\nretries = 16\n", "[pin:1] retries: '16' is not a number"},
        {"[auth]\nopc = cd63cb71954a9f4e48a5994e37a02baf\n", "[auth] k: missing"},
        {"[auth]\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\n", "[auth] opc: give exactly one"},
        {"[auth]\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\nop = 00000000000000000000000000000000\n"
         "opc = 00000000000000000000000000000000\n",
         "[auth] opc: give exactly one"},
        {"[auth]\nk = 465b\nopc = cd63cb71954a9f4e48a5994e37a02baf\n",
         "[auth] k: expected 16 bytes"},
        {"[auth]\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n"
         "gsm-sres = comp128\n",
         "[auth] gsm-sres: 'comp128' is not xor or truncate"},
        {"[card]\natr = 3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90 00 31\n",
         "[card] atr: wrong TCK: it should be 93"},
        {"not an ini file", "test.ini: "},
};

static void
test_errors(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(bad_profiles); i++) {
		const BadProfile *b = &bad_profiles[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(VcardProfile) p =
		        vcard_profile_load_data(b->ini, strlen(b->ini), "test.ini", &error);

		g_assert_null(p);
		g_assert_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE);
		if (strstr(error->message, b->message) == NULL)
			g_error("profile %u: '%s' does not contain '%s'", i, error->message,
			        b->message);
	}
}

static void
test_missing_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VcardProfile) p = vcard_profile_load_file("/nonexistent/card.ini", &error);

	g_assert_null(p);
	g_assert_error(error, VCARD_ERROR, VCARD_ERROR_IO);
	g_assert_nonnull(strstr(error->message, "/nonexistent/card.ini"));
}

static void
expect_refused(const gchar *path, const gchar *reason)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VcardProfile) p = vcard_profile_load_file(path, &error);
	g_assert_null(p);
	g_assert_error(error, VCARD_ERROR, VCARD_ERROR_IO);
	if (strstr(error->message, reason) == NULL)
		g_error("%s: '%s' does not say '%s'", path, error->message, reason);
}

/* Not a regular file, or too large: refused at once, never read whole. */
static void
test_not_regular_or_too_large(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("vcard-profile-XXXXXX", NULL);
	g_autofree gchar *fifo = g_build_filename(dir, "fifo.ini", NULL);
	g_autofree gchar *big = g_build_filename(dir, "big.ini", NULL);
	gint fd;

	g_assert_nonnull(dir);
	/* a FIFO nobody writes to: opening it must not block */
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	expect_refused(fifo, "not a regular file");
	expect_refused("/dev/zero", "not a regular file");
	expect_refused(dir, "not a regular file");
	/* 1 GB of NUL bytes (sparse: no disk used) */
	fd = open(big, O_CREAT | O_WRONLY, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)1 << 30), ==, 0);
	close(fd);
	expect_refused(big, "more than the limit");
	/* just over the limit */
	fd = open(big, O_WRONLY | O_TRUNC);
	g_assert_cmpint(ftruncate(fd, VCARD_PROFILE_MAX_SIZE + 1), ==, 0);
	close(fd);
	expect_refused(big, "more than the limit");
	g_unlink(big);
	g_unlink(fifo);
	g_rmdir(dir);
}

static void
check_atr(const gchar *hex, gboolean valid, const gchar *message)
{
	guint8 atr[40];
	gssize len = vcard_parse_hex(hex, atr, sizeof(atr));
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(len, >=, 0);
	g_assert_cmpint(vcard_atr_is_valid(atr, len, &error), ==, valid);
	if (!valid) {
		g_assert_nonnull(error);
		if (strstr(error->message, message) == NULL)
			g_error("ATR %s: '%s' does not contain '%s'", hex, error->message, message);
	}
}

static void
test_atr(void)
{
	check_atr("3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90 00 93", TRUE, NULL);
	/* T=0 only: no TCK */
	check_atr("3B 02 14 50", TRUE, NULL);
	check_atr("3B 00", TRUE, NULL);
	check_atr("3B 90 11 00", TRUE, NULL);
	/* T=1 indicated: TCK needed */
	check_atr("3B 80 01 81", TRUE, NULL);
	check_atr("3B 80 01", FALSE, "announce");
	check_atr("3B 80 01 80", FALSE, "wrong TCK");
	check_atr("3B 02 14", FALSE, "announce");
	check_atr("3B 02 14 50 00", FALSE, "announce");
	check_atr("3B 90", FALSE, "interface bytes");
	check_atr("3B F0 11 22 33", FALSE, "interface bytes");
	check_atr("3A 00", FALSE, "TS");
	check_atr("3B", FALSE, "TS");
}

static void
test_parse_hex(void)
{
	guint8 out[4];

	g_assert_cmpint(vcard_parse_hex("3b 9F:00", out, 4), ==, 3);
	g_assert_cmpuint(out[0], ==, 0x3B);
	g_assert_cmpuint(out[1], ==, 0x9F);
	g_assert_cmpint(vcard_parse_hex("", out, 4), ==, 0);
	g_assert_cmpint(vcard_parse_hex("3", out, 4), ==, -1);
	g_assert_cmpint(vcard_parse_hex("0x12", out, 4), ==, -1);
	g_assert_cmpint(vcard_parse_hex("0011223344", out, 4), ==, -1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/profile/default", test_default_profile);
	g_test_add_func("/vcard/profile/features", test_features);
	g_test_add_func("/vcard/profile/errors", test_errors);
	g_test_add_func("/vcard/profile/missing-file", test_missing_file);
	g_test_add_func("/vcard/profile/not-regular-or-too-large", test_not_regular_or_too_large);
	g_test_add_func("/vcard/profile/atr", test_atr);
	g_test_add_func("/vcard/profile/parse-hex", test_parse_hex);
	return g_test_run();
}
