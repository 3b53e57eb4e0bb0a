// SPDX-License-Identifier: GPL-2.0-or-later
#include "cardroute/cr-error.h"
#include "cardroute/cr-hex.h"

GBytes *
cr_hex_decode(const gchar *text, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	gint hi = -1;
	for (const gchar *p = text; *p != '\0'; p++) {
		gint d;
		if (*p == ' ' || *p == ':' || *p == '\t')
			continue;
		d = g_ascii_xdigit_value(*p);
		if (d < 0) {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "'%c' is not a hex digit",
				    *p);
			return NULL;
		}
		if (hi < 0) {
			hi = d;
		} else {
			guint8 b = (guint8)(hi << 4 | d);
			g_byte_array_append(out, &b, 1);
			hi = -1;
		}
	}
	if (hi >= 0) {
		g_set_error_literal(error, CR_ERROR, CR_ERROR_INVALID, "odd number of hex digits");
		return NULL;
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

gchar *
cr_hex_encode(const guint8 *data, gsize len)
{
	static const gchar digits[] = "0123456789ABCDEF";
	gchar *out = g_malloc(len * 2 + 1);
	for (gsize i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[len * 2] = '\0';
	return out;
}
