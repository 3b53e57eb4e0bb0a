// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /api/v1/events: the router's events as Server-Sent Events, one
 * "event: TYPE" + "data: JSON" block each, one HTTP chunk per block.
 *
 * libsoup only reads the request: the connection is then taken from it
 * (cr_rest_conns_take()) and the answer is written here, on the core
 * reactor, so an event costs the same whatever the clients do:
 *  - Every event is formatted once, chunk framing included, into a shared
 *    ring of the last SSE_MAX_QUEUED events. A client is a cursor into that
 *    ring (the next event, the bytes of it already written): nothing is
 *    copied or queued per client.
 *  - The fan-out runs from a low-priority idle after the event (the
 *    transaction that made it has been answered by then), batching whatever
 *    came meanwhile: a client that keeps up gets one writev() per batch; a
 *    client whose socket was full waits for its writable callback and costs
 *    nothing but one comparison per batch.
 *  - A client more than SSE_MAX_QUEUED events behind (its next event left the
 *    ring), or with output pending and none of it written for
 *    SSE_WRITE_TIMEOUT_S, is dropped: its socket is closed with a reset and
 *    its memory freed at once. After many clients left, the heap's free
 *    pages go back to the system (malloc_trim).
 *  - A comment every SSE_KEEPALIVE_S finds dead connections; what a client
 *    sends is read and dropped, its end of stream ends its stream.
 */
#define G_LOG_DOMAIN "cr-control"

#include <libsoup/soup.h>
#include <errno.h>
#include <malloc.h>
#include <sys/socket.h>

#include <cardroute/cr-log-limit.h>
#include <cardroute/cr-reactor.h>

#include "cr-control-private.h"
#include "cr-json.h"
#include "cr-rest-conn.h"

#define SSE_MAX_QUEUED 128      /* events a client may be behind (the ring's size) */
#define SSE_WRITE_TIMEOUT_S 10  /* output pending, and nothing written for this long: dropped */
#define SSE_KEEPALIVE_S 15
#define SSE_SWEEP_S 5
#define SSE_TRIM_AFTER 16       /* clients gone since the last trim */
#define SSE_SNDBUF 4096         /* the kernel's share of a stream's backlog (doubled by it) */
#define SSE_FLUSH_AT (SSE_MAX_QUEUED * 3 / 4) /* events not fanned out: now, idle or not */
#define SSE_SLICE 64            /* work per turn of the fan-out */
#define SSE_DROP_COST 4         /* a drop (close with a reset) counts as this many writes */
#define SSE_IOV 64              /* events per writev() */

typedef struct _Client Client;

struct _CrSse {
	CrRouter *router;
	guint hook;
	guint sweep;
	guint ticks;
	guint trim;
	guint flush;           /* the fan-out idle */
	guint gone_since_trim;
	gboolean closing;      /* cr_sse_free() runs */
	GPtrArray *clients;    /* Client, unordered (a client knows its index) */
	GBytes *ring[SSE_MAX_QUEUED]; /* event seq is ring[seq % SSE_MAX_QUEUED] */
	guint64 head;          /* seq of the next event */
	guint64 flushed;       /* head when the last pass began */
	gboolean in_pass;
	guint pass_pos;        /* clients below this index are still to be seen */
	CrLogLimiter *log;
	guint64 dropped;
	guint64 trims;
};

struct _Client {
	CrSse *sse;
	CrRestConn *conn;
	gint fd;               /* the connection's socket (plain: written here) */
	GPollableOutputStream *out; /* TLS: borrowed from the connection; else NULL */
	GPollableInputStream *in;
	CrWatch *watch;
	guint index;           /* in sse->clients */
	GBytes *hello;         /* response headers and first comment, until written */
	gsize off;             /* bytes written of hello, or else of ring[seq] */
	guint64 seq;           /* next event to write */
	gboolean blocked;      /* the socket took less than offered: waiting for it */
	gint64 last_progress;  /* monotonic: bytes written, or output became pending */
};

static void client_drop(Client *c, const gchar *why);

static gboolean
trim_now(gpointer user_data)
{
	CrSse *sse = user_data;
	sse->trim = 0;
	sse->trims++;
	malloc_trim(0);
	return G_SOURCE_REMOVE;
}

/* Removes @c from the list and frees it (its connection is the caller's). */
static void
client_free(Client *c)
{
	CrSse *sse = c->sse;
	Client *last = g_ptr_array_index(sse->clients, sse->clients->len - 1);
	last->index = c->index;
	g_ptr_array_remove_index_fast(sse->clients, c->index);
	cr_watch_free(c->watch);
	g_clear_pointer(&c->hello, g_bytes_unref);
	g_free(c);

	if (sse->clients->len == 0) {
		/* no client: no hook, so transactions build no event for nothing,
		 * and no event kept */
		if (sse->hook != 0)
			cr_router_remove_event_hook(sse->router, sse->hook);
		sse->hook = 0;
		for (guint i = 0; i < SSE_MAX_QUEUED; i++)
			g_clear_pointer(&sse->ring[i], g_bytes_unref);
	}
	/* give memory back once enough have gone */
	if (!sse->closing && (++sse->gone_since_trim >= SSE_TRIM_AFTER ||
			      (sse->clients->len == 0 && sse->gone_since_trim > 1))) {
		sse->gone_since_trim = 0;
		if (sse->trim == 0)
			sse->trim = g_timeout_add_seconds(1, trim_now, sse);
	}
}

/* The client left by itself (end of stream, a write error). */
static void
client_gone(Client *c)
{
	CrRestConn *conn = c->conn;
	g_debug("event stream client %s gone", cr_rest_conn_get_ip(conn));
	client_free(c);
	cr_rest_conn_release(conn, FALSE);
}

/* Dropped for not reading: closed with a reset, so what the kernel still
 * holds for it goes at once too. */
static void
client_drop(Client *c, const gchar *why)
{
	CrSse *sse = c->sse;
	CrRestConn *conn = c->conn;
	g_autofree gchar *key = g_strdup(cr_rest_conn_get_ip(conn));
	sse->dropped++;
	CR_LOG_LIMITED(sse->log, G_LOG_LEVEL_MESSAGE, key, "event stream client %s dropped: %s",
		       key, why);
	client_free(c);
	cr_rest_conn_release(conn, TRUE);
}

/* The connection was closed under us (shutdown of the REST server). */
static void
client_conn_closed(gpointer data)
{
	client_free(data);
}

static void
client_set_blocked(Client *c, gboolean blocked)
{
	if (c->blocked == blocked)
		return;
	c->blocked = blocked;
	cr_watch_set_events(c->watch, blocked ? G_IO_IN | G_IO_OUT : G_IO_IN);
}

/* Whether @c lost events (its next one left the ring). */
static gboolean
client_behind(const Client *c)
{
	return c->sse->head - c->seq > SSE_MAX_QUEUED;
}

static GPollableReturn
client_writev(Client *c, GOutputVector *iov, guint n, gsize *written, GError **error)
{
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};
	gssize r;
	G_STATIC_ASSERT(sizeof(GOutputVector) == sizeof(struct iovec));
	if (c->out != NULL)
		return g_pollable_output_stream_writev_nonblocking(c->out, iov, n, written, NULL,
								   error);
	r = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r >= 0) {
		*written = (gsize)r;
		return G_POLLABLE_RETURN_OK;
	}
	*written = 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return G_POLLABLE_RETURN_WOULD_BLOCK;
	return G_POLLABLE_RETURN_FAILED;
}

/* Reads and drops what the client sent: FALSE when it has gone (end of
 * stream, an error). */
static gboolean
client_drain(Client *c)
{
	guint8 sink[1024];
	for (guint i = 0; i < 16; i++) {
		gssize n;
		if (c->in != NULL) {
			g_autoptr(GError) error = NULL;
			n = g_pollable_input_stream_read_nonblocking(c->in, sink, sizeof(sink), NULL,
								     &error);
			if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				return TRUE;
		} else {
			n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				return TRUE;
		}
		if (n <= 0)
			return FALSE;
	}
	return TRUE;
}

/*
 * Writes what @c has pending, as far as the socket takes it. FALSE when the
 * client is gone (freed).
 */
static gboolean
client_write(Client *c)
{
	CrSse *sse = c->sse;
	while (c->hello != NULL || c->seq < sse->head) {
		GOutputVector iov[SSE_IOV];
		guint n = 0;
		gsize total = 0, written = 0;
		gboolean all;
		g_autoptr(GError) error = NULL;
		GPollableReturn ret;
		if (c->hello != NULL) {
			gsize len;
			const guint8 *data = g_bytes_get_data(c->hello, &len);
			iov[n++] = (GOutputVector){data + c->off, len - c->off};
		}
		for (guint64 s = c->seq; s < sse->head && n < SSE_IOV; s++) {
			gsize len;
			const guint8 *data = g_bytes_get_data(sse->ring[s % SSE_MAX_QUEUED], &len);
			gsize skip = c->hello == NULL && s == c->seq ? c->off : 0;
			iov[n++] = (GOutputVector){data + skip, len - skip};
		}
		for (guint i = 0; i < n; i++)
			total += iov[i].size;
		ret = client_writev(c, iov, n, &written, &error);
		if (ret == G_POLLABLE_RETURN_WOULD_BLOCK) {
			written = 0;
		} else if (ret != G_POLLABLE_RETURN_OK) {
			client_gone(c);
			return FALSE;
		}
		if (written > 0)
			c->last_progress = g_get_monotonic_time();
		all = written == total;
		/* advance the cursor over what went out */
		for (guint i = 0; i < n && written > 0; i++) {
			gsize step = MIN(written, iov[i].size);
			written -= step;
			c->off += step;
			if (step < iov[i].size)
				break;
			c->off = 0;
			if (c->hello != NULL)
				g_clear_pointer(&c->hello, g_bytes_unref);
			else
				c->seq++;
		}
		if (!all) {
			/* the socket is full: wait for it */
			if (!c->blocked)
				c->last_progress = g_get_monotonic_time();
			client_set_blocked(c, TRUE);
			return TRUE;
		}
	}
	client_set_blocked(c, FALSE);
	return TRUE;
}

static void
on_ready(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	Client *c = user_data;
	/* what a client sends is dropped; its end of stream ends it */
	if ((events & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !client_drain(c)) {
		client_gone(c);
		return;
	}
	if ((events & G_IO_OUT) && c->blocked) {
		/* the socket has room (the watch goes back to G_IO_IN alone
		 * once all is written) */
		if (client_behind(c)) {
			client_drop(c, "too slow (more than " G_STRINGIFY(SSE_MAX_QUEUED)
				       " events behind)");
			return;
		}
		client_write(c);
	}
}

/*
 * One turn of the fan-out: every client that is not waiting for its socket
 * gets what it has pending, a client that fell too far behind is dropped.
 * A pass over all clients goes in slices of SSE_SLICE units of work (a
 * write is one, a drop SSE_DROP_COST), so whatever else is ready (the next
 * APDU) runs between them. TRUE when the pass is complete.
 */
static gboolean
flush_slice(CrSse *sse, guint budget)
{
	if (!sse->in_pass) {
		sse->in_pass = TRUE;
		sse->pass_pos = sse->clients->len;
		sse->flushed = sse->head;
	}
	/* backwards: a client that leaves takes the last one's place, which
	 * this pass has seen already */
	while (sse->pass_pos > 0 && budget > 0) {
		guint i = --sse->pass_pos;
		Client *c;
		if (i >= sse->clients->len)
			continue;
		c = sse->clients->pdata[i];
		if (client_behind(c)) {
			client_drop(c, "too slow (more than " G_STRINGIFY(SSE_MAX_QUEUED)
				       " events behind)");
			budget -= MIN(budget, SSE_DROP_COST);
		} else if (!c->blocked && c->seq < sse->head) {
			client_write(c);
			budget--;
		}
	}
	if (sse->pass_pos > 0)
		return FALSE;
	sse->in_pass = FALSE;
	return TRUE;
}

static gboolean
flush_idle(gpointer user_data)
{
	CrSse *sse = user_data;
	if (!flush_slice(sse, SSE_SLICE) || sse->flushed < sse->head)
		return G_SOURCE_CONTINUE; /* more next turn */
	sse->flush = 0;
	return G_SOURCE_REMOVE;
}

/* Appends one block (chunk framing included) to the ring. */
static void
publish(CrSse *sse, GBytes *block)
{
	GBytes **slot = &sse->ring[sse->head % SSE_MAX_QUEUED];
	g_clear_pointer(slot, g_bytes_unref);
	*slot = block;
	sse->head++;
	if (sse->head - sse->flushed >= SSE_FLUSH_AT) {
		/* the idle did not get its turns: the ring must not outrun the
		 * clients that read, so the pass ends now, and one more follows */
		flush_slice(sse, G_MAXUINT);
		flush_slice(sse, G_MAXUINT);
	}
	if (sse->flush == 0) {
		sse->flush = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, flush_idle, sse, NULL);
	}
}

static GBytes *
chunk_new(const gchar *text, gsize len)
{
	GString *s = g_string_sized_new(len + 16);
	g_string_printf(s, "%" G_GSIZE_MODIFIER "x\r\n", len);
	g_string_append_len(s, text, (gssize)len);
	g_string_append(s, "\r\n");
	return g_string_free_to_bytes(s);
}

static void
on_event(const CrEvent *event, gpointer user_data)
{
	CrSse *sse = user_data;
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *text = NULL;
	if (sse->clients->len == 0)
		return;
	node = cr_json_event(event);
	json = cr_json_to_string(node, FALSE);
	text = g_strdup_printf("event: %s\ndata: %s\n\n", cr_event_type_to_string(event->type),
			       json);
	publish(sse, chunk_new(text, strlen(text)));
}

static gboolean
sweep(gpointer user_data)
{
	static const gchar ping[] = ": keepalive\n\n";
	CrSse *sse = user_data;
	gint64 now = g_get_monotonic_time();
	for (guint i = sse->clients->len; i > 0; i--) {
		Client *c = sse->clients->pdata[i - 1];
		if (c->blocked && now - c->last_progress > SSE_WRITE_TIMEOUT_S * G_USEC_PER_SEC)
			client_drop(c, "nothing written for " G_STRINGIFY(SSE_WRITE_TIMEOUT_S) " s");
	}
	if (++sse->ticks * SSE_SWEEP_S >= SSE_KEEPALIVE_S) {
		sse->ticks = 0;
		if (sse->clients->len > 0)
			publish(sse, chunk_new(ping, sizeof(ping) - 1));
	}
	return G_SOURCE_CONTINUE;
}

CrSse *
cr_sse_new(CrRouter *router)
{
	CrSse *sse = g_new0(CrSse, 1);
	sse->router = router;
	sse->clients = g_ptr_array_new();
	sse->sweep = g_timeout_add_seconds(SSE_SWEEP_S, sweep, sse);
	sse->log = cr_log_limiter_new("rest-events", 10, 3);
	return sse;
}

/* The status line and headers: what libsoup and the handlers put in the
 * message's response headers, then ours. */
static GBytes *
render_head(SoupServerMessage *msg)
{
	static const gchar hello[] = ": cardroute event stream\n\n";
	SoupMessageHeaders *hdrs = soup_server_message_get_response_headers(msg);
	GString *out = g_string_new("HTTP/1.1 200 OK\r\n");
	SoupMessageHeadersIter it;
	const char *name, *value;
	g_autoptr(GBytes) first = NULL;

	soup_message_headers_iter_init(&it, hdrs);
	while (soup_message_headers_iter_next(&it, &name, &value)) {
		if (g_ascii_strcasecmp(name, "Content-Length") == 0 ||
		    g_ascii_strcasecmp(name, "Content-Type") == 0 ||
		    g_ascii_strcasecmp(name, "Cache-Control") == 0 ||
		    g_ascii_strcasecmp(name, "Connection") == 0 ||
		    g_ascii_strcasecmp(name, "Transfer-Encoding") == 0)
			continue;
		g_string_append_printf(out, "%s: %s\r\n", name, value);
	}
	g_string_append(out, "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
			     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	first = chunk_new(hello, sizeof(hello) - 1);
	g_string_append_len(out, g_bytes_get_data(first, NULL), (gssize)g_bytes_get_size(first));
	return g_string_free_to_bytes(out);
}

void
cr_sse_add_client(CrSse *sse, CrRestConns *conns, gpointer soup_server_message)
{
	SoupServerMessage *msg = soup_server_message;
	g_autoptr(GBytes) head = render_head(msg);
	g_autoptr(GError) error = NULL;
	Client *c = g_new0(Client, 1);
	GIOStream *stream;

	c->sse = sse;
	c->conn = cr_rest_conns_take(conns, msg, client_conn_closed, c);
	if (c->conn == NULL) {
		g_free(c);
		return;
	}
	c->fd = cr_rest_conn_get_fd(c->conn);
	stream = cr_rest_conn_get_stream(c->conn);
	if (stream != NULL) {
		c->out = G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(stream));
		c->in = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream));
	}
	/* what a client does not read piles up in the ring here, where it is
	 * counted, rather than in the kernel */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &(gint){SSE_SNDBUF}, sizeof(gint));
	c->watch = cr_watch_new(NULL, c->fd, G_IO_IN, on_ready, c, &error);
	if (c->watch == NULL) {
		g_warning("event stream: %s", error->message);
		cr_rest_conn_release(c->conn, FALSE);
		g_free(c);
		return;
	}
	c->hello = g_steal_pointer(&head);
	c->seq = sse->head;
	c->index = sse->clients->len;
	g_ptr_array_add(sse->clients, c);
	if (sse->hook == 0)
		sse->hook = cr_router_add_event_hook(sse->router, on_event, sse, NULL);
	g_debug("event stream client added (%u)", sse->clients->len);
	client_write(c);
}

void
cr_sse_metrics(CrSse *sse, GString *out)
{
	if (sse == NULL)
		return;
	g_string_append(out, "# HELP cardroute_rest_event_clients Event stream clients now.\n"
			     "# TYPE cardroute_rest_event_clients gauge\n");
	g_string_append_printf(out, "cardroute_rest_event_clients %u\n", sse->clients->len);
	g_string_append(out, "# HELP cardroute_rest_event_clients_dropped_total Event stream "
			     "clients dropped for not reading.\n"
			     "# TYPE cardroute_rest_event_clients_dropped_total counter\n");
	g_string_append_printf(out, "cardroute_rest_event_clients_dropped_total %" G_GUINT64_FORMAT
			       "\n", sse->dropped);
	g_string_append(out, "# HELP cardroute_rest_event_memory_trims_total Heap trims after "
			     "event stream clients left.\n"
			     "# TYPE cardroute_rest_event_memory_trims_total counter\n");
	g_string_append_printf(out, "cardroute_rest_event_memory_trims_total %" G_GUINT64_FORMAT "\n",
			       sse->trims);
}

void
cr_sse_free(CrSse *sse)
{
	static const gchar end[] = "0\r\n\r\n";
	if (sse == NULL)
		return;
	sse->closing = TRUE;
	if (sse->hook != 0)
		cr_router_remove_event_hook(sse->router, sse->hook);
	sse->hook = 0;
	g_source_remove(sse->sweep);
	if (sse->trim != 0)
		g_source_remove(sse->trim);
	if (sse->flush != 0)
		g_source_remove(sse->flush);
	/* the streams end: what fits of the last chunk, then the close */
	while (sse->clients->len > 0) {
		Client *c = sse->clients->pdata[sse->clients->len - 1];
		CrRestConn *conn = c->conn;
		if (!c->blocked && c->hello == NULL && c->off == 0) {
			GOutputVector last = {end, sizeof(end) - 1};
			gsize written;
			client_writev(c, &last, 1, &written, NULL);
		}
		client_free(c);
		cr_rest_conn_release(conn, FALSE);
	}
	g_ptr_array_unref(sse->clients);
	for (guint i = 0; i < SSE_MAX_QUEUED; i++)
		g_clear_pointer(&sse->ring[i], g_bytes_unref);
	cr_log_limiter_free(sse->log);
	g_free(sse);
}
