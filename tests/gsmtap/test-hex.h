// SPDX-License-Identifier: GPL-2.0-or-later
/* Hex helpers shared by the gsmtap tests (header-only, test code). */
#pragma once

#include <glib.h>

/* "A0 a4-00" -> bytes; spaces and dashes ignored; aborts on bad input. */
static inline GByteArray *
test_hex_parse(const gchar *hex)
{
	GByteArray *out = g_byte_array_new();
	gint hi = -1;

	for (const gchar *p = hex; *p != '\0'; p++) {
		gint v;

		if (*p == ' ' || *p == '-')
			continue;
		v = g_ascii_xdigit_value(*p);
		g_assert_cmpint(v, >=, 0);
		if (hi < 0) {
			hi = v;
		} else {
			guint8 b = (guint8)(hi << 4 | v);

			g_byte_array_append(out, &b, 1);
			hi = -1;
		}
	}
	g_assert_cmpint(hi, ==, -1);
	return out;
}

static inline gchar *
test_hex_string(const guint8 *data, gsize len)
{
	GString *s = g_string_sized_new(len * 2 + 1);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", data[i]);
	return g_string_free(s, FALSE);
}

static inline gchar *
test_hex_normalize(const gchar *hex)
{
	g_autoptr(GByteArray) b = test_hex_parse(hex);

	return test_hex_string(b->data, b->len);
}
