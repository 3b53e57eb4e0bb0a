// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A connection on the reactor: one persistent watch on the socket under the
 * GIOStream, reads and writes through the GPollableInputStream and
 * GPollableOutputStream non-blocking calls of the GIOStream itself, so a
 * GTlsConnection (or any filter) over the socket works unchanged.
 *
 * Reading: on readiness, read into the reactor's shared buffer and hand each
 * chunk to the read callback, until G_IO_ERROR_WOULD_BLOCK. That rule is what
 * keeps TLS right: a TLS layer may hold decrypted bytes after a read while the
 * socket has nothing more, and the loop drains them before it stops. Only a
 * plain socket connection (no layer above the socket) stops at the first
 * short read: the kernel had no more, and the level-triggered epoll entry
 * reports anything that arrives later. After 64 KiB in one dispatch the
 * stream yields (cr_watch_schedule) so one busy peer cannot starve the others.
 *
 * Writing: with nothing queued, a write goes straight to the socket in one
 * call; whatever it does not take is copied to the queue and EPOLLOUT is
 * armed, only then. Above a quarter of the bound the stream is congested; the
 * writable callback says when the queue has drained. A write error is kept and
 * reported from the next dispatch, so cr_stream_write() never calls back into
 * its caller.
 *
 * TLS later: hand the stream a GTlsConnection whose handshake is done (run
 * g_tls_connection_handshake_async() first). In the steady state TLS 1.3
 * reads and writes map onto socket readiness as plain ones do; buffered
 * plaintext is drained by the read-until-would-block rule above, and
 * cr_stream_set_reading(TRUE) schedules one read in case bytes wait above
 * the socket.
 */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cr-reactor-private.h"

#define READ_BUDGET (64 * 1024)
/* an empty queue gives back buffers larger than this */
#define KEEP_QUEUE_BUF 65536

struct _CrStream {
	gint ref_count;
	CrReactor *reactor;
	GIOStream *io;
	GSocket *socket;
	GPollableInputStream *in;
	GPollableOutputStream *out;
	gboolean plain;
	CrWatch *watch;
	CrStreamFuncs funcs;
	gpointer user_data;

	gboolean started;
	gboolean reading;
	gboolean in_read; /* the read loop is on the stack */
	gboolean nested;  /* a nested dispatch found it so: input parked */
	gboolean closed;
	gboolean congested;
	GError *pending_error;

	guint8 *queue;
	gsize queue_head;
	gsize queue_len;
	gsize queue_cap;
	gsize max_queued;
};

static void stream_watch_cb(CrWatch *watch, GIOCondition events, gpointer user_data);

static GSocket *
find_socket(GIOStream *io, gboolean *plain)
{
	*plain = TRUE;
	for (guint depth = 0; io != NULL && depth < 4; depth++) {
		GIOStream *base = NULL;

		if (G_IS_SOCKET_CONNECTION(io))
			return g_socket_connection_get_socket(G_SOCKET_CONNECTION(io));
		*plain = FALSE;
		if (g_object_class_find_property(G_OBJECT_GET_CLASS(io), "base-io-stream") == NULL)
			return NULL;
		g_object_get(io, "base-io-stream", &base, NULL);
		if (base == NULL)
			return NULL;
		/* the layer above holds its base: a borrowed pointer stays valid */
		g_object_unref(base);
		io = base;
	}
	return NULL;
}

CrStream *
cr_stream_new(CrReactor *reactor, GIOStream *io, const CrStreamFuncs *funcs, gpointer user_data,
              GError **error)
{
	g_autofree CrStream *self = g_new0(CrStream, 1);
	GInputStream *in = g_io_stream_get_input_stream(io);
	GOutputStream *out = g_io_stream_get_output_stream(io);

	self->socket = find_socket(io, &self->plain);
	if (self->socket == NULL || !G_IS_POLLABLE_INPUT_STREAM(in) ||
	    !G_IS_POLLABLE_OUTPUT_STREAM(out)) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		                    "not a pollable stream over a socket");
		return NULL;
	}
	self->reactor = reactor != NULL ? reactor : cr_reactor_get_default();
	self->watch = cr_watch_new(self->reactor, g_socket_get_fd(self->socket), 0, stream_watch_cb,
	                           self, error);
	if (self->watch == NULL)
		return NULL;
	self->ref_count = 1;
	self->io = g_object_ref(io);
	self->in = G_POLLABLE_INPUT_STREAM(in);
	self->out = G_POLLABLE_OUTPUT_STREAM(out);
	self->funcs = *funcs;
	self->user_data = user_data;
	self->reading = TRUE;
	self->max_queued = CR_STREAM_DEFAULT_MAX_QUEUED;
	return g_steal_pointer(&self);
}

CrStream *
cr_stream_ref(CrStream *stream)
{
	stream->ref_count++;
	return stream;
}

static void
update_events(CrStream *self)
{
	GIOCondition want = 0;

	if (self->closed)
		return;
	if (self->started && self->reading && !self->nested)
		want |= G_IO_IN;
	if (self->queue_len > 0)
		want |= G_IO_OUT;
	cr_watch_set_events(self->watch, want);
}

static void
queue_drop(CrStream *self)
{
	g_clear_pointer(&self->queue, g_free);
	self->queue_head = self->queue_len = self->queue_cap = 0;
}

/* closes everything; no callback */
static void
stream_shutdown(CrStream *self)
{
	if (self->closed)
		return;
	self->closed = TRUE;
	g_clear_pointer(&self->watch, cr_watch_free);
	queue_drop(self);
	g_clear_error(&self->pending_error);
	/* the socket itself: the peer must see the close now */
	g_socket_close(self->socket, NULL);
}

void
cr_stream_unref(CrStream *stream)
{
	if (stream == NULL || --stream->ref_count > 0)
		return;
	stream_shutdown(stream);
	g_object_unref(stream->io);
	g_free(stream);
}

void
cr_stream_close(CrStream *stream)
{
	stream_shutdown(stream);
}

gboolean
cr_stream_is_closed(const CrStream *stream)
{
	return stream->closed;
}

GIOStream *
cr_stream_get_io_stream(const CrStream *stream)
{
	return stream->io;
}

GSocket *
cr_stream_get_socket(const CrStream *stream)
{
	return stream->socket;
}

void
cr_stream_set_max_queued(CrStream *stream, gsize max_queued)
{
	stream->max_queued = MAX(max_queued, 1);
}

gsize
cr_stream_get_queued(const CrStream *stream)
{
	return stream->queue_len;
}

gboolean
cr_stream_is_congested(const CrStream *stream)
{
	return stream->congested;
}

void
cr_stream_start(CrStream *stream)
{
	if (stream->started || stream->closed)
		return;
	stream->started = TRUE;
	update_events(stream);
}

void
cr_stream_set_reading(CrStream *stream, gboolean reading)
{
	if (stream->reading == reading)
		return;
	stream->reading = reading;
	update_events(stream);
	/* bytes a layer above the socket holds would not wake the fd */
	if (reading && stream->started && !stream->plain && !stream->closed)
		cr_watch_schedule(stream->watch, G_IO_IN);
}

/* ends the stream and tells the owner once; takes @error */
static void
stream_fail(CrStream *self, GError *error)
{
	if (self->closed) {
		g_error_free(error);
		return;
	}
	stream_shutdown(self);
	if (self->funcs.closed != NULL)
		self->funcs.closed(self, error, self->user_data);
	g_error_free(error);
}

static void stream_read_loop(CrStream *self);

static void
stream_read(CrStream *self)
{
	if (self->in_read) {
		/* a nested main loop inside this stream's own read callback: the
		 * outer loop reads on; park the input so the fd does not spin */
		self->nested = TRUE;
		update_events(self);
		return;
	}
	self->in_read = TRUE;
	stream_read_loop(self);
	self->in_read = FALSE;
	if (self->nested && !self->closed) {
		self->nested = FALSE;
		update_events(self);
	}
}

static void
stream_read_loop(CrStream *self)
{
	gsize total = 0;

	while (!self->closed && self->reading) {
		GError *error = NULL;
		gssize n = g_pollable_input_stream_read_nonblocking(
		        self->in, self->reactor->read_buf, CR_REACTOR_READ_BUF, NULL, &error);

		if (n > 0) {
			if (self->funcs.read != NULL)
				self->funcs.read(self, self->reactor->read_buf, (gsize)n,
				                 self->user_data);
			if (self->plain && n < CR_REACTOR_READ_BUF)
				return;
			total += (gsize)n;
			if (total >= READ_BUDGET) {
				if (!self->closed)
					cr_watch_schedule(self->watch, G_IO_IN);
				return;
			}
		} else if (n == 0) {
			stream_fail(self,
			            g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
			                                "peer closed the connection"));
			return;
		} else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_error_free(error);
			return;
		} else {
			stream_fail(self, error);
			return;
		}
	}
}

static gboolean
queue_append(CrStream *self, const guint8 *data, gsize len)
{
	gsize need = self->queue_len + len;

	if (self->queue_head > 0 && self->queue_head + need > self->queue_cap) {
		memmove(self->queue, self->queue + self->queue_head, self->queue_len);
		self->queue_head = 0;
	}
	if (need > self->queue_cap) {
		self->queue_cap = MAX(MAX(self->queue_cap * 2, need), 4096);
		self->queue = g_realloc(self->queue, self->queue_cap);
	}
	memcpy(self->queue + self->queue_head + self->queue_len, data, len);
	self->queue_len += len;
	return TRUE;
}

static void
stream_flush(CrStream *self)
{
	while (self->queue_len > 0) {
		GError *error = NULL;
		gssize n = g_pollable_output_stream_write_nonblocking(
		        self->out, self->queue + self->queue_head, self->queue_len, NULL, &error);

		if (n < 0) {
			if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
				g_error_free(error);
				return;
			}
			stream_fail(self, error);
			return;
		}
		self->queue_head += (gsize)n;
		self->queue_len -= (gsize)n;
	}
	self->queue_head = 0;
	if (self->queue_cap > KEEP_QUEUE_BUF)
		queue_drop(self);
	update_events(self);
	if (self->congested) {
		self->congested = FALSE;
		if (self->funcs.writable != NULL)
			self->funcs.writable(self, self->user_data);
	}
}

gboolean
cr_stream_write(CrStream *stream, const void *data, gsize len, GError **error)
{
	gsize sent = 0;

	if (stream->closed) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the stream is closed");
		return FALSE;
	}
	if (stream->pending_error != NULL)
		return TRUE; /* ends from the next dispatch */
	if (stream->queue_len + len > stream->max_queued) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
		            "output queue full (%" G_GSIZE_FORMAT " bytes waiting)",
		            stream->queue_len);
		return FALSE;
	}
	if (stream->queue_len == 0 && len > 0) {
		GError *local = NULL;
		gssize n = g_pollable_output_stream_write_nonblocking(stream->out, data, len, NULL,
		                                                      &local);

		if (n >= 0) {
			sent = (gsize)n;
		} else if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_error_free(local);
		} else {
			stream->pending_error = local;
			cr_watch_schedule(stream->watch, G_IO_ERR);
			return TRUE;
		}
	}
	if (sent < len) {
		gboolean was_empty = stream->queue_len == 0;

		queue_append(stream, (const guint8 *)data + sent, len - sent);
		if (was_empty)
			update_events(stream);
		if (stream->queue_len > stream->max_queued / 4)
			stream->congested = TRUE;
	}
	return TRUE;
}

static void
stream_watch_cb(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	CrStream *self = user_data;

	cr_stream_ref(self);
	if (self->pending_error != NULL)
		stream_fail(self, g_steal_pointer(&self->pending_error));
	if (!self->closed && self->queue_len > 0 && (events & (G_IO_OUT | G_IO_ERR | G_IO_HUP)))
		stream_flush(self);
	if (!self->closed && self->started && self->reading &&
	    (events & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
		stream_read(self);
	} else if (!self->closed && (events & (G_IO_HUP | G_IO_ERR))) {
		/* epoll reports these whatever was asked: end here rather than spin */
		GError *error = NULL;

		if (!g_socket_check_connect_result(self->socket, &error))
			stream_fail(self, error);
		else
			stream_fail(self,
			            g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
			                                "peer closed the connection"));
	}
	cr_stream_unref(self);
}
