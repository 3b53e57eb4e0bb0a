// SPDX-License-Identifier: GPL-2.0-or-later
/* cr_file_get_contents_limited(): regular files under a limit, nothing else. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cardroute/cardroute.h>

static void
expect_refused(const gchar *path, gsize max, const gchar *reason)
{
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;
	gsize len = 0;
	g_assert_false(cr_file_get_contents_limited(path, max, &text, &len, &error));
	g_assert_null(text);
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	if (strstr(error->message, reason) == NULL)
		g_error("%s: '%s' does not say '%s'", path, error->message, reason);
}

static void
test_file(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("cr-file-XXXXXX", NULL);
	g_autofree gchar *fifo = g_build_filename(dir, "fifo", NULL);
	g_autofree gchar *big = g_build_filename(dir, "big", NULL);
	g_autofree gchar *small = g_build_filename(dir, "small", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	gint fd;

	g_assert_nonnull(dir);
	g_assert_true(g_file_set_contents(small, "1,0,\"x\"\n", -1, NULL));
	g_assert_true(cr_file_get_contents_limited(small, 8, &text, &len, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(len, ==, 8);
	g_assert_cmpstr(text, ==, "1,0,\"x\"\n");
	expect_refused(small, 7, "more than the limit of 7 bytes");
	/* a FIFO with no writer: refused at once, the open does not block */
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	expect_refused(fifo, 1024, "not a regular file");
	expect_refused("/dev/zero", 1024, "not a regular file");
	expect_refused(dir, 1024, "not a regular file");
	expect_refused("/nonexistent/x.csv", 1024, "cannot open");
	/* 1 GB of NUL bytes, sparse */
	fd = open(big, O_CREAT | O_WRONLY, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)1 << 30), ==, 0);
	close(fd);
	expect_refused(big, 1024 * 1024, "1073741824 bytes, more than the limit");
	g_unlink(big);
	g_unlink(fifo);
	g_unlink(small);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/file-limited", test_file);
	return g_test_run();
}
