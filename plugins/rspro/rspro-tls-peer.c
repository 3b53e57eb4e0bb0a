// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The RSPRO identity a peer certificate names: subjectAltName URIs
 * "rspro:client:ID", "rspro:bank:ID", "rspro:server". The certificate is
 * parsed by GnuTLS's X.509 code (already in the process through
 * glib-networking, and the code that verified the chain); only the URI
 * strings it returns are parsed here (rspro_tls_peer_add_uri(), fuzzed).
 */
#include "rspro-tls.h"

#include <gnutls/x509.h>
#include <string.h>

#include "rspro-error.h"

/* a decimal id 0..65535 filling @len bytes exactly */
static gboolean
parse_id(const gchar *text, gsize len, guint *out)
{
	guint value = 0;

	if (len == 0 || len > 5)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return FALSE;
		value = value * 10 + (guint)(text[i] - '0');
	}
	if (value > G_MAXUINT16)
		return FALSE;
	*out = value;
	return TRUE;
}

static GArray *
ensure(GArray **array)
{
	if (*array == NULL)
		*array = g_array_new(FALSE, FALSE, sizeof(guint));
	return *array;
}

gboolean
rspro_tls_peer_add_uri(RsproTlsPeer *peer, const gchar *uri, gsize len)
{
	static const gchar client[] = "rspro:client:";
	static const gchar bank[] = "rspro:bank:";
	static const gchar server[] = "rspro:server";
	guint id;

	if (len == sizeof(server) - 1 && memcmp(uri, server, len) == 0) {
		peer->server = TRUE;
		return TRUE;
	}
	if (len > sizeof(client) - 1 && memcmp(uri, client, sizeof(client) - 1) == 0 &&
	    parse_id(uri + sizeof(client) - 1, len - (sizeof(client) - 1), &id)) {
		g_array_append_val(ensure(&peer->client_ids), id);
		return TRUE;
	}
	if (len > sizeof(bank) - 1 && memcmp(uri, bank, sizeof(bank) - 1) == 0 &&
	    parse_id(uri + sizeof(bank) - 1, len - (sizeof(bank) - 1), &id)) {
		g_array_append_val(ensure(&peer->bank_ids), id);
		return TRUE;
	}
	return FALSE;
}

gboolean
rspro_tls_peer_parse_der(const guint8 *der, gsize len, RsproTlsPeer *peer, GError **error)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t datum = {(unsigned char *)der, (unsigned int)len};
	int rc;

	if (len > G_MAXUINT32 || gnutls_x509_crt_init(&crt) < 0) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "cannot parse the certificate");
		return FALSE;
	}
	rc = gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_DER);
	if (rc < 0) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "cannot parse the certificate: %s",
		            gnutls_strerror(rc));
		gnutls_x509_crt_deinit(crt);
		return FALSE;
	}
	for (unsigned int i = 0; i < 1024; i++) {
		size_t size = 0;
		g_autofree guint8 *data = NULL;

		rc = gnutls_x509_crt_get_subject_alt_name(crt, i, NULL, &size, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc != GNUTLS_E_SHORT_MEMORY_BUFFER || size == 0 || size > 4096)
			continue;
		data = g_malloc(size + 1);
		rc = gnutls_x509_crt_get_subject_alt_name(crt, i, data, &size, NULL);
		if (rc == GNUTLS_SAN_URI)
			rspro_tls_peer_add_uri(peer, (const gchar *)data, size);
	}
	if (peer->subject == NULL) {
		gnutls_datum_t dn = {NULL, 0};

		if (gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
			peer->subject = g_strndup((const gchar *)dn.data, dn.size);
			gnutls_free(dn.data);
		}
	}
	gnutls_x509_crt_deinit(crt);
	return TRUE;
}

static gboolean
array_has(const GArray *array, guint id)
{
	for (guint i = 0; array != NULL && i < array->len; i++)
		if (g_array_index(array, guint, i) == id)
			return TRUE;
	return FALSE;
}

gboolean
rspro_tls_peer_has_client(const RsproTlsPeer *peer, guint id)
{
	return peer != NULL && array_has(peer->client_ids, id);
}

gboolean
rspro_tls_peer_has_bank(const RsproTlsPeer *peer, guint id)
{
	return peer != NULL && array_has(peer->bank_ids, id);
}

gchar *
rspro_tls_peer_describe(const RsproTlsPeer *peer)
{
	GString *out = g_string_new(NULL);

	if (peer->server)
		g_string_append(out, "rspro:server");
	for (guint i = 0; peer->client_ids != NULL && i < peer->client_ids->len; i++)
		g_string_append_printf(out, "%srspro:client:%u", out->len > 0 ? ", " : "",
		                       g_array_index(peer->client_ids, guint, i));
	for (guint i = 0; peer->bank_ids != NULL && i < peer->bank_ids->len; i++)
		g_string_append_printf(out, "%srspro:bank:%u", out->len > 0 ? ", " : "",
		                       g_array_index(peer->bank_ids, guint, i));
	if (out->len == 0)
		g_string_append(out, "no rspro identity");
	return g_string_free(out, FALSE);
}

void
rspro_tls_peer_clear(RsproTlsPeer *peer)
{
	g_clear_pointer(&peer->subject, g_free);
	g_clear_pointer(&peer->client_ids, g_array_unref);
	g_clear_pointer(&peer->bank_ids, g_array_unref);
	peer->server = FALSE;
}
