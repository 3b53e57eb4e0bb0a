// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A reconnecting RSPRO client connection (rspro.md D.1): the TCP client side of
 * client->server, client->bankd and bankd->server. It connects to HOST:PORT
 * asynchronously on the GLib main loop, wraps the socket in an RsproLink
 * (ROLE_CLIENT: keep-alive, CCM answers), sends the owner's Connect*Req as soon
 * as TCP is up, waits for the Connect*Res and reports CONNECTED when the
 * result is ok. Any failure (connect error or timeout, no Connect*Res in time,
 * result != ok, identity of the wrong component type, TCP down, keep-alive
 * timeout) closes the socket and retries after the back-off delay. Every state
 * change goes to the owner's state callback with a GError saying why.
 */
#pragma once

#include <gio/gio.h>

#include "rspro-link.h"
#include "rspro-tls.h"

G_BEGIN_DECLS

/* T2: TCP connect timeout; T1: time for the Connect*Res (rspro.md D.1) */
#define RSPRO_CONN_CONNECT_TIMEOUT_MS 10000
#define RSPRO_CONN_RESPONSE_TIMEOUT_MS 10000
/* the back-off index restarts when an attempt began longer ago than this */
#define RSPRO_CONN_BACKOFF_RESET_MS 32000

typedef enum {
	RSPRO_CONN_STATE_IDLE,        /* upstream INIT: stopped, no reconnect */
	RSPRO_CONN_STATE_WAIT_RETRY,  /* REESTABLISH_DELAY: back-off timer running */
	RSPRO_CONN_STATE_CONNECTING,  /* REESTABLISH: TCP connect in progress */
	RSPRO_CONN_STATE_ESTABLISHED, /* TCP up, Connect*Req sent, waiting for the Res */
	RSPRO_CONN_STATE_CONNECTED,   /* Connect*Res ok: messages flow */
} RsproConnState;

typedef struct _RsproConn RsproConn;

/*
 * Fills the zeroed @req with the Connect*Req (connectClientReq or
 * connectBankReq) to send now, starting with rspro_msg_init(); called each
 * time TCP comes up. The helper sends and clears it. Returning FALSE (with
 * @error) closes the socket and backs off.
 */
typedef gboolean (*RsproConnHelloFunc)(RsproConn *conn, RsproMsg *req, gpointer user_data,
                                       GError **error);
/*
 * Every state change. @reason is NULL when the change was asked for
 * (rspro_conn_start(), _stop(), reaching CONNECTED) and otherwise says what
 * happened, in RSPRO_ERROR or G_IO_ERROR, e.g. "refused connectClientReq:
 * identityInUse", "no PONG within 10000 ms", "Connection refused".
 * @old_state is the state that was left.
 */
typedef void (*RsproConnStateFunc)(RsproConn *conn, RsproConnState old_state,
                                   RsproConnState new_state, const GError *reason,
                                   gpointer user_data);
/* every PDU received while CONNECTED (the Connect*Res itself is not passed);
 * @msg is only valid during the call */
typedef void (*RsproConnMsgFunc)(RsproConn *conn, const RsproMsg *msg, gpointer user_data);

/*
 * @name prefixes log lines and link names ("server", "bankd"). @expected_peer
 * is the component type the Connect*Res identity must carry (SERVER or BANKD);
 * the response type awaited follows from the type of the request the hello
 * callback builds (connectClientReq -> connectClientRes, connectBankReq ->
 * connectBankRes).
 */
RsproConn *rspro_conn_new(const gchar *name, RsproComponentType expected_peer);
RsproConn *rspro_conn_ref(RsproConn *self);
/* the last unref stops everything without calling back; safe inside callbacks */
void rspro_conn_unref(RsproConn *self);

void rspro_conn_set_callbacks(RsproConn *self, RsproConnHelloFunc hello,
                              RsproConnStateFunc on_state, RsproConnMsgFunc on_msg,
                              gpointer user_data);
/*
 * TLS (rspro-tls.h) on every later connection, NULL = plain TCP. Once the
 * handshake is done the peer's certificate must name rspro:bank:
 * @expected_bank_id, or rspro:server when it is negative; otherwise a log
 * line names peer, subject and identities, the refusal is counted and the
 * connection backs off. The TLS handshake counts into T2.
 */
void rspro_conn_set_tls(RsproConn *self, RsproTls *tls, gint expected_bank_id);
gboolean rspro_conn_is_tls(const RsproConn *self);
/* peers refused for what their certificate names */
guint64 rspro_conn_get_tls_refusals(const RsproConn *self);
/* passed to every link: rspro_link_set_keepalive() (0 = no PINGs) */
void rspro_conn_set_keepalive(RsproConn *self, guint ping_interval_ms, guint pong_timeout_ms);
/* T2 and T1; 0 keeps the default */
void rspro_conn_set_timeouts(RsproConn *self, guint connect_timeout_ms, guint response_timeout_ms);
/*
 * Back-off: the n-th attempt since the index was reset starts delays_ms[n]
 * (the last entry repeats) after the previous attempt's start (at least 1 ms
 * from now). NULL / 0 entries = upstream's table: 0, 0, 0, then 1 s x30,
 * 2 s x30, 4 s x30, 8 s x30, then 16 s. The index restarts at
 * rspro_conn_start() and when the previous attempt began more than
 * @reset_after_ms ago (0 = RSPRO_CONN_BACKOFF_RESET_MS).
 */
void rspro_conn_set_backoff(RsproConn *self, const guint *delays_ms, guint n_delays,
                            guint reset_after_ms);

/*
 * Connects to @host:@port (host name or IP literal) and keeps reconnecting
 * until rspro_conn_stop(). Calling it again (e.g. a new bankd address) drops
 * the current connection and starts over with the first back-off step.
 */
void rspro_conn_start(RsproConn *self, const gchar *host, guint16 port);
/* closes the connection and stays IDLE (state callback with reason NULL) */
void rspro_conn_stop(RsproConn *self);
/* closes the current connection and reconnects after the back-off, reporting
 * @reason (taken) as the cause; no-op when IDLE */
void rspro_conn_drop(RsproConn *self, GError *reason);

/* sends one PDU; fails unless CONNECTED (upstream drops such messages too) */
gboolean rspro_conn_send(RsproConn *self, const RsproMsg *msg, GError **error);

RsproConnState rspro_conn_get_state(const RsproConn *self);
gboolean rspro_conn_is_connected(const RsproConn *self);
const gchar *rspro_conn_get_name(const RsproConn *self);
/* "host:port" of the current target, NULL before the first start */
const gchar *rspro_conn_get_address(const RsproConn *self);
/* the identity from the last accepted Connect*Res (NULL before) */
const RsproIdentity *rspro_conn_get_peer_identity(const RsproConn *self);
/* the current link while ESTABLISHED/CONNECTED, else NULL (borrowed) */
RsproLink *rspro_conn_get_link(const RsproConn *self);
/* number of TCP connect attempts since creation */
guint rspro_conn_get_attempts(const RsproConn *self);
/* while waiting to retry: when the next attempt starts (monotonic µs); else 0 */
gint64 rspro_conn_get_next_attempt(const RsproConn *self);
/* upstream's state names: INIT, REESTABLISH_DELAY, REESTABLISH, ESTABLISHED, CONNECTED */
const gchar *rspro_conn_state_name(RsproConnState state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RsproConn, rspro_conn_unref)

G_END_DECLS
