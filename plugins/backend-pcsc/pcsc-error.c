// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcsc-error.h"

CrErrorCode
pcsc_error_code(LONG rv)
{
	switch (rv) {
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
		return CR_ERROR_NO_CARD;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_INVALID_HANDLE:
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_F_COMM_ERROR:
		return CR_ERROR_BACKEND_GONE;
	case SCARD_E_SHARING_VIOLATION:
		return CR_ERROR_BUSY;
	case SCARD_E_TIMEOUT:
		return CR_ERROR_TIMEOUT;
	case SCARD_E_CANCELLED:
		return CR_ERROR_CANCELLED;
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNSUPPORTED_CARD:
	case SCARD_W_RESET_CARD:
	case SCARD_E_PROTO_MISMATCH:
	case SCARD_E_CARD_UNSUPPORTED:
		return CR_ERROR_CARD;
	case SCARD_E_INVALID_PARAMETER:
	case SCARD_E_INVALID_VALUE:
	case SCARD_E_INSUFFICIENT_BUFFER:
		return CR_ERROR_INVALID;
	case SCARD_E_NOT_TRANSACTED:
		return CR_ERROR_IO;
	case SCARD_E_UNSUPPORTED_FEATURE:
		return CR_ERROR_NOT_SUPPORTED;
	default:
		return CR_ERROR_FAILED;
	}
}

GError *
pcsc_error_new(LONG rv, const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *what = NULL;
	va_start(ap, format);
	what = g_strdup_vprintf(format, ap);
	va_end(ap);
	return g_error_new(CR_ERROR, pcsc_error_code(rv), "%s: %s (0x%08lX)", what,
	                   pcsc_stringify_error(rv), (unsigned long)rv);
}

gboolean
pcsc_error_is_service_lost(LONG rv)
{
	return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED ||
	       rv == SCARD_E_INVALID_HANDLE || rv == SCARD_F_COMM_ERROR;
}

gboolean
pcsc_error_is_handle_lost(LONG rv)
{
	return pcsc_error_is_service_lost(rv) || rv == SCARD_W_REMOVED_CARD ||
	       rv == SCARD_E_NO_SMARTCARD || rv == SCARD_E_READER_UNAVAILABLE ||
	       rv == SCARD_E_UNKNOWN_READER || rv == SCARD_W_UNPOWERED_CARD;
}
