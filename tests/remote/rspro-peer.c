// SPDX-License-Identifier: GPL-2.0-or-later
/* The scripted RSPRO peer (see rspro-peer.h). */
#include "rspro-peer.h"

#include <gio/gio.h>

struct _RsproPeer {
	gint refs; /* the owner + a pending accept */
	RsproLinkRole role;
	gchar *name;
	GSocketListener *listener;
	GCancellable *cancellable;
	guint16 port;
	GPtrArray *links; /* RsproLink, owned */
	guint accepted;
	gboolean keepalive_set;
	guint ping_interval_ms;
	guint pong_timeout_ms;
	RsproPeerMsgFunc on_msg;
	RsproPeerLinkFunc on_link;
	gpointer user_data;
};

static void
link_msg_cb(RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	RsproPeer *self = user_data;

	if (self->on_msg != NULL)
		self->on_msg(self, link, msg, self->user_data);
}

static void
link_down_cb(RsproLink *link, const GError *error, gpointer user_data)
{
	RsproPeer *self = user_data;

	rspro_link_ref(link);
	g_ptr_array_remove(self->links, link);
	if (self->on_link != NULL)
		self->on_link(self, link, error, self->user_data);
	rspro_link_unref(link);
}

static void accept_next(RsproPeer *self);

static void
peer_unref(RsproPeer *self)
{
	if (--self->refs > 0)
		return;
	g_object_unref(self->listener);
	g_object_unref(self->cancellable);
	g_free(self->name);
	g_free(self);
}

static void
accept_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	RsproPeer *self = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn =
	        g_socket_listener_accept_finish(G_SOCKET_LISTENER(source), res, NULL, &error);
	RsproLink *link;
	g_autofree gchar *name = NULL;

	if (conn == NULL || g_cancellable_is_cancelled(self->cancellable)) {
		if (conn == NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("%s: accept: %s", self->name, error->message);
		peer_unref(self);
		return;
	}
	self->accepted++;
	name = g_strdup_printf("%s#%u", self->name, self->accepted);
	link = rspro_link_new(G_IO_STREAM(conn), self->role, name);
	rspro_link_set_callbacks(link, link_msg_cb, link_down_cb, self);
	if (self->keepalive_set)
		rspro_link_set_keepalive(link, self->ping_interval_ms, self->pong_timeout_ms);
	g_ptr_array_add(self->links, link);
	rspro_link_start(link);
	if (self->on_link != NULL && rspro_link_is_up(link))
		self->on_link(self, link, NULL, self->user_data);
	accept_next(self);
	peer_unref(self);
}

static void
accept_next(RsproPeer *self)
{
	self->refs++;
	g_socket_listener_accept_async(self->listener, self->cancellable, accept_cb, self);
}

RsproPeer *
rspro_peer_new(RsproLinkRole role, const gchar *name, guint16 port, GError **error)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, port);
	g_autoptr(GSocketAddress) bound = NULL;
	RsproPeer *self = g_new0(RsproPeer, 1);

	self->refs = 1;
	self->role = role;
	self->name = g_strdup(name);
	self->listener = g_socket_listener_new();
	self->cancellable = g_cancellable_new();
	self->links = g_ptr_array_new_with_free_func((GDestroyNotify)rspro_link_unref);
	if (!g_socket_listener_add_address(self->listener, addr, G_SOCKET_TYPE_STREAM,
	                                   G_SOCKET_PROTOCOL_TCP, NULL, &bound, error)) {
		rspro_peer_free(self);
		return NULL;
	}
	self->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	accept_next(self);
	return self;
}

void
rspro_peer_free(RsproPeer *self)
{
	if (self == NULL)
		return;
	self->on_msg = NULL;
	self->on_link = NULL;
	g_cancellable_cancel(self->cancellable);
	g_socket_listener_close(self->listener);
	g_clear_pointer(&self->links, g_ptr_array_unref);
	peer_unref(self);
}

guint16
rspro_peer_get_port(const RsproPeer *self)
{
	return self->port;
}

void
rspro_peer_set_callbacks(RsproPeer *self, RsproPeerMsgFunc on_msg, RsproPeerLinkFunc on_link,
                         gpointer user_data)
{
	self->on_msg = on_msg;
	self->on_link = on_link;
	self->user_data = user_data;
}

void
rspro_peer_set_keepalive(RsproPeer *self, guint ping_interval_ms, guint pong_timeout_ms)
{
	self->keepalive_set = TRUE;
	self->ping_interval_ms = ping_interval_ms;
	self->pong_timeout_ms = pong_timeout_ms;
}

guint
rspro_peer_count_links(const RsproPeer *self)
{
	return self->links->len;
}

RsproLink *
rspro_peer_last_link(const RsproPeer *self)
{
	return self->links->len > 0 ? g_ptr_array_index(self->links, self->links->len - 1) : NULL;
}

void
rspro_peer_close_links(RsproPeer *self)
{
	g_ptr_array_set_size(self->links, 0);
}

guint
rspro_peer_get_accepted(const RsproPeer *self)
{
	return self->accepted;
}

void
rspro_peer_send(RsproLink *link, const RsproMsg *msg)
{
	g_autoptr(GError) error = NULL;

	if (!rspro_link_send(link, msg, &error))
		g_error("peer send: %s", error->message);
}

void
rspro_peer_fill_identity(RsproIdentity *identity, RsproComponentType type)
{
	static const gchar *const names[] = {"remsim-client", "remsim-server", "remsim-bankd"};

	rspro_identity_set(identity, type, "testpeer", names[type], "1.1.3");
}
