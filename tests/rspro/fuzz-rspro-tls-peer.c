// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the identity of a peer certificate. The input is tried as a
 * DER certificate (our walk over its subjectAltNames, on GnuTLS's parser) and
 * as one URI (rspro_tls_peer_add_uri(), our own parser).
 */
#include <stdint.h>
#include <stdlib.h>

#include "rspro-tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RsproTlsPeer peer = {0};
	g_autofree gchar *text = NULL;

	if (rspro_tls_peer_parse_der(data, size, &peer, NULL)) {
		text = rspro_tls_peer_describe(&peer);
		if (text == NULL)
			abort();
	}
	rspro_tls_peer_clear(&peer);
	if (rspro_tls_peer_add_uri(&peer, (const gchar *)data, size) &&
	    !peer.server && peer.client_ids == NULL && peer.bank_ids == NULL)
		abort(); /* accepted without recording anything */
	rspro_tls_peer_clear(&peer);
	return 0;
}
