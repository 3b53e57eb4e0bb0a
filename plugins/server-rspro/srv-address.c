// SPDX-License-Identifier: GPL-2.0-or-later
/* Bank addresses: "HOST:PORT" text <-> the RSPRO IpPort given to clients. */
#include "srv-private.h"

#include <string.h>

gboolean
srv_ip_port_from_inet(const gchar *ip, guint16 port, RsproIpPort *out)
{
	g_autoptr(GInetAddress) a = g_inet_address_new_from_string(ip);
	const guint8 *bytes;

	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return FALSE;
	bytes = g_inet_address_to_bytes(a);
	out->port = port;
	if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4) {
		memcpy(out->addr, bytes, 4);
		return TRUE;
	}
	/* an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 peer */
	if (memcmp(bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memcpy(out->addr, bytes + 12, 4);
		return TRUE;
	}
	out->is_ipv6 = TRUE;
	memcpy(out->addr, bytes, 16);
	return TRUE;
}

/* "A.B.C.D:PORT", "[V6]:PORT", "*:PORT" (*any: the bank's source address) */
gboolean
srv_ip_port_parse(const gchar *text, RsproIpPort *out, gboolean *any, GError **error)
{
	g_autofree gchar *host = NULL;
	guint16 port = 0;
	gboolean is_any = FALSE;

	memset(out, 0, sizeof(*out));
	if (g_str_has_prefix(text, "*:")) {
		guint64 v;
		host = g_strdup("0.0.0.0");
		if (!g_ascii_string_to_unsigned(text + 2, 10, 1, 65535, &v, error))
			return FALSE;
		port = (guint16)v;
	} else if (!cr_parse_host_port(text, NULL, 0, &host, &port, error)) {
		return FALSE;
	}
	if (port == 0) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "%s: a port is needed", text);
		return FALSE;
	}
	if (!srv_ip_port_from_inet(host, port, out)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "%s: '%s' is not an IP address", text,
			    host);
		return FALSE;
	}
	if (!out->is_ipv6 && memcmp(out->addr, "\0\0\0\0", 4) == 0)
		is_any = TRUE;
	if (any != NULL)
		*any = is_any;
	else if (is_any) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "%s: not an address of the bank",
			    text);
		return FALSE;
	}
	return TRUE;
}

gchar *
srv_ip_port_to_string(const RsproIpPort *addr)
{
	g_autofree gchar *ip = rspro_ip_port_host(addr);
	return rspro_host_port_string(ip, addr->port);
}
