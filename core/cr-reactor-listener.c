// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A listening socket on the reactor. Each readiness accepts up to a batch of
 * connections (the rest stays ready, level-triggered). Running out of file
 * descriptors is the one failure that would otherwise spin: the pending
 * connection stays in the kernel's queue and the socket stays readable, so
 * the listener takes its fd out of the epoll set (events 0) and looks again
 * after a pause on a reactor timer, logging once per interval.
 */
#define G_LOG_DOMAIN "cardroute"

#include <sys/socket.h>

#include "cr-reactor-private.h"

#define ACCEPT_BATCH 64

struct _CrListener {
	CrReactor *reactor;
	GSocket *socket;
	CrWatch *watch;
	CrTimer pause;
	gchar *name;
	CrListenerFunc func;
	gpointer user_data;
	guint64 pauses;
	guint64 pauses_logged;
	gint64 last_log_us;
	gboolean in_accept;    /* the accept loop is on the stack */
	gboolean free_pending; /* freed from inside it: the memory goes after it */
};

static void
listener_pause(CrListener *self, const GError *error)
{
	gint64 now = g_get_monotonic_time();

	self->pauses++;
	cr_watch_set_events(self->watch, 0);
	cr_timer_arm(&self->pause, CR_LISTENER_PAUSE_MS);
	if (self->last_log_us == 0 ||
	    now - self->last_log_us >= CR_LISTENER_LOG_INTERVAL_S * G_USEC_PER_SEC) {
		g_warning("%s: cannot accept connections: %s; pausing %u ms (%" G_GUINT64_FORMAT
		          " pause(s) in the last %u s)",
		          self->name, error->message, CR_LISTENER_PAUSE_MS,
		          self->pauses - self->pauses_logged, CR_LISTENER_LOG_INTERVAL_S);
		self->pauses_logged = self->pauses;
		self->last_log_us = now;
	}
}

static void
resume_cb(CrTimer *timer, gpointer user_data)
{
	CrListener *self = user_data;

	cr_watch_set_events(self->watch, G_IO_IN);
}

static gboolean
out_of_resources(const GError *error)
{
	return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES) ||
	       g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
	       g_error_matches(error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static void
accept_cb(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	CrListener *self = user_data;

	self->in_accept = TRUE;
	for (guint i = 0; i < ACCEPT_BATCH && !self->free_pending; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GSocket) socket = g_socket_accept(self->socket, NULL, &error);
		g_autoptr(GSocketConnection) connection = NULL;

		if (socket == NULL) {
			if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				break;
			if (out_of_resources(error)) {
				listener_pause(self, error);
				break;
			}
			/* the peer gave up before we took it (ECONNABORTED...) */
			g_debug("%s: accept: %s", self->name, error->message);
			continue;
		}
		connection = g_socket_connection_factory_create_connection(socket);
		self->func(self, connection, self->user_data);
	}
	self->in_accept = FALSE;
	if (self->free_pending)
		g_free(self);
}

CrListener *
cr_listener_new(CrReactor *reactor, GSocketAddress *address, gint backlog, const gchar *name,
                CrListenerFunc func, gpointer user_data, GError **error)
{
	g_autoptr(GSocket) socket =
	        g_socket_new(g_socket_address_get_family(address), G_SOCKET_TYPE_STREAM,
	                     G_SOCKET_PROTOCOL_TCP, error);
	CrListener *self;

	if (socket == NULL)
		return NULL;
	g_socket_set_blocking(socket, FALSE);
	g_socket_set_listen_backlog(socket, backlog > 0 ? backlog : SOMAXCONN);
	if (!g_socket_bind(socket, address, TRUE, error) || !g_socket_listen(socket, error))
		return NULL;
	self = g_new0(CrListener, 1);
	self->reactor = reactor != NULL ? reactor : cr_reactor_get_default();
	self->watch = cr_watch_new(self->reactor, g_socket_get_fd(socket), G_IO_IN, accept_cb, self,
	                           error);
	if (self->watch == NULL) {
		g_free(self);
		return NULL;
	}
	self->socket = g_steal_pointer(&socket);
	self->name = g_strdup(name != NULL ? name : "listener");
	self->func = func;
	self->user_data = user_data;
	cr_timer_init(&self->pause, self->reactor, resume_cb, self);
	return self;
}

GSocketAddress *
cr_listener_get_address(CrListener *listener)
{
	return g_socket_get_local_address(listener->socket, NULL);
}

guint64
cr_listener_get_pauses(const CrListener *listener)
{
	return listener->pauses;
}

gboolean
cr_listener_is_paused(const CrListener *listener)
{
	return cr_timer_is_armed(&listener->pause);
}

void
cr_listener_free(CrListener *listener)
{
	if (listener == NULL || listener->free_pending)
		return;
	cr_timer_cancel(&listener->pause);
	cr_watch_free(listener->watch);
	g_socket_close(listener->socket, NULL);
	g_clear_object(&listener->socket);
	g_clear_pointer(&listener->name, g_free);
	if (listener->in_accept)
		listener->free_pending = TRUE;
	else
		g_free(listener);
}
