// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stream with a layer above the socket (as a GTlsConnection is): the layer
 * takes everything the socket has in one read and hands it out in small
 * pieces, as TLS hands out one record at a time. The reactor stops at the
 * first short read only on a plain socket connection; over a layer it must
 * read until would-block, or the bytes the layer holds would wait for socket
 * readiness that never comes. A plain socket gets the same bytes too.
 */
#include <string.h>
#include <sys/socket.h>

#include <cardroute/cardroute.h>

#define WAIT_S 10
#define PIECE 100 /* what the layer hands out per read */

/* ---- the layer's input stream: buffers the socket, gives PIECE at a time ---- */

#define TEST_TYPE_PIECE_INPUT (test_piece_input_get_type())
G_DECLARE_FINAL_TYPE(TestPieceInput, test_piece_input, TEST, PIECE_INPUT, GInputStream)

struct _TestPieceInput {
	GInputStream parent;
	GPollableInputStream *base;
	GByteArray *held;
	guint reads;
};

static void test_piece_input_pollable_init(GPollableInputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE(TestPieceInput, test_piece_input, G_TYPE_INPUT_STREAM,
                        G_IMPLEMENT_INTERFACE(G_TYPE_POLLABLE_INPUT_STREAM,
                                              test_piece_input_pollable_init))

static gssize
piece_read_nonblocking(GPollableInputStream *stream, void *buffer, gsize count, GError **error)
{
	TestPieceInput *self = TEST_PIECE_INPUT(stream);
	gsize n;

	self->reads++;
	if (self->held->len == 0) {
		guint8 buf[8192];
		gssize got = g_pollable_input_stream_read_nonblocking(self->base, buf, sizeof(buf),
		                                                      NULL, error);

		if (got <= 0)
			return got;
		g_byte_array_append(self->held, buf, (guint)got);
	}
	n = MIN(MIN(count, (gsize)PIECE), self->held->len);
	memcpy(buffer, self->held->data, n);
	g_byte_array_remove_range(self->held, 0, (guint)n);
	return (gssize)n;
}

static gboolean
piece_is_readable(GPollableInputStream *stream)
{
	TestPieceInput *self = TEST_PIECE_INPUT(stream);

	return self->held->len > 0 || g_pollable_input_stream_is_readable(self->base);
}

static GSource *
piece_create_source(GPollableInputStream *stream, GCancellable *cancellable)
{
	return g_pollable_input_stream_create_source(TEST_PIECE_INPUT(stream)->base, cancellable);
}

static void
test_piece_input_pollable_init(GPollableInputStreamInterface *iface)
{
	iface->read_nonblocking = piece_read_nonblocking;
	iface->is_readable = piece_is_readable;
	iface->create_source = piece_create_source;
}

static gssize
piece_read(GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
           GError **error)
{
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "non-blocking only");
	return -1;
}

static void
piece_finalize(GObject *object)
{
	TestPieceInput *self = TEST_PIECE_INPUT(object);

	g_byte_array_unref(self->held);
	G_OBJECT_CLASS(test_piece_input_parent_class)->finalize(object);
}

static void
test_piece_input_class_init(TestPieceInputClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = piece_finalize;
	G_INPUT_STREAM_CLASS(klass)->read_fn = piece_read;
}

static void
test_piece_input_init(TestPieceInput *self)
{
	self->held = g_byte_array_new();
}

/* ---- the layer: a GIOStream over a socket connection, "base-io-stream" as TLS has ---- */

#define TEST_TYPE_LAYER (test_layer_get_type())
G_DECLARE_FINAL_TYPE(TestLayer, test_layer, TEST, LAYER, GIOStream)

struct _TestLayer {
	GIOStream parent;
	GIOStream *base;
	TestPieceInput *in;
};

G_DEFINE_TYPE(TestLayer, test_layer, G_TYPE_IO_STREAM)

enum { PROP_0, PROP_BASE_IO_STREAM };

static void
layer_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	TestLayer *self = TEST_LAYER(object);

	g_assert_cmpuint(id, ==, PROP_BASE_IO_STREAM);
	self->base = g_value_dup_object(value);
	self->in = g_object_new(TEST_TYPE_PIECE_INPUT, NULL);
	self->in->base = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(self->base));
}

static void
layer_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	g_assert_cmpuint(id, ==, PROP_BASE_IO_STREAM);
	g_value_set_object(value, TEST_LAYER(object)->base);
}

static GInputStream *
layer_get_input_stream(GIOStream *stream)
{
	return G_INPUT_STREAM(TEST_LAYER(stream)->in);
}

static GOutputStream *
layer_get_output_stream(GIOStream *stream)
{
	return g_io_stream_get_output_stream(TEST_LAYER(stream)->base);
}

static void
layer_finalize(GObject *object)
{
	TestLayer *self = TEST_LAYER(object);

	g_clear_object(&self->in);
	g_clear_object(&self->base);
	G_OBJECT_CLASS(test_layer_parent_class)->finalize(object);
}

static void
test_layer_class_init(TestLayerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->set_property = layer_set_property;
	object_class->get_property = layer_get_property;
	object_class->finalize = layer_finalize;
	G_IO_STREAM_CLASS(klass)->get_input_stream = layer_get_input_stream;
	G_IO_STREAM_CLASS(klass)->get_output_stream = layer_get_output_stream;
	g_object_class_install_property(
	        object_class, PROP_BASE_IO_STREAM,
	        g_param_spec_object("base-io-stream", NULL, NULL, G_TYPE_IO_STREAM,
	                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
	                                    G_PARAM_STATIC_STRINGS));
}

static void
test_layer_init(TestLayer *self)
{
}

/* ---- the tests ---- */

typedef struct {
	GByteArray *in;
	guint reads;
} Sink;

static void
sink_read(CrStream *stream, const guint8 *data, gsize len, gpointer user_data)
{
	Sink *s = user_data;

	g_byte_array_append(s->in, data, (guint)len);
	s->reads++;
}

static void
sink_closed(CrStream *stream, const GError *error, gpointer user_data)
{
	g_error("stream closed: %s", error->message);
}

static const CrStreamFuncs sink_funcs = {sink_read, NULL, sink_closed};

/* wakes the loop now and then, so a wait for bytes that never come ends at
 * the deadline instead of blocking for good */
static gboolean
tick(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

static GSocketConnection *
connection_from_fd(gint fd)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) socket = g_socket_new_from_fd(fd, &error);

	g_assert_no_error(error);
	return g_socket_connection_factory_create_connection(socket);
}

/* @layered: read through TestLayer; either way every byte must arrive */
static void
run_burst(gboolean layered)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) a = NULL;
	g_autoptr(GSocketConnection) b = NULL;
	g_autoptr(GIOStream) io = NULL;
	Sink sink = {g_byte_array_new(), 0};
	guint8 burst[1000];
	CrStream *stream;
	gint fds[2];
	gint64 deadline = g_get_monotonic_time() + WAIT_S * G_USEC_PER_SEC;
	guint ticker = g_timeout_add(100, tick, NULL);

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
	a = connection_from_fd(fds[0]);
	b = connection_from_fd(fds[1]);
	io = layered ? g_object_new(TEST_TYPE_LAYER, "base-io-stream", b, NULL)
	             : G_IO_STREAM(g_object_ref(b));
	stream = cr_stream_new(NULL, io, &sink_funcs, &sink, &error);
	g_assert_no_error(error);
	cr_stream_start(stream);

	/* one write: the socket has it all at once, the layer takes it in one read */
	for (guint i = 0; i < sizeof(burst); i++)
		burst[i] = (guint8)i;
	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(a)),
	                                        burst, sizeof(burst), NULL, NULL, &error));
	g_assert_no_error(error);
	while (sink.in->len < sizeof(burst)) {
		/* a layer whose held bytes were left behind never wakes the socket again */
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, TRUE);
	}
	g_source_remove(ticker);
	g_assert_cmpmem(sink.in->data, sink.in->len, burst, sizeof(burst));
	if (layered) {
		/* handed out a piece at a time, all within the reads the socket woke */
		g_assert_cmpuint(sink.reads, ==, sizeof(burst) / PIECE);
		g_assert_cmpuint(TEST_LAYER(io)->in->held->len, ==, 0);
	}
	cr_stream_unref(stream);
	g_byte_array_unref(sink.in);
}

static void
test_layer_drained(void)
{
	run_burst(TRUE);
}

static void
test_plain_burst(void)
{
	run_burst(FALSE);
}

gint
main(gint argc, gchar **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/reactor/stream/layer-drained", test_layer_drained);
	g_test_add_func("/reactor/stream/plain-burst", test_plain_burst);
	return g_test_run();
}
