// SPDX-License-Identifier: GPL-2.0-or-later
/* PC/SC return codes as CR_ERROR codes, with pcsc-lite's own text. */
#pragma once

#include <cardroute/cardroute.h>
#include <winscard.h>

G_BEGIN_DECLS

CrErrorCode pcsc_error_code(LONG rv);
/* "WHAT: pcsc-lite text (0x8010000C)" in the CR_ERROR domain. */
GError *pcsc_error_new(LONG rv, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
/* The context is unusable (pcscd stopped or restarted): establish a new one. */
gboolean pcsc_error_is_service_lost(LONG rv);
/* The card handle is unusable (card removed, reader gone): connect again. */
gboolean pcsc_error_is_handle_lost(LONG rv);

G_END_DECLS
