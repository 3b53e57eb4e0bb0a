// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the vcard tests: hex in, hex out, one line per command. */
#pragma once

#include <glib.h>
#include <string.h>

#include "vcard-card.h"

static inline gchar *
vcard_test_hex(const guint8 *data, gsize len)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%s%02X", i > 0 ? " " : "", data[i]);
	return g_string_free(s, FALSE);
}

/* Sends @cmd_hex; returns the response length (bytes in @rsp). */
static inline gsize
vcard_test_send(VcardCard *card, const gchar *cmd_hex, guint8 *rsp)
{
	guint8 cmd[600];
	gssize len = vcard_parse_hex(cmd_hex, cmd, sizeof(cmd));
	gsize rsp_len;

	g_assert_cmpint(len, >=, 0);
	rsp_len = vcard_card_process(card, cmd, len, rsp);
	g_assert_cmpuint(rsp_len, >=, 2);
	g_assert_cmpuint(rsp_len, <=, vcard_card_response_max(card));
	return rsp_len;
}

static inline void
vcard_test_check(VcardCard *card, const gchar *cmd_hex, const gchar *want_hex, const gchar *file,
                 int line)
{
	guint8 rsp[VCARD_EXT_RESPONSE_MAX], want[VCARD_EXT_RESPONSE_MAX];
	gsize rsp_len = vcard_test_send(card, cmd_hex, rsp);
	gssize want_len = vcard_parse_hex(want_hex, want, sizeof(want));

	g_assert_cmpint(want_len, >=, 2);
	if ((gsize)want_len != rsp_len || memcmp(rsp, want, rsp_len) != 0) {
		g_autofree gchar *got = vcard_test_hex(rsp, rsp_len);
		g_error("%s:%d: %s -> %s, want %s", file, line, cmd_hex, got, want_hex);
	}
}

/* CHECK(card, "00 A4 00 04 02 3F 00", "61 25") */
#define CHECK(card, cmd, rsp) vcard_test_check(card, cmd, rsp, __FILE__, __LINE__)

static inline VcardProfile *
vcard_test_profile(const gchar *ini)
{
	g_autoptr(GError) error = NULL;
	VcardProfile *profile = vcard_profile_load_data(ini, strlen(ini), "test.ini", &error);

	g_assert_no_error(error);
	g_assert_nonnull(profile);
	return profile;
}

static inline VcardProfile *
vcard_test_default_profile(void)
{
	g_autoptr(GError) error = NULL;
	VcardProfile *profile = vcard_profile_load_file(VCARD_DEFAULT_PROFILE, &error);

	g_assert_no_error(error);
	g_assert_nonnull(profile);
	return profile;
}
