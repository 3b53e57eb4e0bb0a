// SPDX-License-Identifier: GPL-2.0-or-later
#include <gio/gio.h>

#include "cardroute/cr-error.h"

static const GDBusErrorEntry cr_error_entries[] = {
	{CR_ERROR_FAILED, "org.cardroute.Error.Failed"},
	{CR_ERROR_CONFIG, "org.cardroute.Error.Config"},
	{CR_ERROR_PLUGIN, "org.cardroute.Error.Plugin"},
	{CR_ERROR_NO_ROUTE, "org.cardroute.Error.NoRoute"},
	{CR_ERROR_NO_CARD, "org.cardroute.Error.NoCard"},
	{CR_ERROR_BACKEND_GONE, "org.cardroute.Error.BackendGone"},
	{CR_ERROR_TIMEOUT, "org.cardroute.Error.Timeout"},
	{CR_ERROR_PROTOCOL, "org.cardroute.Error.Protocol"},
	{CR_ERROR_BUSY, "org.cardroute.Error.Busy"},
	{CR_ERROR_CANCELLED, "org.cardroute.Error.Cancelled"},
	{CR_ERROR_INVALID, "org.cardroute.Error.Invalid"},
	{CR_ERROR_NOT_FOUND, "org.cardroute.Error.NotFound"},
	{CR_ERROR_EXISTS, "org.cardroute.Error.Exists"},
	{CR_ERROR_NOT_SUPPORTED, "org.cardroute.Error.NotSupported"},
	{CR_ERROR_IO, "org.cardroute.Error.IO"},
	{CR_ERROR_AUTH, "org.cardroute.Error.Auth"},
	{CR_ERROR_CARD, "org.cardroute.Error.Card"},
};
G_STATIC_ASSERT(G_N_ELEMENTS(cr_error_entries) == CR_ERROR_LAST);

GQuark
cr_error_quark(void)
{
	static gsize quark = 0;
	g_dbus_error_register_error_domain("cr-error-quark", &quark, cr_error_entries,
					   G_N_ELEMENTS(cr_error_entries));
	return (GQuark)quark;
}

const gchar *
cr_error_code_to_string(CrErrorCode code)
{
	static const gchar *names[] = {
		"failed",    "config",	   "plugin",	 "no-route",	  "no-card",
		"backend-gone", "timeout", "protocol",	 "busy",	  "cancelled",
		"invalid",   "not-found",  "exists",	 "not-supported", "io",
		"auth",	     "card",
	};
	G_STATIC_ASSERT(G_N_ELEMENTS(names) == CR_ERROR_LAST);
	if ((guint)code >= CR_ERROR_LAST)
		return "failed";
	return names[code];
}

/* Maps errors of other domains onto CR_ERROR, keeping the message. */
void
cr_error_convert(GError **error)
{
	GError *e;
	if (error == NULL || *error == NULL)
		return;
	e = *error;
	if (e->domain == CR_ERROR)
		return;
	if (e->domain == G_IO_ERROR) {
		switch (e->code) {
		case G_IO_ERROR_CANCELLED:
			e->code = CR_ERROR_CANCELLED;
			break;
		case G_IO_ERROR_TIMED_OUT:
			e->code = CR_ERROR_TIMEOUT;
			break;
		case G_IO_ERROR_NOT_FOUND:
			e->code = CR_ERROR_NOT_FOUND;
			break;
		case G_IO_ERROR_EXISTS:
		case G_IO_ERROR_ADDRESS_IN_USE:
			e->code = CR_ERROR_EXISTS;
			break;
		case G_IO_ERROR_INVALID_ARGUMENT:
		case G_IO_ERROR_INVALID_DATA:
			e->code = CR_ERROR_INVALID;
			break;
		case G_IO_ERROR_NOT_SUPPORTED:
			e->code = CR_ERROR_NOT_SUPPORTED;
			break;
		case G_IO_ERROR_PERMISSION_DENIED:
			e->code = CR_ERROR_AUTH;
			break;
		case G_IO_ERROR_BUSY:
			e->code = CR_ERROR_BUSY;
			break;
		case G_IO_ERROR_CONNECTION_REFUSED:
		case G_IO_ERROR_BROKEN_PIPE:
		case G_IO_ERROR_HOST_UNREACHABLE:
		case G_IO_ERROR_NETWORK_UNREACHABLE:
			e->code = CR_ERROR_BACKEND_GONE;
			break;
		default:
			e->code = CR_ERROR_IO;
			break;
		}
	} else if (e->domain == G_KEY_FILE_ERROR) {
		e->code = CR_ERROR_CONFIG;
	} else if (e->domain == G_FILE_ERROR) {
		e->code = e->code == G_FILE_ERROR_NOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_IO;
	} else if (e->domain == G_DBUS_ERROR) {
		e->code = CR_ERROR_FAILED;
	} else {
		e->code = CR_ERROR_FAILED;
	}
	e->domain = CR_ERROR;
}
