// SPDX-License-Identifier: GPL-2.0-or-later
/* remote_tpdu_from_command(): what a terminal's command becomes on RSPRO. */
#include <string.h>

#include <cardroute/cardroute.h>

#include "remote-tpdu.h"

static gsize
unhex(const gchar *text, guint8 *out)
{
	gsize n = 0;

	for (; text[0] != '\0' && text[1] != '\0'; text += 2)
		out[n++] = (guint8)(g_ascii_xdigit_value(text[0]) << 4 |
		                    g_ascii_xdigit_value(text[1]));
	return n;
}

static void
check(const gchar *cmd_hex, const gchar *want_hex)
{
	guint8 cmd[400], want[400], out[REMOTE_TPDU_MAX];
	gsize cmd_len = unhex(cmd_hex, cmd), want_len, out_len = 0;
	g_autoptr(GError) error = NULL;
	gboolean ok = remote_tpdu_from_command(cmd, cmd_len, out, &out_len, &error);

	if (want_hex == NULL) {
		g_assert_false(ok);
		g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
		return;
	}
	g_assert_no_error(error);
	g_assert_true(ok);
	want_len = unhex(want_hex, want);
	g_assert_cmpmem(out, out_len, want, want_len);
}

static void
test_conversions(void)
{
	g_autofree gchar *d255 = g_strnfill(510, 'A');
	g_autofree gchar *c4 = g_strdup_printf("00D60000FF%s00", d255);
	g_autofree gchar *c3 = g_strdup_printf("00D60000FF%s", d255);
	g_autofree gchar *long1 = g_strdup_printf("00D60000FF%s0000", d255);

	check("A0A40000023F00", "A0A40000023F00");   /* TPDU, case 3 */
	check("A0C0000016", "A0C0000016");           /* TPDU, case 2 */
	check("00A40004023F0000", "00A40004023F00"); /* APDU case 4: Le dropped */
	check("00700000", "0070000000");             /* APDU case 1 */
	check(c4, c3);                               /* 261 -> 260 */
	check(c3, c3);                               /* 260 as is */
	check("00D6000000000400112233", NULL);       /* extended */
	check("00D60000050102", NULL);               /* Lc says 5, 2 there */
	check("00A4", NULL);                         /* too short */
	check("", NULL);
	check(long1, NULL); /* 262 bytes */
}

static void
test_limit_message(void)
{
	guint8 cmd[300] = {0x00, 0xD6, 0x00, 0x00, 0x00};
	guint8 out[REMOTE_TPDU_MAX];
	gsize out_len;
	g_autoptr(GError) error = NULL;

	g_assert_false(remote_tpdu_from_command(cmd, sizeof(cmd), out, &out_len, &error));
	g_assert_nonnull(strstr(error->message, "300 bytes refused"));
	g_assert_nonnull(strstr(error->message, "260"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/remote-tpdu/conversions", test_conversions);
	g_test_add_func("/remote-tpdu/limit-message", test_limit_message);
	return g_test_run();
}
