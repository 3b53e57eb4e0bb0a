// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /api/v1/events: the router's events as Server-Sent Events, one
 * "event: TYPE" + "data: JSON" block each.
 *
 * Every client has a bounded queue of events (SSE_MAX_QUEUED blocks written
 * into libsoup and not yet on the socket). A client whose queue is full, or
 * that has had something queued without any of it leaving for
 * SSE_WRITE_TIMEOUT_S, is dropped: its connection is taken from libsoup and
 * closed at once, which frees what was queued for it. After many clients
 * left, the heap's free pages go back to the system (malloc_trim). A comment
 * every SSE_KEEPALIVE_S finds dead connections.
 */
#define G_LOG_DOMAIN "cr-control"

#include <libsoup/soup.h>
#include <malloc.h>
#include <sys/socket.h>

#include <cardroute/cr-log-limit.h>

#include "cr-control-private.h"
#include "cr-json.h"
#include "cr-rest-conn.h"

#define SSE_MAX_QUEUED 128      /* events per client not yet on the socket */
#define SSE_WRITE_TIMEOUT_S 10  /* queued, and nothing written for this long: dropped */
#define SSE_KEEPALIVE_S 15
#define SSE_SWEEP_S 5
#define SSE_TRIM_AFTER 16       /* clients gone since the last trim */
#define SSE_SNDBUF (16 * 1024)  /* the kernel's share of a stream's backlog */


struct _CrSse {
	CrRouter *router;
	guint hook;
	guint sweep;
	guint ticks;
	guint trim;
	guint gone_since_trim;
	GPtrArray *clients; /* Client */
	CrLogLimiter *log;
	guint64 dropped;
	guint64 trims;
};

typedef struct {
	CrSse *sse;
	SoupServerMessage *msg;
	gchar *peer;
	guint queued;          /* blocks appended and not yet written */
	gint64 last_progress;  /* monotonic: a block written, or the queue became non-empty */
	gulong finished_id;
	gulong disconnected_id;
	gulong wrote_id;
} Client;

static void
client_free(gpointer data)
{
	Client *c = data;
	g_signal_handler_disconnect(c->msg, c->finished_id);
	g_signal_handler_disconnect(c->msg, c->disconnected_id);
	g_signal_handler_disconnect(c->msg, c->wrote_id);
	g_object_unref(c->msg);
	g_free(c->peer);
	g_free(c);
}

static gboolean
trim_now(gpointer user_data)
{
	CrSse *sse = user_data;
	sse->trim = 0;
	sse->trims++;
	malloc_trim(0);
	return G_SOURCE_REMOVE;
}

/* A client left: unhook from the router when none is left, and give memory
 * back once enough have gone (what they had queued is freed by now). */
static void
client_left(CrSse *sse)
{
	if (sse->clients->len == 0 && sse->hook != 0) {
		/* no client: no hook, so transactions build no event for nothing */
		cr_router_remove_event_hook(sse->router, sse->hook);
		sse->hook = 0;
	}
	if (++sse->gone_since_trim >= SSE_TRIM_AFTER ||
	    (sse->clients->len == 0 && sse->gone_since_trim > 1)) {
		sse->gone_since_trim = 0;
		if (sse->trim == 0)
			sse->trim = g_timeout_add_seconds(1, trim_now, sse);
	}
}

/* @block is shared by every client it is queued for: one copy per event */
static void
client_send(Client *c, GBytes *block)
{
	soup_message_body_append_bytes(soup_server_message_get_response_body(c->msg), block);
	/* an empty queue means libsoup paused itself for want of data: wake it;
	 * otherwise it is writing or waiting for the socket, and will go on */
	if (c->queued++ == 0) {
		c->last_progress = g_get_monotonic_time();
		soup_server_message_unpause(c->msg);
	}
}

/* Close with a reset: what the kernel still holds for the client goes at
 * once instead of waiting for a reader that does not read. */
static void
abort_on_close(SoupServerMessage *msg)
{
	GSocket *socket = g_object_get_data(G_OBJECT(msg), CR_REST_MSG_SOCKET);
	struct linger now = {.l_onoff = 1, .l_linger = 0};
	if (socket != NULL)
		setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_LINGER, &now, sizeof(now));
}

/* Drops a client now: the connection is taken from libsoup and closed, and
 * the message with everything queued on it goes. */
static void
client_drop(Client *c, const gchar *why)
{
	CrSse *sse = c->sse;
	g_autoptr(SoupServerMessage) msg = g_object_ref(c->msg);
	g_autoptr(GIOStream) stream = NULL;
	g_autofree gchar *key = g_strdup(c->peer);

	sse->dropped++;
	CR_LOG_LIMITED(sse->log, G_LOG_LEVEL_MESSAGE, key, "event stream client %s dropped: %s",
		       key, why);
	g_ptr_array_remove(sse->clients, c); /* frees c */
	abort_on_close(msg);
	stream = soup_server_message_steal_connection(msg);
	if (stream != NULL) {
		g_io_stream_close(stream, NULL, NULL);
	} else {
		/* libsoup kept it: a dead socket makes it let go */
		GSocket *socket = g_object_get_data(G_OBJECT(msg), CR_REST_MSG_SOCKET);
		if (socket != NULL)
			shutdown(g_socket_get_fd(socket), SHUT_RDWR);
	}
	client_left(sse);
}

/* Ends a client's stream (it stays in the list until "finished"). */
static void
client_end(Client *c)
{
	soup_message_body_complete(soup_server_message_get_response_body(c->msg));
	soup_server_message_unpause(c->msg);
}

static void
on_finished(SoupServerMessage *msg, gpointer user_data)
{
	Client *c = user_data;
	CrSse *sse = c->sse;
	g_debug("event stream client %s gone", c->peer);
	g_ptr_array_remove(sse->clients, c);
	client_left(sse);
}

static void
on_wrote_chunk(SoupServerMessage *msg, gpointer user_data)
{
	Client *c = user_data;
	if (c->queued > 0)
		c->queued--;
	c->last_progress = g_get_monotonic_time();
}

static void
broadcast(CrSse *sse, const gchar *text, gsize len)
{
	g_autoptr(GBytes) block = g_bytes_new(text, len);
	/* backwards: a dropped client leaves the array */
	for (guint i = sse->clients->len; i > 0; i--) {
		Client *c = sse->clients->pdata[i - 1];
		if (c->queued >= SSE_MAX_QUEUED)
			client_drop(c, "too slow (its queue is full)");
		else
			client_send(c, block);
	}
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
	broadcast(sse, text, strlen(text));
}

static gboolean
sweep(gpointer user_data)
{
	static const gchar ping[] = ": keepalive\n\n";
	CrSse *sse = user_data;
	gint64 now = g_get_monotonic_time();
	for (guint i = sse->clients->len; i > 0; i--) {
		Client *c = sse->clients->pdata[i - 1];
		if (c->queued > 0 && now - c->last_progress > SSE_WRITE_TIMEOUT_S * G_USEC_PER_SEC)
			client_drop(c, "nothing written for " G_STRINGIFY(SSE_WRITE_TIMEOUT_S) " s");
	}
	if (++sse->ticks * SSE_SWEEP_S >= SSE_KEEPALIVE_S) {
		sse->ticks = 0;
		broadcast(sse, ping, sizeof(ping) - 1);
	}
	return G_SOURCE_CONTINUE;
}

CrSse *
cr_sse_new(CrRouter *router)
{
	CrSse *sse = g_new0(CrSse, 1);
	sse->router = router;
	sse->clients = g_ptr_array_new_with_free_func(client_free);
	sse->sweep = g_timeout_add_seconds(SSE_SWEEP_S, sweep, sse);
	sse->log = cr_log_limiter_new("rest-events", 10, 3);
	return sse;
}

void
cr_sse_add_client(CrSse *sse, gpointer soup_server_message)
{
	static const gchar hello[] = ": cardroute event stream\n\n";
	SoupServerMessage *msg = soup_server_message;
	SoupMessageHeaders *hdrs = soup_server_message_get_response_headers(msg);
	GSocketAddress *addr = soup_server_message_get_remote_address(msg);
	GSocket *socket;
	Client *c = g_new0(Client, 1);
	c->sse = sse;
	c->msg = g_object_ref(msg);
	if (addr != NULL && G_IS_INET_SOCKET_ADDRESS(addr))
		c->peer = g_inet_address_to_string(
			g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
	else
		c->peer = g_strdup("?");
	socket = g_object_get_data(G_OBJECT(msg), CR_REST_MSG_SOCKET);
	/* what a client does not read piles up in its queue here, where it is
	 * counted, rather than in the kernel */
	if (socket != NULL)
		setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_SNDBUF, &(gint){SSE_SNDBUF},
			   sizeof(gint));
	soup_server_message_set_status(msg, 200, NULL);
	soup_message_headers_set_content_type(hdrs, "text/event-stream", NULL);
	soup_message_headers_replace(hdrs, "Cache-Control", "no-cache");
	soup_message_headers_set_encoding(hdrs, SOUP_ENCODING_CHUNKED);
	soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
	c->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(on_finished), c);
	c->disconnected_id = g_signal_connect(msg, "disconnected", G_CALLBACK(on_finished), c);
	c->wrote_id = g_signal_connect(msg, "wrote-chunk", G_CALLBACK(on_wrote_chunk), c);
	g_ptr_array_add(sse->clients, c);
	if (sse->hook == 0)
		sse->hook = cr_router_add_event_hook(sse->router, on_event, sse, NULL);
	g_debug("event stream client added (%u)", sse->clients->len);
	g_autoptr(GBytes) block = g_bytes_new_static(hello, sizeof(hello) - 1);
	client_send(c, block);
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
	if (sse == NULL)
		return;
	if (sse->hook != 0)
		cr_router_remove_event_hook(sse->router, sse->hook);
	sse->hook = 0;
	g_source_remove(sse->sweep);
	if (sse->trim != 0)
		g_source_remove(sse->trim);
	for (guint i = 0; i < sse->clients->len; i++)
		client_end(sse->clients->pdata[i]);
	g_ptr_array_unref(sse->clients);
	cr_log_limiter_free(sse->log);
	g_free(sse);
}
