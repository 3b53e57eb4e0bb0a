// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reactor's watches and streams, each test in both modes (direct poll fds
 * and epoll): readiness, partial reads and writes, back-pressure against a
 * peer that stops reading, a peer gone with output queued, closing from
 * inside callbacks, listeners, and a poll set that stays bounded whatever
 * the number of connections. Timers: test-reactor-timer.c. Streams run over
 * AF_UNIX socket pairs wrapped as GSocketConnections; every wait is for an
 * event.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cardroute/cardroute.h>

#include "cr-reactor-private.h" /* cr_reactor_force_epoll() */

#define WAIT_S 10

static GSocketConnection *
connection_from_fd(gint fd)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) socket = g_socket_new_from_fd(fd, &error);

	g_assert_no_error(error);
	return g_socket_connection_factory_create_connection(socket);
}

static void
make_pair(GSocketConnection **a, GSocketConnection **b)
{
	gint fds[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
	*a = connection_from_fd(fds[0]);
	*b = connection_from_fd(fds[1]);
}

typedef struct {
	CrStream *stream;
	GByteArray *in;
	guint reads;
	guint closed;
	guint writable;
	GError *error;
	gboolean unref_on_read;  /* drop the last reference inside the read callback */
	CrStream *close_on_read; /* close this other stream inside the read callback */
	gsize stop_after;        /* stop reading once this many bytes are in */
} Side;

static void
side_read(CrStream *stream, const guint8 *data, gsize len, gpointer user_data)
{
	Side *s = user_data;

	g_assert_true(stream == s->stream);
	g_byte_array_append(s->in, data, (guint)len);
	s->reads++;
	if (s->close_on_read != NULL) {
		cr_stream_close(s->close_on_read);
		s->close_on_read = NULL;
	}
	if (s->unref_on_read) {
		s->unref_on_read = FALSE;
		g_clear_pointer(&s->stream, cr_stream_unref);
		return;
	}
	if (s->stop_after > 0 && s->in->len >= s->stop_after)
		cr_stream_set_reading(stream, FALSE);
}

static void
side_writable(CrStream *stream, gpointer user_data)
{
	((Side *)user_data)->writable++;
}

static void
side_closed(CrStream *stream, const GError *error, gpointer user_data)
{
	Side *s = user_data;

	s->closed++;
	g_clear_error(&s->error);
	s->error = g_error_copy(error);
}

static const CrStreamFuncs side_funcs = {side_read, side_writable, side_closed};

static void
side_init(Side *s, GSocketConnection *conn)
{
	g_autoptr(GError) error = NULL;

	memset(s, 0, sizeof(*s));
	s->in = g_byte_array_new();
	s->stream = cr_stream_new(NULL, G_IO_STREAM(conn), &side_funcs, s, &error);
	g_assert_no_error(error);
	cr_stream_start(s->stream);
}

static void
side_clear(Side *s)
{
	g_clear_pointer(&s->stream, cr_stream_unref);
	g_byte_array_unref(s->in);
	g_clear_error(&s->error);
}

static gboolean
has_bytes(Side *s, gsize n)
{
	return s->in->len >= n;
}

static void
wait_bytes(Side *s, gsize n)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_S * G_USEC_PER_SEC;

	while (!has_bytes(s, n)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, TRUE);
	}
}

static guint8 *
pattern(gsize len, guint seed)
{
	guint8 *p = g_malloc(len);

	for (gsize i = 0; i < len; i++)
		p[i] = (guint8)((i * 31 + seed) ^ (i >> 8));
	return p;
}

/* bytes written on one side come out, in order, on the other */
static void
test_readiness(void)
{
	g_autoptr(GSocketConnection) ca = NULL;
	g_autoptr(GSocketConnection) cb = NULL;
	Side a, b;
	g_autoptr(GError) error = NULL;

	make_pair(&ca, &cb);
	side_init(&a, ca);
	side_init(&b, cb);
	g_assert_true(cr_stream_write(a.stream, "hello", 5, &error));
	g_assert_no_error(error);
	wait_bytes(&b, 5);
	g_assert_cmpmem(b.in->data, b.in->len, "hello", 5);
	g_assert_cmpuint(cr_stream_get_queued(a.stream), ==, 0);
	g_assert_true(cr_stream_write(b.stream, "world!", 6, NULL));
	wait_bytes(&a, 6);
	g_assert_cmpmem(a.in->data, a.in->len, "world!", 6);
	g_assert_cmpuint(a.closed + b.closed, ==, 0);
	side_clear(&a);
	side_clear(&b);
}

/* a large message leaves in partial writes and arrives in several reads */
static void
test_partial(void)
{
	g_autoptr(GSocketConnection) ca = NULL;
	g_autoptr(GSocketConnection) cb = NULL;
	const gsize len = 3 * 1024 * 1024 + 17;
	g_autofree guint8 *data = pattern(len, 7);
	Side a, b;

	make_pair(&ca, &cb);
	side_init(&a, ca);
	side_init(&b, cb);
	cr_stream_set_max_queued(a.stream, 4 * 1024 * 1024);
	g_assert_true(cr_stream_write(a.stream, data, len, NULL));
	/* a socket pair's buffer is far smaller: the rest is queued */
	g_assert_cmpuint(cr_stream_get_queued(a.stream), >, 0);
	g_assert_cmpuint(cr_stream_get_queued(a.stream), <, len);
	wait_bytes(&b, len);
	g_assert_cmpuint(b.in->len, ==, len);
	g_assert_true(memcmp(b.in->data, data, len) == 0);
	g_assert_cmpuint(b.reads, >, 1);
	g_assert_cmpuint(cr_stream_get_queued(a.stream), ==, 0);
	side_clear(&a);
	side_clear(&b);
}

/* a peer that stops reading: the writer becomes congested, then refuses past
 * its bound, and resumes (writable callback) once the peer reads again */
static void
test_backpressure(void)
{
	g_autoptr(GSocketConnection) ca = NULL;
	g_autoptr(GSocketConnection) cb = NULL;
	const gsize chunk = 16 * 1024, max = 512 * 1024;
	g_autofree guint8 *data = pattern(chunk, 3);
	g_autoptr(GByteArray) sent = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	gboolean congested_seen = FALSE;
	Side a, b;

	make_pair(&ca, &cb);
	side_init(&a, ca);
	side_init(&b, cb);
	cr_stream_set_reading(b.stream, FALSE);
	cr_stream_set_max_queued(a.stream, max);
	for (guint i = 0;; i++) {
		data[0] = (guint8)i;
		if (!cr_stream_write(a.stream, data, chunk, &error))
			break;
		g_byte_array_append(sent, data, (guint)chunk);
		congested_seen |= cr_stream_is_congested(a.stream);
		/* let the reactor run: nothing may be read by the stopped peer */
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_assert_cmpuint(i, <, 10000);
	}
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_assert_true(congested_seen);
	g_assert_true(cr_stream_is_congested(a.stream));
	g_assert_cmpuint(cr_stream_get_queued(a.stream), <=, max);
	g_assert_cmpuint(cr_stream_get_queued(a.stream), >, max - chunk);
	g_assert_cmpuint(b.in->len, ==, 0);
	g_assert_cmpuint(a.writable, ==, 0);

	cr_stream_set_reading(b.stream, TRUE);
	wait_bytes(&b, sent->len);
	while (a.writable == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(a.writable, ==, 1);
	g_assert_false(cr_stream_is_congested(a.stream));
	g_assert_cmpuint(b.in->len, ==, sent->len);
	g_assert_true(memcmp(b.in->data, sent->data, sent->len) == 0);
	side_clear(&a);
	side_clear(&b);
}

/* the peer goes away while output is queued: one closed callback with the error */
static void
test_dropped_with_queue(void)
{
	g_autoptr(GSocketConnection) ca = NULL;
	g_autoptr(GSocketConnection) cb = NULL;
	const gsize len = 2 * 1024 * 1024;
	g_autofree guint8 *data = pattern(len, 1);
	Side a;

	make_pair(&ca, &cb);
	side_init(&a, ca);
	cr_stream_set_max_queued(a.stream, 4 * 1024 * 1024);
	g_assert_true(cr_stream_write(a.stream, data, len, NULL));
	g_assert_cmpuint(cr_stream_get_queued(a.stream), >, 0);
	g_assert_true(g_io_stream_close(G_IO_STREAM(cb), NULL, NULL));
	while (a.closed == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(a.closed, ==, 1);
	g_assert_nonnull(a.error);
	g_assert_true(cr_stream_is_closed(a.stream));
	g_assert_cmpuint(cr_stream_get_queued(a.stream), ==, 0);
	g_assert_false(cr_stream_write(a.stream, "x", 1, NULL));
	/* nothing more comes */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(a.closed, ==, 1);
	side_clear(&a);
}

/* the peer closes cleanly: CONNECTION_CLOSED, after the last bytes */
static void
test_peer_closed(void)
{
	g_autoptr(GSocketConnection) ca = NULL;
	g_autoptr(GSocketConnection) cb = NULL;
	Side a;

	make_pair(&ca, &cb);
	side_init(&a, ca);
	g_assert_cmpint(g_output_stream_write(g_io_stream_get_output_stream(G_IO_STREAM(cb)), "bye",
	                                      3, NULL, NULL),
	                ==, 3);
	g_assert_true(g_io_stream_close(G_IO_STREAM(cb), NULL, NULL));
	while (a.closed == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpmem(a.in->data, a.in->len, "bye", 3);
	g_assert_error(a.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
	side_clear(&a);
}

/* dropping the last reference inside the stream's own read callback, and
 * closing another stream whose event is in the same batch */
static void
test_close_in_callback(void)
{
	g_autoptr(GSocketConnection) c1 = NULL;
	g_autoptr(GSocketConnection) p1 = NULL;
	g_autoptr(GSocketConnection) c2 = NULL;
	g_autoptr(GSocketConnection) p2 = NULL;
	GOutputStream *o1, *o2;
	Side s1, s2;

	make_pair(&c1, &p1);
	make_pair(&c2, &p2);
	side_init(&s1, c1);
	side_init(&s2, c2);
	s1.close_on_read = s2.stream;
	s2.close_on_read = s1.stream;
	s1.unref_on_read = TRUE;
	s2.unref_on_read = TRUE;
	o1 = g_io_stream_get_output_stream(G_IO_STREAM(p1));
	o2 = g_io_stream_get_output_stream(G_IO_STREAM(p2));
	/* both ready before the reactor looks: one epoll batch */
	g_assert_cmpint(g_output_stream_write(o1, "1", 1, NULL, NULL), ==, 1);
	g_assert_cmpint(g_output_stream_write(o2, "2", 1, NULL, NULL), ==, 1);
	while (s1.reads + s2.reads == 0)
		g_main_context_iteration(NULL, TRUE);
	while (g_main_context_iteration(NULL, FALSE))
		;
	/* exactly one ran: it closed the other, then dropped itself */
	g_assert_cmpuint(s1.reads + s2.reads, ==, 1);
	g_assert_cmpuint(s1.closed + s2.closed, ==, 0);
	g_assert_true(s1.stream == NULL || s2.stream == NULL);
	g_assert_true((s1.stream != NULL && cr_stream_is_closed(s1.stream)) ||
	              (s2.stream != NULL && cr_stream_is_closed(s2.stream)));
	/* the peers see the closes (a reset where their byte was never read) */
	{
		guint8 buf[4];

		g_assert_cmpint(g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(p1)),
		                                    buf, sizeof(buf), NULL, NULL),
		                <=, 0);
		g_assert_cmpint(g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(p2)),
		                                    buf, sizeof(buf), NULL, NULL),
		                <=, 0);
	}
	side_clear(&s1);
	side_clear(&s2);
}

/* ---- timers ---- */

/* the context's poll fds, after one iteration */
static gint
poll_fds(void)
{
	GMainContext *context = g_main_context_default();
	GPollFD fds[64];
	gint priority, timeout, n;

	g_assert_true(g_main_context_acquire(context));
	g_main_context_prepare(context, &priority);
	n = g_main_context_query(context, priority, &timeout, fds, G_N_ELEMENTS(fds));
	g_main_context_check(context, priority, fds, MIN(n, (gint)G_N_ELEMENTS(fds)));
	g_main_context_dispatch(context);
	g_main_context_release(context);
	return n;
}

/* Few watches are the reactor source's own poll fds; more go behind one epoll
 * fd, so the poll set stays bounded however many connections there are. The
 * reactor moves back when few are left, and bytes flow in every mode. */
static void
exchange(Side *from, Side *to, guint seed)
{
	g_autofree guint8 *data = pattern(100, seed);
	gsize had = to->in->len;

	g_assert_true(cr_stream_write(from->stream, data, 100, NULL));
	wait_bytes(to, had + 100);
	g_assert_cmpmem(to->in->data + had, 100, data, 100);
}

static void
test_poll_fds_bounded(void)
{
	enum { N = 200 };
	GSocketConnection *conns[2 * N];
	Side sides[2 * N];
	gint base;
	CrReactor *reactor = cr_reactor_get_default();
	guint watches = cr_reactor_get_n_watches(reactor);

	g_assert_cmpuint(watches, ==, 0);
	base = poll_fds();
	for (guint i = 0; i < N; i++) {
		make_pair(&conns[2 * i], &conns[2 * i + 1]);
		side_init(&sides[2 * i], conns[2 * i]);
		side_init(&sides[2 * i + 1], conns[2 * i + 1]);
		if (i == 1)
			/* four watches: direct, one poll fd each */
			g_assert_cmpint(poll_fds(), ==, base + 4);
	}
	g_assert_cmpuint(cr_reactor_get_n_watches(reactor), ==, 2 * N);
	/* 400 watches: the epoll fd alone */
	g_assert_cmpint(poll_fds(), ==, base + 1);
	for (guint i = 0; i < N; i += 37)
		exchange(&sides[2 * i], &sides[2 * i + 1], i);
	/* down to three pairs: still epoll (no moving on every connection) */
	for (guint i = 3; i < N; i++) {
		side_clear(&sides[2 * i]);
		side_clear(&sides[2 * i + 1]);
	}
	g_assert_cmpuint(cr_reactor_get_n_watches(reactor), ==, 6);
	g_assert_cmpint(poll_fds(), ==, base + 1);
	/* two pairs: back to direct, and the moved ones still work both ways */
	side_clear(&sides[4]);
	side_clear(&sides[5]);
	g_assert_cmpint(poll_fds(), ==, base + 4);
	for (guint i = 0; i < 2; i++) {
		exchange(&sides[2 * i], &sides[2 * i + 1], 100 + i);
		exchange(&sides[2 * i + 1], &sides[2 * i], 200 + i);
	}
	for (guint i = 0; i < 2; i++) {
		side_clear(&sides[2 * i]);
		side_clear(&sides[2 * i + 1]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(conns); i++)
		g_object_unref(conns[i]);
	g_assert_cmpuint(cr_reactor_get_n_watches(reactor), ==, 0);
	g_assert_cmpint(poll_fds(), ==, base);
}

static void
never_cb(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	g_assert_not_reached();
}

/* a second watch on one fd is refused in both modes, as epoll refuses it */
static void
test_watch_twice(void)
{
	gint fds[2];
	g_autoptr(GError) error = NULL;
	CrWatch *first, *second;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
	first = cr_watch_new(NULL, fds[0], G_IO_IN, never_cb, NULL, &error);
	g_assert_no_error(error);
	second = cr_watch_new(NULL, fds[0], G_IO_IN, never_cb, NULL, &error);
	g_assert_null(second);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
	g_clear_error(&error);
	cr_watch_free(first);
	close(fds[0]);
	/* a closed fd is refused too */
	g_assert_null(cr_watch_new(NULL, fds[0], G_IO_IN, never_cb, NULL, &error));
	g_assert_nonnull(error);
	close(fds[1]);
}

typedef struct {
	guint calls;
	GIOCondition events;
	CrWatch *self;
} WatchProbe;

static void
probe_cb(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	WatchProbe *p = user_data;

	p->calls++;
	p->events = events;
	g_clear_pointer(&p->self, cr_watch_free); /* free itself from inside */
}

/* a scheduled call arrives without the fd being ready, once */
static void
test_watch_schedule(void)
{
	gint fds[2];
	WatchProbe p = {0};
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
	p.self = cr_watch_new(NULL, fds[0], G_IO_IN, probe_cb, &p, &error);
	g_assert_no_error(error);
	cr_watch_schedule(p.self, G_IO_IN);
	cr_watch_schedule(p.self, G_IO_OUT);
	while (p.calls == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(p.events, ==, G_IO_IN | G_IO_OUT);
	g_assert_null(p.self);
	/* removed: a ready fd calls nothing any more */
	g_assert_cmpint(write(fds[1], "x", 1), ==, 1);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(p.calls, ==, 1);
	close(fds[0]);
	close(fds[1]);
}

/* ---- listeners ---- */

static void
listener_incoming(CrListener *listener, GSocketConnection *connection, gpointer user_data)
{
	(*(guint *)user_data)++;
}

static CrListener *
loopback_listener(guint *incoming, guint16 *port)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;
	CrListener *listener = cr_listener_new(NULL, addr, 0, "test-listener", listener_incoming,
	                                       incoming, &error);

	g_assert_no_error(error);
	bound = cr_listener_get_address(listener);
	*port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	return listener;
}

static GSocketConnection *
connect_to(guint16 port)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GError) error = NULL;
	GSocketConnection *conn;

	g_socket_client_set_enable_proxy(client, FALSE);
	conn = g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, &error);
	g_assert_no_error(error);
	return conn;
}

/* out of file descriptors: the listener pauses (no spin, one log line) and
 * takes the waiting connection once descriptors are free again */
static void
test_listener_emfile(void)
{
	guint incoming = 0;
	guint16 port;
	g_autoptr(CrListener) listener = loopback_listener(&incoming, &port);
	g_autoptr(GSocketConnection) c1 = connect_to(port);
	g_autoptr(GSocketConnection) c2 = NULL;
	struct rlimit saved, tight;
	GArray *fillers = g_array_new(FALSE, FALSE, sizeof(gint));
	gint fd;

	while (incoming < 1)
		g_main_context_iteration(NULL, TRUE);
	g_assert_nonnull(c1);
	c2 = connect_to(port);
	/* take every descriptor left */
	g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &saved), ==, 0);
	tight = saved;
	tight.rlim_cur = 256;
	g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &tight), ==, 0);
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		g_array_append_val(fillers, fd);
	g_test_expect_message("cardroute", G_LOG_LEVEL_WARNING, "test-listener: cannot accept*");
	while (cr_listener_get_pauses(listener) == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(cr_listener_is_paused(listener));
	g_assert_cmpuint(incoming, ==, 1);
	/* nothing is ready while paused: this returns instead of spinning */
	while (g_main_context_iteration(NULL, FALSE))
		;
	for (guint i = 0; i < fillers->len; i++)
		close(g_array_index(fillers, gint, i));
	g_array_unref(fillers);
	g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &saved), ==, 0);
	while (incoming < 2)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(cr_listener_is_paused(listener));
	g_test_assert_expected_messages();
}

/* freeing the listener from inside its own callback */
static void
free_on_incoming(CrListener *listener, GSocketConnection *connection, gpointer user_data)
{
	CrListener **slot = user_data;

	g_assert_true(*slot == listener);
	g_clear_pointer(slot, cr_listener_free);
}

static void
test_listener_free_in_callback(void)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GSocketConnection) c1 = NULL;
	g_autoptr(GSocketConnection) c2 = NULL;
	CrListener *listener;

	listener = cr_listener_new(NULL, addr, 0, "t", free_on_incoming, &listener, NULL);
	g_assert_nonnull(listener);
	bound = cr_listener_get_address(listener);
	c1 = connect_to(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	c2 = connect_to(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	while (listener != NULL)
		g_main_context_iteration(NULL, TRUE);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_nonnull(c1);
	g_assert_nonnull(c2);
}

/* direct mode: a fd closed while still watched (an owner's mistake) is an
 * error for the owner, not an fd silently dropped or a spin */
static void
test_watch_fd_closed(void)
{
	gint fds[2];
	g_autoptr(GError) error = NULL;
	WatchProbe p = {0};

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
	p.self = cr_watch_new(NULL, fds[0], G_IO_IN, probe_cb, &p, &error);
	g_assert_no_error(error);
	close(fds[0]);
	while (p.calls == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(p.events & (G_IO_ERR | G_IO_HUP), ==, G_IO_ERR | G_IO_HUP);
	g_assert_null(p.self);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(p.calls, ==, 1);
	close(fds[1]);
}

typedef struct {
	const gchar *path;
	GTestFunc func;
} ModeTest;

static const ModeTest mode_tests[] = {
        {"stream/readiness", test_readiness},
        {"stream/partial", test_partial},
        {"stream/backpressure", test_backpressure},
        {"stream/dropped-with-queue", test_dropped_with_queue},
        {"stream/peer-closed", test_peer_closed},
        {"stream/close-in-callback", test_close_in_callback},
        {"watch/schedule", test_watch_schedule},
        {"watch/twice", test_watch_twice},
        {"listener/emfile", test_listener_emfile},
        {"listener/free-in-callback", test_listener_free_in_callback},
};

static void
run_direct(gconstpointer data)
{
	((const ModeTest *)data)->func();
}

/* the same test with every watch in the epoll set */
static void
run_epoll(gconstpointer data)
{
	CrReactor *reactor = cr_reactor_get_default();

	cr_reactor_force_epoll(reactor, TRUE);
	((const ModeTest *)data)->func();
	cr_reactor_force_epoll(reactor, FALSE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(mode_tests); i++) {
		g_autofree gchar *direct = g_strdup_printf("/reactor/direct/%s", mode_tests[i].path);
		g_autofree gchar *epoll = g_strdup_printf("/reactor/epoll/%s", mode_tests[i].path);

		g_test_add_data_func(direct, &mode_tests[i], run_direct);
		g_test_add_data_func(epoll, &mode_tests[i], run_epoll);
	}
	g_test_add_func("/reactor/poll-fds-bounded", test_poll_fds_bounded);
	g_test_add_func("/reactor/direct/watch/fd-closed", test_watch_fd_closed);
	return g_test_run();
}
