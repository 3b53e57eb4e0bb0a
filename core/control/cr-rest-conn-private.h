// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared by cr-rest-conn.c (connection lifetimes) and cr-rest-listen.c
 * (the listening socket and its accept loop). */
#pragma once

#include <cardroute/cr-log-limit.h>

#include "cr-rest-conn.h"

G_BEGIN_DECLS

#define ACCEPT_BATCH 8 /* connections per turn: each may be a whole request handled */
#define ACCEPT_BACKOFF_MS 250
#define LINGER_MS 2000
#define LINGER_MAX_BYTES (1024 * 1024) /* dropped before closing regardless */
#define SNDBUF (64 * 1024) /* the kernel's share of what a client has not read */
#define LINGER_MAX 64 /* connections lingering at once; more are closed at once */

typedef enum {
	PHASE_IDLE,
	PHASE_HEADERS,
	PHASE_BODY,
	PHASE_HANDLING,
	PHASE_LINGER,
	PHASE_STREAM, /* taken by a long-lived response written here (the event stream) */
} Phase;

typedef enum {
	CLOSED_HEADER_TIMEOUT,
	CLOSED_IDLE_TIMEOUT,
	CLOSED_PEER,
	CLOSED_EARLY_ANSWER,
	CLOSED_BODY_TOO_LARGE,
	CLOSED_N,
} ClosedReason;

struct _CrRestConns {
	SoupServer *server;
	CrRestLimits limits;
	GTlsCertificate *cert;
	GSocket *listener;
	GSource *accept_source;
	GSource *backoff;
	gulong started_id;
	GHashTable *conns;   /* Conn -> itself */
	GHashTable *by_peer; /* "ip port" -> Conn (borrowed) */
	GHashTable *per_ip;  /* ip -> count */
	guint lingering;
	CrLogLimiter *log;
	guint64 accepted;
	guint64 refused_total;
	guint64 refused_per_address;
	guint64 accept_errors;
	guint64 closed[CLOSED_N];
};

struct _CrRestConn {
	CrRestConns *owner;
	GSocket *socket; /* NULL once a plain stream was taken: then fd */
	gint fd;
	GIOStream *stream; /* weak while libsoup has it, owned once taken back */
	GIOStream *unhanded; /* owned until its first byte: then libsoup gets it */
	GSocketAddress *local;
	GSocketAddress *remote;
	gboolean taken;
	gchar *peer; /* "ip port": the key of by_peer */
	gchar *ip;
	Phase phase;
	gboolean served; /* a request was answered on it */
	GSource *timer;
	GSource *watch;
	SoupServerMessage *msg;
	gulong msg_ids[4];
	gsize body_bytes;
	GBytes *out;
	gsize out_off;
	gboolean shut;
	gsize dropped;
	gboolean absolute_form; /* the request line names a whole URI */
	GDestroyNotify stream_closed; /* PHASE_STREAM: the taker, told when closed here */
	gpointer stream_closed_data;
};
typedef struct _CrRestConn Conn;

/* "ip port" of @addr (the key of a connection); @ip_out: the address alone */
gchar *cr_rest_peer_key(GSocketAddress *addr, gchar **ip_out);
/* cr-rest-conn.c: counts @socket against the limits, times it, and hands
 * @stream (libsoup holds the reference from then on) to the server. */
void cr_rest_conn_adopt(CrRestConns *self, GSocket *socket, GIOStream *stream,
			GSocketAddress *local, GSocketAddress *remote, const gchar *key,
			const gchar *ip);
/* cr-rest-listen.c: stops accepting and closes the listening socket. */
void cr_rest_listen_stop(CrRestConns *self);

G_END_DECLS
