// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /api/v1/events: the router's events as Server-Sent Events, one
 * "event: TYPE" + "data: JSON" block each. A client that does not read
 * (more than a megabyte queued) is dropped; a comment every 15 s finds dead
 * connections.
 */
#define G_LOG_DOMAIN "cr-control"

#include <libsoup/soup.h>

#include "cr-control-private.h"
#include "cr-json.h"

#define SSE_MAX_QUEUED (1024 * 1024)
#define SSE_KEEPALIVE_S 15

struct _CrSse {
	CrRouter *router;
	guint hook;
	guint keepalive;
	GPtrArray *clients; /* Client */
};

typedef struct {
	CrSse *sse;
	SoupServerMessage *msg;
	gsize queued;
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
	g_free(c);
}

static void
client_send(Client *c, const gchar *text, gsize len)
{
	soup_message_body_append(soup_server_message_get_response_body(c->msg), SOUP_MEMORY_COPY,
				 text, len);
	c->queued += len;
	soup_server_message_unpause(c->msg);
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
	g_debug("event stream client gone");
	g_ptr_array_remove(sse->clients, c);
	/* no client: no hook, so transactions build no event for nothing */
	if (sse->clients->len == 0 && sse->hook != 0) {
		cr_router_remove_event_hook(sse->router, sse->hook);
		sse->hook = 0;
	}
}

static void
on_wrote(SoupServerMessage *msg, guint chunk_size, gpointer user_data)
{
	Client *c = user_data;
	c->queued = chunk_size < c->queued ? c->queued - chunk_size : 0;
}

static void
broadcast(CrSse *sse, const gchar *text, gsize len)
{
	for (guint i = 0; i < sse->clients->len; i++) {
		Client *c = sse->clients->pdata[i];
		if (c->queued > SSE_MAX_QUEUED) {
			if (c->queued != G_MAXSIZE) {
				g_message("event stream client too slow: dropped");
				c->queued = G_MAXSIZE;
				client_end(c);
			}
			continue;
		}
		client_send(c, text, len);
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
keepalive(gpointer user_data)
{
	static const gchar ping[] = ": keepalive\n\n";
	broadcast(user_data, ping, sizeof(ping) - 1);
	return G_SOURCE_CONTINUE;
}

CrSse *
cr_sse_new(CrRouter *router)
{
	CrSse *sse = g_new0(CrSse, 1);
	sse->router = router;
	sse->clients = g_ptr_array_new_with_free_func(client_free);
	sse->keepalive = g_timeout_add_seconds(SSE_KEEPALIVE_S, keepalive, sse);
	return sse;
}

void
cr_sse_add_client(CrSse *sse, gpointer soup_server_message)
{
	static const gchar hello[] = ": cardroute event stream\n\n";
	SoupServerMessage *msg = soup_server_message;
	SoupMessageHeaders *hdrs = soup_server_message_get_response_headers(msg);
	Client *c = g_new0(Client, 1);
	c->sse = sse;
	c->msg = g_object_ref(msg);
	soup_server_message_set_status(msg, 200, NULL);
	soup_message_headers_set_content_type(hdrs, "text/event-stream", NULL);
	soup_message_headers_replace(hdrs, "Cache-Control", "no-cache");
	soup_message_headers_set_encoding(hdrs, SOUP_ENCODING_CHUNKED);
	soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
	c->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(on_finished), c);
	c->disconnected_id = g_signal_connect(msg, "disconnected", G_CALLBACK(on_finished), c);
	c->wrote_id = g_signal_connect(msg, "wrote-body-data", G_CALLBACK(on_wrote), c);
	g_ptr_array_add(sse->clients, c);
	if (sse->hook == 0)
		sse->hook = cr_router_add_event_hook(sse->router, on_event, sse, NULL);
	g_debug("event stream client added (%u)", sse->clients->len);
	client_send(c, hello, sizeof(hello) - 1);
}

void
cr_sse_free(CrSse *sse)
{
	if (sse == NULL)
		return;
	if (sse->hook != 0)
		cr_router_remove_event_hook(sse->router, sse->hook);
	sse->hook = 0;
	g_source_remove(sse->keepalive);
	for (guint i = 0; i < sse->clients->len; i++)
		client_end(sse->clients->pdata[i]);
	g_ptr_array_unref(sse->clients);
	g_free(sse);
}
