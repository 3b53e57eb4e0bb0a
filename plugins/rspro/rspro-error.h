// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Errors of the RSPRO library. The core's CR_ERROR may later wrap these; until
 * then every failing function sets a GError in RSPRO_ERROR (or G_IO_ERROR for
 * socket errors passed through from GIO).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RSPRO_ERROR (rspro_error_quark())

typedef enum {
	RSPRO_ERROR_MALFORMED,   /* bytes that do not decode (BER, IPA framing) */
	RSPRO_ERROR_INVALID,     /* decodes, but a value is out of range / unrepresentable */
	RSPRO_ERROR_UNSUPPORTED, /* well-formed but not something we handle (IPA proto, CCM) */
	RSPRO_ERROR_TOO_BIG,     /* more than fits in one IPA frame / the configured limit */
	RSPRO_ERROR_TIMEOUT,     /* keep-alive PONG missing */
	RSPRO_ERROR_CLOSED,      /* the peer closed the connection */
	RSPRO_ERROR_REFUSED,     /* the peer answered a Connect*Req with result != ok */
} RsproError;

GQuark rspro_error_quark(void);

G_END_DECLS
