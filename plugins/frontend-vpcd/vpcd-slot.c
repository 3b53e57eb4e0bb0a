// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A vpcd reader slot played as a card (../shared/protocols/vpcd.md).
 *
 * While the route has a card, the slot keeps a TCP connection with vpcd (we
 * connect, or in listen mode vpcd connects to us); without a card there is no
 * connection, so pcscd sees the card removed. Presence polls (get ATR) are
 * answered from the ATR the core gave us, never from the backend; power and
 * reset messages go to the core; APDUs are submitted and their answer written
 * back as one frame.
 *
 * Speed: vpcd (bookworm) writes a frame's length and payload with two send()
 * calls and does not disable Nagle, so its payload waits for our ACK of the
 * length. A receiver with delayed ACKs stalls ~40 ms per message; re-arming
 * TCP_QUICKACK before every recv() makes the kernel ACK at once. Our replies
 * go out as one send() per frame with TCP_NODELAY.
 *
 * I/O: the connection, the listening socket and the retry timer are
 * registrations on the core's reactor (cr-reactor.h): one epoll entry per
 * socket for its whole life, EPOLLOUT only while a reply waits for room.
 *
 * Capabilities: a vpcd frame carries any APDU up to VPCD_APDU_MAX bytes
 * either way, short or extended, whatever protocol pcscd negotiated (vpcd
 * passes APDUs through and never makes TPDUs of them). The slot reports the
 * protocols of the ATR it presents, which is the route's card's ATR:
 * pcscd negotiates from it, so the terminal sees the protocol of the card at
 * the other end. Only an announcement of extended Lc/Le fields in its
 * historical bytes is taken out when the route's backend cannot carry them.
 * What a backend cannot carry is refused by the core with 6700 and a log
 * line naming that end (README.md, "Extended APDUs").
 *
 * Listen mode takes one vpcd: another connection while the first is alive is
 * closed at once and logged (at most once a minute); one arriving after the
 * first has hung up (seen by a peek at the old socket) replaces it.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vpcd-frame.h"
#include "vpcd-slot.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define RECV_CHUNK 16384

struct _VpcdSlot {
	CrFrontendSlot parent_instance;
	gchar *host;
	guint16 port;
	VpcdMode mode;
	gboolean running;
	GBytes *atr; /* the card to play; NULL: none */

	int fd; /* the connection with vpcd, or -1 */
	CrWatch *watch;
	gboolean connecting; /* connect() in progress on fd */
	gboolean accepted;   /* vpcd has spoken on this connection */
	guint64 generation;  /* bumped whenever a connection ends */
	VpcdFrameReader *reader;
	GByteArray *out; /* bytes a short send() left */
	guint8 *frame;   /* one encoded frame */
	guint8 *chunk;   /* recv() buffer */

	int listen_fd;
	CrWatch *listen_watch;
	gint64 refused_logged_us; /* last log of a refused second vpcd */
	guint64 refused;

	CrTimer retry_timer;
	guint backoff_ms;
	gboolean failure_logged;

	gboolean busy; /* an APDU is with the core */
	guint64 busy_generation;
	gboolean powered;

	guint event_hook;

	guint64 apdus;
	guint64 polls;
	guint64 connections;
};

G_DEFINE_TYPE(VpcdSlot, vpcd_slot, CR_TYPE_FRONTEND_SLOT)

static void try_connect(VpcdSlot *self);
static void start_listening(VpcdSlot *self);

static const gchar *
slot_name(VpcdSlot *self)
{
	return cr_frontend_slot_get_name(CR_FRONTEND_SLOT(self));
}

static void
set_nodelay_quickack(int fd)
{
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static void
close_connection(VpcdSlot *self, CrSlotState state, const gchar *why)
{
	g_autoptr(GError) reason = NULL;
	if (self->fd < 0)
		return;
	g_clear_pointer(&self->watch, cr_watch_free);
	self->connecting = FALSE;
	close(self->fd);
	self->fd = -1;
	self->generation++;
	self->busy = FALSE;
	vpcd_frame_reader_init(self->reader);
	g_byte_array_set_size(self->out, 0);
	if (why != NULL && self->accepted)
		g_message("%s: vpcd connection closed: %s", slot_name(self), why);
	else if (why != NULL)
		g_debug("%s: vpcd connection closed: %s", slot_name(self), why);
	self->accepted = FALSE;
	if (why != NULL)
		reason = g_error_new_literal(CR_ERROR, CR_ERROR_IO, why);
	cr_frontend_slot_set_state(CR_FRONTEND_SLOT(self), state, reason);
}

static void
retry_cb(CrTimer *timer, gpointer user_data)
{
	try_connect(user_data);
}

/* vpcd is not there (yet) or dropped us: try again later, waiting longer
 * each time, while the route still has a card. */
static void
schedule_retry(VpcdSlot *self)
{
	if (!self->running || self->atr == NULL || self->mode != VPCD_MODE_CONNECT ||
	    cr_timer_is_armed(&self->retry_timer) || self->fd >= 0)
		return;
	cr_timer_arm(&self->retry_timer, self->backoff_ms);
	self->backoff_ms = MIN(self->backoff_ms * 2, BACKOFF_MAX_MS);
}

static void
drop_and_retry(VpcdSlot *self, const gchar *why)
{
	close_connection(self, CR_SLOT_STATE_DOWN, why);
	schedule_retry(self);
}

/* the socket has room again: send what a short send() left */
static void
flush_out(VpcdSlot *self)
{
	ssize_t n = send(self->fd, self->out->data, self->out->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		g_autofree gchar *why = g_strdup_printf("send: %s", g_strerror(errno));
		drop_and_retry(self, why);
		return;
	}
	g_byte_array_remove_range(self->out, 0, (guint)n);
	if (self->out->len == 0)
		cr_watch_set_events(self->watch, G_IO_IN);
}

/* Writes one frame with one send() (the rest later if the socket is full). */
static void
send_frame(VpcdSlot *self, const guint8 *payload, gsize len)
{
	gsize total = vpcd_frame_encode(payload, len, self->frame, VPCD_FRAME_MAX_PAYLOAD + 2);
	ssize_t n = 0;
	if (total == 0) {
		g_autofree gchar *why =
		        g_strdup_printf("a reply of %zu bytes does not fit a vpcd frame", len);
		g_warning("%s: %s", slot_name(self), why);
		drop_and_retry(self, why);
		return;
	}
	if (self->out->len == 0) {
		n = send(self->fd, self->frame, total, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			g_autofree gchar *why = g_strdup_printf("send: %s", g_strerror(errno));
			drop_and_retry(self, why);
			return;
		}
		if (n < 0)
			n = 0;
	}
	if ((gsize)n < total) {
		g_byte_array_append(self->out, self->frame + n, (guint)(total - (gsize)n));
		cr_watch_set_events(self->watch, G_IO_IN | G_IO_OUT);
	}
}

static void
handle_message(VpcdSlot *self, const guint8 *payload, gsize len)
{
	CrFrontendSlot *fs = CR_FRONTEND_SLOT(self);
	VpcdMessage msg = vpcd_message_classify(payload, len);

	if (!self->accepted) {
		self->accepted = TRUE;
		self->backoff_ms = BACKOFF_MIN_MS;
		self->failure_logged = FALSE;
		self->connections++;
		g_message("%s: vpcd took the card (port %u)", slot_name(self), self->port);
		cr_frontend_slot_set_state(fs, CR_SLOT_STATE_PRESENT, NULL);
	}
	if (self->busy) {
		drop_and_retry(self, "vpcd sent a message while an APDU was in flight");
		return;
	}
	switch (msg) {
	case VPCD_MSG_GET_ATR:
		self->polls++;
		if (self->atr == NULL) {
			close_connection(self, CR_SLOT_STATE_EMPTY, "no card");
			return;
		}
		send_frame(self, g_bytes_get_data(self->atr, NULL), g_bytes_get_size(self->atr));
		return;
	case VPCD_MSG_POWER_OFF:
		g_debug("%s: power off", slot_name(self));
		self->powered = FALSE;
		cr_frontend_slot_power_off(fs);
		return;
	case VPCD_MSG_POWER_ON:
		g_debug("%s: power on", slot_name(self));
		self->powered = TRUE;
		cr_frontend_slot_reset(fs, CR_RESET_COLD);
		return;
	case VPCD_MSG_RESET:
		g_debug("%s: warm reset", slot_name(self));
		self->powered = TRUE;
		cr_frontend_slot_reset(fs, CR_RESET_WARM);
		return;
	case VPCD_MSG_UNKNOWN_CONTROL:
		g_message("%s: ignoring unknown vpcd control byte %02X", slot_name(self),
		          payload[0]);
		return;
	case VPCD_MSG_SHORT_APDU: {
		static const guint8 wrong_length[] = {0x67, 0x00};
		g_message("%s: a command of %zu bytes is no APDU: answering 6700", slot_name(self),
		          len);
		send_frame(self, wrong_length, sizeof(wrong_length));
		return;
	}
	case VPCD_MSG_APDU:
		self->apdus++;
		self->busy = TRUE;
		self->busy_generation = self->generation;
		/* may call transaction_done() before it returns */
		cr_frontend_slot_submit(fs, payload, len);
		return;
	case VPCD_MSG_INVALID:
		break;
	}
	drop_and_retry(self, "invalid vpcd message");
}

static void
readable(VpcdSlot *self)
{
	int fd = self->fd;
	guint64 generation = self->generation;
	int one = 1;
	ssize_t n;
	gsize off = 0;

	/* acknowledge what comes next at once (see the top of the file) */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	n = recv(fd, self->chunk, RECV_CHUNK, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		g_autofree gchar *why = n == 0 ? g_strdup("vpcd closed the connection")
		                               : g_strdup_printf("recv: %s", g_strerror(errno));
		drop_and_retry(self, why);
		return;
	}
	while (off < (gsize)n && self->generation == generation) {
		size_t used = 0;
		VpcdFrameStatus st = vpcd_frame_reader_feed(self->reader, self->chunk + off,
		                                            (gsize)n - off, &used);
		off += used;
		if (st == VPCD_FRAME_EMPTY) {
			g_warning("%s: vpcd sent a frame of length 0", slot_name(self));
			drop_and_retry(self, "malformed frame (length 0)");
			return;
		}
		if (st == VPCD_FRAME_READY) {
			size_t len;
			const guint8 *payload = vpcd_frame_reader_payload(self->reader, &len);
			handle_message(self, payload, len);
		}
	}
}

/* A fresh connection with vpcd (connect() in progress, or accepted). */
static void
connection_init(VpcdSlot *self, int fd)
{
	self->fd = fd;
	self->accepted = FALSE;
	vpcd_frame_reader_init(self->reader);
	set_nodelay_quickack(fd);
}

/* connect() failed: log it once per run of failures, try again later. */
static void
connect_failed(VpcdSlot *self, int err)
{
	if (!self->failure_logged)
		g_message("%s: cannot reach vpcd at %s:%u: %s (retrying)", slot_name(self),
		          self->host, self->port, g_strerror(err));
	self->failure_logged = TRUE;
	g_clear_pointer(&self->watch, cr_watch_free);
	self->connecting = FALSE;
	close(self->fd);
	self->fd = -1;
	cr_frontend_slot_set_state(CR_FRONTEND_SLOT(self), CR_SLOT_STATE_DOWN, NULL);
	schedule_retry(self);
}

static void
connect_done(VpcdSlot *self)
{
	int err = 0;
	socklen_t len = sizeof(err);
	self->connecting = FALSE;
	if (getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		connect_failed(self, err);
		return;
	}
	g_debug("%s: connected to %s:%u, waiting for vpcd", slot_name(self), self->host,
	        self->port);
	cr_watch_set_events(self->watch, G_IO_IN);
}

/* everything on the connection's socket */
static void
connection_cb(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	VpcdSlot *self = user_data;
	guint64 generation = self->generation;

	if (self->connecting) {
		connect_done(self);
		return;
	}
	if ((events & G_IO_OUT) && self->out->len > 0)
		flush_out(self);
	if (self->generation == generation && self->fd >= 0 &&
	    (events & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
		readable(self);
}

static gboolean
watch_connection(VpcdSlot *self, GIOCondition events)
{
	g_autoptr(GError) error = NULL;

	self->watch = cr_watch_new(NULL, self->fd, events, connection_cb, self, &error);
	if (self->watch == NULL)
		g_warning("%s: %s", slot_name(self), error->message);
	return self->watch != NULL;
}

static struct addrinfo *
resolve(VpcdSlot *self, gboolean passive)
{
	struct addrinfo hints = {0}, *res = NULL;
	g_autofree gchar *port = g_strdup_printf("%u", self->port);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	if (getaddrinfo(self->host, port, &hints, &res) == 0)
		return res;
	/* a name: resolved once per attempt (blocking, from /etc/hosts mostly) */
	hints.ai_flags &= ~AI_NUMERICHOST;
	if (getaddrinfo(self->host, port, &hints, &res) == 0)
		return res;
	return NULL;
}

static void
try_connect(VpcdSlot *self)
{
	struct addrinfo *ai;
	int fd;
	if (!self->running || self->atr == NULL || self->fd >= 0)
		return;
	ai = resolve(self, FALSE);
	if (ai == NULL) {
		if (!self->failure_logged)
			g_message("%s: cannot resolve %s (retrying)", slot_name(self), self->host);
		self->failure_logged = TRUE;
		schedule_retry(self);
		return;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_warning("%s: socket: %s", slot_name(self), g_strerror(errno));
		freeaddrinfo(ai);
		schedule_retry(self);
		return;
	}
	connection_init(self, fd);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		int err = errno;
		freeaddrinfo(ai);
		connect_failed(self, err);
		return;
	}
	freeaddrinfo(ai);
	self->connecting = TRUE;
	if (!watch_connection(self, G_IO_OUT))
		connect_failed(self, EMFILE);
}

/* whether the current connection's peer has hung up (EOF or error waiting) */
static gboolean
peer_gone(VpcdSlot *self)
{
	guint8 b;
	ssize_t n = recv(self->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static void
accept_cb(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	VpcdSlot *self = user_data;
	int fd = accept4(self->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (self->atr == NULL) {
		close(fd);
		return;
	}
	/* one vpcd per slot: a second local peer does not replace the first */
	if (self->fd >= 0 && !peer_gone(self)) {
		gint64 now = g_get_monotonic_time();

		self->refused++;
		if (self->refused_logged_us == 0 ||
		    now - self->refused_logged_us > 60 * G_USEC_PER_SEC) {
			g_message("%s: refused another connection while vpcd is connected "
			          "(%" G_GUINT64_FORMAT " so far)",
			          slot_name(self), self->refused);
			self->refused_logged_us = now;
		}
		close(fd);
		return;
	}
	if (self->fd >= 0)
		close_connection(self, CR_SLOT_STATE_EMPTY, "vpcd connected again");
	g_debug("%s: vpcd connected", slot_name(self));
	connection_init(self, fd);
	if (!watch_connection(self, G_IO_IN))
		close_connection(self, CR_SLOT_STATE_EMPTY, "cannot watch the connection");
}

static void
stop_listening(VpcdSlot *self)
{
	g_clear_pointer(&self->listen_watch, cr_watch_free);
	if (self->listen_fd >= 0)
		close(self->listen_fd);
	self->listen_fd = -1;
}

static void
start_listening(VpcdSlot *self)
{
	struct addrinfo *ai;
	int fd, one = 1;
	if (!self->running || self->atr == NULL || self->listen_fd >= 0)
		return;
	ai = resolve(self, TRUE);
	if (ai == NULL) {
		g_warning("%s: cannot resolve %s", slot_name(self), self->host);
		return;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		g_warning("%s: cannot listen on %s:%u: %s", slot_name(self), self->host, self->port,
		          g_strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return;
	}
	freeaddrinfo(ai);
	self->listen_fd = fd;
	self->listen_watch = cr_watch_new(NULL, fd, G_IO_IN, accept_cb, self, NULL);
	if (self->listen_watch == NULL) {
		g_warning("%s: cannot watch the listening socket", slot_name(self));
		stop_listening(self);
		return;
	}
	g_message("%s: waiting for vpcd on %s:%u", slot_name(self), self->host, self->port);
}

static void
offer_card(VpcdSlot *self)
{
	if (self->mode == VPCD_MODE_LISTEN)
		start_listening(self);
	else
		try_connect(self);
}

static void
withdraw_card(VpcdSlot *self, const gchar *why)
{
	cr_timer_cancel(&self->retry_timer);
	close_connection(self, CR_SLOT_STATE_EMPTY, why);
	stop_listening(self);
}

/* What this slot carries with @atr presented (NULL: none yet). */
static void
update_caps(VpcdSlot *self, GBytes *atr)
{
	CrSlotCaps caps = {
	        .protocols = atr != NULL ? cr_atr_protocols(g_bytes_get_data(atr, NULL),
	                                                    g_bytes_get_size(atr))
	                                 : CR_PROTOCOL_T0 | CR_PROTOCOL_T1,
	        .extended = TRUE,
	        .max_command = VPCD_APDU_MAX,
	        .max_response = VPCD_APDU_MAX,
	};
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(self), &caps);
}

/* The ATR to present: the card's, unless its historical bytes announce
 * extended Lc/Le fields that the route's backend cannot carry; then that
 * announcement is taken out, so applications that read it (OpenSC) send
 * short APDUs. */
static GBytes *
presented_atr(VpcdSlot *self, GBytes *atr)
{
	CrRoute *route = cr_frontend_slot_get_route(CR_FRONTEND_SLOT(self));
	CrBackendSlot *backend = route != NULL ? cr_route_get_backend(route) : NULL;
	guint8 out[CR_ATR_MAX];

	if (backend == NULL || cr_backend_slot_get_caps(backend)->extended ||
	    !cr_atr_clear_extended(g_bytes_get_data(atr, NULL), g_bytes_get_size(atr), out))
		return g_bytes_ref(atr);
	return g_bytes_new(out, g_bytes_get_size(atr));
}

static void
vpcd_slot_card_changed(CrFrontendSlot *fs, GBytes *card_atr)
{
	VpcdSlot *self = VPCD_SLOT(fs);
	g_autoptr(GBytes) atr = card_atr != NULL ? presented_atr(self, card_atr) : NULL;
	gboolean swapped = self->atr != NULL && atr != NULL && !g_bytes_equal(self->atr, atr);

	if (atr != NULL && !g_bytes_equal(atr, card_atr) &&
	    (self->atr == NULL || !g_bytes_equal(self->atr, atr)))
		g_message("%s: the route's backend carries no extended APDUs: presenting the "
		          "card's ATR without its extended-length announcement",
		          slot_name(self));
	g_clear_pointer(&self->atr, g_bytes_unref);
	if (atr != NULL) {
		self->atr = g_bytes_ref(atr);
		update_caps(self, atr);
	}
	if (!self->running)
		return;
	if (atr == NULL) {
		if (self->fd >= 0 || self->listen_fd >= 0)
			g_message("%s: no card: leaving vpcd", slot_name(self));
		withdraw_card(self, "no card");
		return;
	}
	if (swapped && self->fd >= 0) {
		/* another card: vpcd must see a removal and a new insertion */
		g_message("%s: another card: reconnecting to vpcd", slot_name(self));
		close_connection(self, CR_SLOT_STATE_EMPTY, "card changed");
	}
	self->backoff_ms = BACKOFF_MIN_MS;
	offer_card(self);
}

static void
vpcd_slot_transaction_done(CrFrontendSlot *fs, CrTransaction *tx)
{
	VpcdSlot *self = VPCD_SLOT(fs);
	const guint8 *resp;
	gsize len;

	if (!self->busy)
		return;
	self->busy = FALSE;
	if (self->fd < 0 || self->busy_generation != self->generation)
		return; /* that connection is gone */
	resp = cr_transaction_get_response(tx, &len);
	if (resp != NULL && len > 0) {
		send_frame(self, resp, len);
		return;
	}
	/* no answer to give: the terminal sees the card removed, and a fresh
	 * one inserted if the route still has it */
	g_message("%s: no answer for vpcd (%s): removing the card", slot_name(self),
	          cr_transaction_get_error(tx) ? cr_transaction_get_error(tx)->message : "none");
	close_connection(self, CR_SLOT_STATE_EMPTY, NULL);
	if (self->mode == VPCD_MODE_CONNECT)
		schedule_retry(self);
}

/* The core tells the terminal the card is gone only under the remove-card
 * policy; a PC/SC reader should show no card whenever the route's card is
 * gone (except under `hold`, where the terminal is kept waiting). */
static void
event_cb(const CrEvent *ev, gpointer user_data)
{
	VpcdSlot *self = user_data;
	CrRoute *route;

	if (ev->type != CR_EVENT_CARD || ev->frontend != CR_FRONTEND_SLOT(self) ||
	    ev->backend == NULL || ev->state == CR_SLOT_STATE_PRESENT || self->atr == NULL)
		return;
	route = cr_frontend_slot_get_route(CR_FRONTEND_SLOT(self));
	if (route == NULL || cr_backend_slot_get_state(ev->backend) == CR_SLOT_STATE_PRESENT ||
	    cr_route_get_policy(route)->on_backend_loss == CR_LOSS_POLICY_HOLD)
		return;
	g_message("%s: the route's card is gone: leaving vpcd", slot_name(self));
	/* the core reports the card again (card_changed) when it is back */
	g_clear_pointer(&self->atr, g_bytes_unref);
	withdraw_card(self, "the route's card is gone");
}

void
vpcd_slot_start(VpcdSlot *self)
{
	CrRouter *router = cr_frontend_slot_get_router(CR_FRONTEND_SLOT(self));
	if (router != NULL && self->event_hook == 0)
		self->event_hook = cr_router_add_event_hook(router, event_cb, self, NULL);
	self->running = TRUE;
	self->backoff_ms = BACKOFF_MIN_MS;
	if (self->atr != NULL)
		offer_card(self);
	else
		cr_frontend_slot_set_state(CR_FRONTEND_SLOT(self), CR_SLOT_STATE_EMPTY, NULL);
}

void
vpcd_slot_stop(VpcdSlot *self)
{
	CrRouter *router = cr_frontend_slot_get_router(CR_FRONTEND_SLOT(self));
	if (router != NULL && self->event_hook != 0)
		cr_router_remove_event_hook(router, self->event_hook);
	self->event_hook = 0;
	self->running = FALSE;
	withdraw_card(self, NULL);
}

void
vpcd_slot_describe(VpcdSlot *self, GVariantDict *dict)
{
	g_variant_dict_insert(dict, "host", "s", self->host);
	g_variant_dict_insert(dict, "port", "q", self->port);
	g_variant_dict_insert(dict, "mode", "s",
	                      self->mode == VPCD_MODE_LISTEN ? "listen" : "connect");
	g_variant_dict_insert(dict, "connected", "b", self->accepted);
	g_variant_dict_insert(dict, "powered", "b", self->powered);
	g_variant_dict_insert(dict, "apdus", "t", self->apdus);
	g_variant_dict_insert(dict, "polls", "t", self->polls);
	g_variant_dict_insert(dict, "connections", "t", self->connections);
	g_variant_dict_insert(dict, "refused", "t", self->refused);
}

VpcdSlot *
vpcd_slot_new(const gchar *name, const gchar *host, guint16 port, VpcdMode mode)
{
	VpcdSlot *self = g_object_new(VPCD_TYPE_SLOT, "name", name, NULL);
	self->host = g_strdup(host);
	self->port = port;
	self->mode = mode;
	update_caps(self, NULL);
	return self;
}

static void
vpcd_slot_finalize(GObject *obj)
{
	VpcdSlot *self = VPCD_SLOT(obj);
	self->running = FALSE;
	withdraw_card(self, NULL);
	g_clear_pointer(&self->atr, g_bytes_unref);
	g_free(self->host);
	g_free(self->reader);
	g_free(self->frame);
	g_free(self->chunk);
	g_byte_array_unref(self->out);
	G_OBJECT_CLASS(vpcd_slot_parent_class)->finalize(obj);
}

static void
vpcd_slot_class_init(VpcdSlotClass *klass)
{
	CrFrontendSlotClass *fc = CR_FRONTEND_SLOT_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = vpcd_slot_finalize;
	fc->card_changed = vpcd_slot_card_changed;
	fc->transaction_done = vpcd_slot_transaction_done;
}

static void
vpcd_slot_init(VpcdSlot *self)
{
	self->fd = -1;
	self->listen_fd = -1;
	self->backoff_ms = BACKOFF_MIN_MS;
	cr_timer_init(&self->retry_timer, NULL, retry_cb, self);
	self->reader = g_new0(VpcdFrameReader, 1);
	self->frame = g_malloc(VPCD_FRAME_MAX_PAYLOAD + 2);
	self->chunk = g_malloc(RECV_CHUNK);
	self->out = g_byte_array_new();
}
