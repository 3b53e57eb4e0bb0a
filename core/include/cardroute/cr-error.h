// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CR_ERROR:
 *
 * The one error domain of cardroute. Every failing function of the core and of
 * the plugins reports a #GError in this domain, so a user sees one vocabulary
 * (and D-Bus clients get `org.cardroute.Error.*` names).
 */
#define CR_ERROR (cr_error_quark())

typedef enum {
	CR_ERROR_FAILED,	/* something else; the message says what */
	CR_ERROR_CONFIG,	/* the INI file is wrong: file, section, key, reason */
	CR_ERROR_PLUGIN,	/* a plugin cannot be loaded or refused to start */
	CR_ERROR_NO_ROUTE,	/* the frontend slot has no route */
	CR_ERROR_NO_CARD,	/* the backend slot has no card */
	CR_ERROR_BACKEND_GONE,	/* the backend (reader, bank link) went away */
	CR_ERROR_TIMEOUT,	/* the backend did not answer in time */
	CR_ERROR_PROTOCOL,	/* a peer sent something that breaks its protocol */
	CR_ERROR_BUSY,		/* a transaction is already in flight on this slot */
	CR_ERROR_CANCELLED,	/* cancelled: terminal reset, route removed, shutdown */
	CR_ERROR_INVALID,	/* invalid argument or malformed input */
	CR_ERROR_NOT_FOUND,	/* no such slot, route, plugin */
	CR_ERROR_EXISTS,	/* already exists or already routed */
	CR_ERROR_NOT_SUPPORTED, /* the plugin or card cannot do that */
	CR_ERROR_IO,		/* operating system or transport error */
	CR_ERROR_AUTH,		/* authentication or permission refused */
	CR_ERROR_CARD,		/* the card itself failed (mute, reset failed) */
	CR_ERROR_LAST
} CrErrorCode;

GQuark cr_error_quark(void);
const gchar *cr_error_code_to_string(CrErrorCode code);
void cr_error_convert(GError **error);

G_END_DECLS
