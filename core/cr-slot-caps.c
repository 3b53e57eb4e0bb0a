// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Slot capabilities and the route check: can both ends of a route carry a
 * command and its answer? On the transaction path: a few comparisons, no
 * allocation unless the command is refused.
 */
#define G_LOG_DOMAIN "cardroute"

#include "cr-private.h"

static const CrSlotCaps default_caps = CR_SLOT_CAPS_DEFAULT;

static void
normalize(CrSlotCaps *out, const CrSlotCaps *in)
{
	guint max_cmd = in->extended ? CR_SLOT_CAPS_EXT_MAX_COMMAND : CR_SLOT_CAPS_SHORT_MAX_COMMAND;
	guint max_rsp =
		in->extended ? CR_SLOT_CAPS_EXT_MAX_RESPONSE : CR_SLOT_CAPS_SHORT_MAX_RESPONSE;

	out->protocols = in->protocols & (CR_PROTOCOL_T0 | CR_PROTOCOL_T1);
	if (out->protocols == 0)
		out->protocols = CR_PROTOCOL_T0;
	out->extended = in->extended ? TRUE : FALSE;
	out->max_command = CLAMP(in->max_command, 5, max_cmd);
	out->max_response = CLAMP(in->max_response, 2, max_rsp);
}

void
cr_frontend_slot_set_caps(CrFrontendSlot *self, const CrSlotCaps *caps)
{
	g_return_if_fail(CR_IS_FRONTEND_SLOT(self));
	g_return_if_fail(caps != NULL);
	normalize(&cr_frontend_slot_priv(self)->caps, caps);
}

const CrSlotCaps *
cr_frontend_slot_get_caps(CrFrontendSlot *self)
{
	const CrSlotCaps *caps;
	g_return_val_if_fail(CR_IS_FRONTEND_SLOT(self), &default_caps);
	caps = &cr_frontend_slot_priv(self)->caps;
	/* zeroed (never set): the default */
	return caps->protocols != 0 ? caps : &default_caps;
}

void
cr_backend_slot_set_caps(CrBackendSlot *self, const CrSlotCaps *caps)
{
	g_return_if_fail(CR_IS_BACKEND_SLOT(self));
	g_return_if_fail(caps != NULL);
	normalize(&cr_backend_slot_priv(self)->caps, caps);
}

const CrSlotCaps *
cr_backend_slot_get_caps(CrBackendSlot *self)
{
	const CrSlotCaps *caps;
	g_return_val_if_fail(CR_IS_BACKEND_SLOT(self), &default_caps);
	caps = &cr_backend_slot_priv(self)->caps;
	return caps->protocols != 0 ? caps : &default_caps;
}

const gchar *
cr_slot_caps_protocols_to_string(guint protocols)
{
	switch (protocols & (CR_PROTOCOL_T0 | CR_PROTOCOL_T1)) {
	case CR_PROTOCOL_T1:
		return "T=1";
	case CR_PROTOCOL_T0 | CR_PROTOCOL_T1:
		return "T=0,T=1";
	default:
		return "T=0";
	}
}

/* NULL when @caps can carry it, else why not (static text). */
static const gchar *
limit_of(const CrSlotCaps *caps, gboolean extended, gsize len, gsize response)
{
	if (extended && !caps->extended)
		return "extended length fields";
	if (len > caps->max_command)
		return "the command's length";
	if (response > caps->max_response)
		return "the answer its Le asks for";
	return NULL;
}

static GError *
refusal(CrRoute *route, const gchar *end, const gchar *slot, const CrSlotCaps *caps,
	const gchar *what, gboolean extended, gsize len, gsize response)
{
	g_autofree gchar *asks =
		response > 2 ? g_strdup_printf(" (its Le asks %zu bytes with SW1 SW2)", response)
			     : g_strdup("");
	GError *error = g_error_new(
		CR_ERROR, CR_ERROR_NOT_SUPPORTED,
		"%s: %s C-APDU of %zu bytes%s refused with 6700: "
		"%s slot %s cannot carry %s (%s, %s APDUs, %u/%u bytes)",
		cr_route_get_name(route), extended ? "extended" : "short", len, asks, end, slot,
		what, cr_slot_caps_protocols_to_string(caps->protocols),
		caps->extended ? "extended" : "short", caps->max_command, caps->max_response);
	g_autofree gchar *key = g_strdup_printf("%s %s", end, what);
	CR_LOG_LIMITED(cr_route_caps_log(route), G_LOG_LEVEL_MESSAGE, key, "%s", error->message);
	return error;
}

gboolean
cr_slot_caps_check_command(CrRoute *route, const guint8 *command, gsize len, GError **error)
{
	CrFrontendSlot *fs = cr_route_get_frontend(route);
	CrBackendSlot *bs = cr_route_get_backend(route);
	const CrSlotCaps *fc = cr_frontend_slot_get_caps(fs);
	const CrSlotCaps *bc = cr_backend_slot_get_caps(bs);
	gboolean extended;
	gsize response;
	const gchar *what;

	cr_apdu_command_needs(command, len, &extended, &response);
	what = limit_of(fc, extended, len, response);
	if (G_UNLIKELY(what != NULL)) {
		g_propagate_error(error, refusal(route, "frontend", cr_frontend_slot_get_name(fs),
						 fc, what, extended, len, response));
		return FALSE;
	}
	what = limit_of(bc, extended, len, response);
	if (G_UNLIKELY(what != NULL)) {
		g_propagate_error(error, refusal(route, "backend", cr_backend_slot_get_name(bs),
						 bc, what, extended, len, response));
		return FALSE;
	}
	return TRUE;
}

gboolean
cr_slot_caps_check_response(CrRoute *route, gsize response_len, GError **error)
{
	CrFrontendSlot *fs = cr_route_get_frontend(route);
	const CrSlotCaps *fc = cr_frontend_slot_get_caps(fs);
	GError *local;

	if (G_LIKELY(response_len <= fc->max_response))
		return TRUE;
	local = g_error_new(CR_ERROR, CR_ERROR_NOT_SUPPORTED,
			    "%s: the card's answer of %zu bytes replaced by 6700: frontend slot "
			    "%s carries at most %u bytes",
			    cr_route_get_name(route), response_len, cr_frontend_slot_get_name(fs),
			    fc->max_response);
	CR_LOG_LIMITED(cr_route_caps_log(route), G_LOG_LEVEL_MESSAGE, "frontend response", "%s",
		       local->message);
	g_propagate_error(error, local);
	return FALSE;
}
