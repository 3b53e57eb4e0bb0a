// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capability announcement of cardroute RSPRO peers (rspro-caps.h).
 */
#include "rspro-caps.h"

#include <string.h>

void
rspro_caps_local(RsproCaps *out)
{
	out->present = TRUE;
	out->protocols = CR_PROTOCOL_T0 | CR_PROTOCOL_T1;
	out->extended = TRUE;
	out->max_command = RSPRO_CAPS_APDU_MAX;
	out->max_response = RSPRO_CAPS_APDU_MAX;
}

/* A decimal size token ("c261"): TRUE with the value when it is one within
 * min..65535. */
static gboolean
parse_size(const gchar *digits, gsize len, guint min, guint *value)
{
	guint v = 0;

	if (len == 0 || len > 5)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return FALSE;
		v = v * 10 + (guint)(digits[i] - '0');
	}
	if (v < min || v > 65535)
		return FALSE;
	*value = v;
	return TRUE;
}

gboolean
rspro_caps_parse(const gchar *text, RsproCaps *out)
{
	const gchar *p;
	RsproCaps caps = {0};
	gboolean has_command = FALSE, has_response = FALSE;

	memset(out, 0, sizeof(*out));
	if (text == NULL || strncmp(text, RSPRO_CAPS_PREFIX, strlen(RSPRO_CAPS_PREFIX)) != 0 ||
	    strlen(text) > RSPRO_NAME_MAX_LEN)
		return FALSE;
	p = text + strlen(RSPRO_CAPS_PREFIX);
	while (*p != '\0') {
		const gchar *end = strchr(p, ',');
		gsize len = end != NULL ? (gsize)(end - p) : strlen(p);

		if (len == 2 && strncmp(p, "t0", 2) == 0)
			caps.protocols |= CR_PROTOCOL_T0;
		else if (len == 2 && strncmp(p, "t1", 2) == 0)
			caps.protocols |= CR_PROTOCOL_T1;
		else if (len == 3 && strncmp(p, "ext", 3) == 0)
			caps.extended = TRUE;
		else if (len > 1 && p[0] == 'c')
			has_command = parse_size(p + 1, len - 1, 5, &caps.max_command);
		else if (len > 1 && p[0] == 'r')
			has_response = parse_size(p + 1, len - 1, 2, &caps.max_response);
		/* anything else: a later version's token, skipped */
		p += len;
		if (*p == ',')
			p++;
	}
	if (caps.protocols == 0 || !has_command || !has_response)
		return FALSE;
	caps.present = TRUE;
	*out = caps;
	return TRUE;
}

gchar *
rspro_caps_format(const RsproCaps *caps)
{
	return g_strdup_printf(RSPRO_CAPS_PREFIX "%s%s%s%sc%u,r%u",
	                       (caps->protocols & CR_PROTOCOL_T0) ? "t0," : "",
	                       (caps->protocols & CR_PROTOCOL_T1) ? "t1," : "",
	                       caps->extended ? "ext" : "", caps->extended ? "," : "",
	                       MIN(caps->max_command, 65535u), MIN(caps->max_response, 65535u));
}

gboolean
rspro_caps_from_identity(const RsproIdentity *identity, RsproCaps *out)
{
	memset(out, 0, sizeof(*out));
	if (identity == NULL || g_strcmp0(identity->hw_manufacturer, RSPRO_CAPS_MANUFACTURER) != 0)
		return FALSE;
	return rspro_caps_parse(identity->hw_version, out);
}

void
rspro_caps_to_identity(RsproIdentity *identity, const RsproCaps *caps)
{
	if (identity->hw_manufacturer == NULL)
		identity->hw_manufacturer = g_strdup(RSPRO_CAPS_MANUFACTURER);
	g_free(identity->hw_version);
	identity->hw_version = rspro_caps_format(caps);
}

void
rspro_caps_both(const RsproCaps *a, const RsproCaps *b, CrSlotCaps *out)
{
	out->protocols = a->protocols & b->protocols;
	out->extended = a->extended && b->extended;
	out->max_command = MIN(a->max_command, b->max_command);
	out->max_response = MIN(a->max_response, b->max_response);
	if (!out->extended) {
		out->max_command = MIN(out->max_command, CR_SLOT_CAPS_SHORT_MAX_COMMAND);
		out->max_response = MIN(out->max_response, CR_SLOT_CAPS_SHORT_MAX_RESPONSE);
	}
}
