// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An RSPRO link: one IPA connection (any GIOStream, normally a TCP
 * GSocketConnection) on the GLib main loop. It reassembles frames from partial
 * reads, writes each frame with one write, answers CCM messages as the given
 * role does upstream (rspro.md A.3), runs the IPA keep-alive (A.4) and hands
 * every decoded RSPRO PDU to a callback. Anything fatal ends the link once,
 * through the down callback, with a GError saying why.
 */
#pragma once

#include <gio/gio.h>

#include <cardroute/cr-reactor.h>

#include "rspro-error.h"
#include "rspro-msg.h"

G_BEGIN_DECLS

#define RSPRO_LINK_PING_INTERVAL_MS 30000
#define RSPRO_LINK_PONG_TIMEOUT_MS 10000
/* queued, unsent output beyond this ends the link (a peer that stopped reading) */
#define RSPRO_LINK_MAX_QUEUED (1024 * 1024)

typedef enum {
	/* remsim-client / bankd towards the server, client towards the bankd: sends
	 * PINGs; answers ID_GET with ID_RESP + ID_ACK; ignores ID_ACK, ID_RESP and
	 * unknown CCM; an undecodable RSPRO PDU is dropped */
	RSPRO_LINK_ROLE_CLIENT,
	/* the server's side of a client or bankd connection: sends PINGs; answers
	 * ID_ACK with ID_ACK; ignores ID_RESP; other CCM (ID_GET, unknown) ends the
	 * link; an undecodable RSPRO PDU is dropped */
	RSPRO_LINK_ROLE_SERVER,
	/* the bankd's side of a client data connection: never sends PINGs; answers
	 * ID_ACK with ID_ACK; ignores other CCM; an undecodable PDU ends the link */
	RSPRO_LINK_ROLE_BANK,
} RsproLinkRole;

typedef struct _RsproLink RsproLink;

/* @msg is only valid during the call */
typedef void (*RsproLinkMsgFunc)(RsproLink *link, const RsproMsg *msg, gpointer user_data);
/* called once; the link is closed already (sending fails); unref it when done */
typedef void (*RsproLinkDownFunc)(RsproLink *link, const GError *error, gpointer user_data);

/* @name prefixes log lines (e.g. "server", "bankd 10.0.0.2:9999") */
RsproLink *rspro_link_new(GIOStream *stream, RsproLinkRole role, const gchar *name);
RsproLink *rspro_link_ref(RsproLink *self);
/* dropping the last reference closes the link without calling the down callback */
void rspro_link_unref(RsproLink *self);

void rspro_link_set_callbacks(RsproLink *self, RsproLinkMsgFunc on_msg, RsproLinkDownFunc on_down,
                              gpointer user_data);
/* interval 0 = send no PINGs (PINGs from the peer are still answered); call
 * before rspro_link_start(). Defaults: 30 s / 10 s, none for ROLE_BANK. */
void rspro_link_set_keepalive(RsproLink *self, guint ping_interval_ms, guint pong_timeout_ms);
/* whether an undecodable RSPRO PDU ends the link (default: per role, see above) */
void rspro_link_set_close_on_decode_error(RsproLink *self, gboolean close);

/* starts reading (and the keep-alive: the first PING goes out at once) */
void rspro_link_start(RsproLink *self);
/* encodes and queues one PDU; fails if it does not encode or the link is down.
 * If more than RSPRO_LINK_MAX_QUEUED bytes are waiting, the link ends here
 * (the down callback runs before this returns FALSE). */
gboolean rspro_link_send(RsproLink *self, const RsproMsg *msg, GError **error);
/* queues one complete, already framed IPA frame as it is */
gboolean rspro_link_send_frame(RsproLink *self, const guint8 *frame, gsize len, GError **error);
/* ends the link without calling the down callback */
void rspro_link_close(RsproLink *self);

gboolean rspro_link_is_up(const RsproLink *self);
const gchar *rspro_link_get_name(const RsproLink *self);
GIOStream *rspro_link_get_stream(const RsproLink *self);

/* "HOST:PORT", an IPv6 literal in brackets ("[::1]:9999"): addresses in logs,
 * describe() and the bankd's announced address */
gchar *rspro_host_port_string(const gchar *host, guint port);

/*
 * The TCP listener the server and bankd sides accept links on, on the core's
 * reactor, accepting at once: @host is an IP literal, @port 0 takes any free
 * port; @backlog 0 = SOMAXCONN. @name prefixes its log lines. Out of file
 * descriptors, it pauses accepting instead of spinning (cr_listener_new()).
 * *@bound_port gets the port in use. On failure @error (G_IO_ERROR) reads
 * "cannot listen on HOST:PORT: why".
 */
CrListener *rspro_listen(const gchar *host, guint16 port, gint backlog, const gchar *name,
                         CrListenerFunc func, gpointer user_data, guint16 *bound_port,
                         GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RsproLink, rspro_link_unref)

G_END_DECLS
