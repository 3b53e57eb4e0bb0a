// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The I/O reactor: every socket a plugin owns, and the timers that go with
 * them (keep-alives, identify timeouts, transaction deadlines), on one GSource
 * of the main context. With a few watches their fds are that source's poll
 * fds (one system call per wake-up); with more, its only poll fd is an epoll
 * fd. The cost of one main loop iteration follows the ready sockets and the
 * expired timers, not how many are registered; libsoup, GDBus and every other
 * GSource keep working beside it unchanged.
 *
 * Three things live in a reactor:
 *  - CrTimer: embedded in the owner's struct, armed and cancelled in
 *    O(log n) in a binary heap; arming allocates nothing and makes no system
 *    call (the reactor's prepare() hands the earliest deadline to the poll).
 *  - CrWatch: one persistent registration of a file descriptor (a poll fd of
 *    the reactor's source, or an epoll entry whose data pointer is the watch)
 *    with a callback. Free the watch before closing its fd.
 *  - CrStream: a connection (any GIOStream whose base is a GSocketConnection,
 *    so a GTlsConnection can sit on top later) read and written through the
 *    GPollableInputStream / GPollableOutputStream non-blocking calls. Reads
 *    run until the stream says G_IO_ERROR_WOULD_BLOCK (see cr-reactor-stream.c
 *    for TLS and the short-read shortcut of plain sockets); writes go out at
 *    once and what the socket does not take waits in a bounded queue, with
 *    back-pressure to the producer.
 *
 * Everything is for the thread that runs the reactor's main context; nothing
 * here is thread-safe. Any object may be freed or closed from inside any
 * callback, its own included: memory referenced by the current dispatch is
 * released after it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CrReactor CrReactor;

/* The reactor of the thread-default main context (created and attached to it
 * on first use); borrowed, lives as long as that context. */
CrReactor *cr_reactor_get_default(void);
/* the same for @context (NULL = the global default context) */
CrReactor *cr_reactor_get_for_context(GMainContext *context);
GMainContext *cr_reactor_get_context(CrReactor *reactor);
/* registered watches and armed timers (tests, metrics) */
guint cr_reactor_get_n_watches(CrReactor *reactor);
guint cr_reactor_get_n_timers(CrReactor *reactor);

/* ---- timers ---- */

typedef struct _CrTimer CrTimer;
typedef void (*CrTimerFunc)(CrTimer *timer, gpointer user_data);

/* Embed in the owner's struct; the fields are private. */
struct _CrTimer {
	/*< private >*/
	CrReactor *reactor;
	gint64 when_us;
	guint64 seq;
	guint heap_index;
	CrTimerFunc func;
	gpointer user_data;
};

/* Sets the callback; the timer is not armed. @reactor NULL = the default. */
void cr_timer_init(CrTimer *timer, CrReactor *reactor, CrTimerFunc func, gpointer user_data);
/* Arms (or re-arms) the timer to fire once at @when_us (g_get_monotonic_time()
 * clock); timers due at the same time fire in the order they were armed. */
void cr_timer_arm_at(CrTimer *timer, gint64 when_us);
/* the same, @ms milliseconds from now */
void cr_timer_arm(CrTimer *timer, guint ms);
/* no-op when not armed; the callback never runs after it returns */
void cr_timer_cancel(CrTimer *timer);
gboolean cr_timer_is_armed(const CrTimer *timer);
/* the deadline while armed, else -1 */
gint64 cr_timer_get_deadline(const CrTimer *timer);

/* ---- file descriptor watches ---- */

typedef struct _CrWatch CrWatch;
/* @events: what is ready (G_IO_IN, G_IO_OUT, G_IO_HUP, G_IO_ERR) */
typedef void (*CrWatchFunc)(CrWatch *watch, GIOCondition events, gpointer user_data);

/* Registers @fd (level-triggered) for @events (G_IO_IN and/or G_IO_OUT; 0 =
 * registered but asleep). The fd stays the caller's: free the watch before
 * closing it. @reactor NULL = the default. */
CrWatch *cr_watch_new(CrReactor *reactor, gint fd, GIOCondition events, CrWatchFunc func,
                      gpointer user_data, GError **error);
/* changes what is watched (one epoll_ctl when it changes, none otherwise) */
void cr_watch_set_events(CrWatch *watch, GIOCondition events);
GIOCondition cr_watch_get_events(const CrWatch *watch);
/* Calls the callback with @events from the reactor's next dispatch, whatever
 * the fd says (work left over, data buffered above the socket). */
void cr_watch_schedule(CrWatch *watch, GIOCondition events);
/* Unregisters; no callback after it returns. Safe from inside any callback. */
void cr_watch_free(CrWatch *watch);

/* ---- streams ---- */

typedef struct _CrStream CrStream;

typedef struct {
	/* bytes received; @data is only valid during the call */
	void (*read)(CrStream *stream, const guint8 *data, gsize len, gpointer user_data);
	/* the output queue, which passed the congestion mark, is empty again */
	void (*writable)(CrStream *stream, gpointer user_data);
	/* the stream ended by itself (peer closed: G_IO_ERROR_CONNECTION_CLOSED,
	 * or an I/O error); called once, the stream is closed already. Not called
	 * after cr_stream_close() or the last unref. */
	void (*closed)(CrStream *stream, const GError *error, gpointer user_data);
} CrStreamFuncs;

/* queued output beyond which cr_stream_write() refuses (default) */
#define CR_STREAM_DEFAULT_MAX_QUEUED (1024 * 1024)

/* Takes a reference on @io (a GSocketConnection, or a stream such as a
 * GTlsConnection over one). Not reading until cr_stream_start(). @reactor
 * NULL = the default. Fails if no socket is found under @io. */
CrStream *cr_stream_new(CrReactor *reactor, GIOStream *io, const CrStreamFuncs *funcs,
                        gpointer user_data, GError **error);
CrStream *cr_stream_ref(CrStream *stream);
/* the last reference closes the stream (no callback) */
void cr_stream_unref(CrStream *stream);

/* bound of the output queue; above a quarter of it the stream is congested */
void cr_stream_set_max_queued(CrStream *stream, gsize max_queued);
/* starts reading */
void cr_stream_start(CrStream *stream);
/* stops / resumes reading (back-pressure from the consumer side) */
void cr_stream_set_reading(CrStream *stream, gboolean reading);
/*
 * Sends @len bytes: as much as the socket takes goes out now (one write call;
 * a small message is never split by us), the rest is queued. Fails, queueing
 * nothing, with G_IO_ERROR_CLOSED when closed, G_IO_ERROR_NO_SPACE when the
 * queue would pass its bound. A write error does not fail the call: the
 * stream ends from the next dispatch through the closed callback.
 */
gboolean cr_stream_write(CrStream *stream, const void *data, gsize len, GError **error);
/* TRUE while the queue is above the congestion mark: the producer should
 * stop until the writable callback */
gboolean cr_stream_is_congested(const CrStream *stream);
gsize cr_stream_get_queued(const CrStream *stream);
/* closes at once (queued output is dropped), no callback; idempotent */
void cr_stream_close(CrStream *stream);
gboolean cr_stream_is_closed(const CrStream *stream);
GIOStream *cr_stream_get_io_stream(const CrStream *stream);
/* the GSocket under the stream (borrowed) */
GSocket *cr_stream_get_socket(const CrStream *stream);

/* ---- listeners ---- */

typedef struct _CrListener CrListener;
/* a new connection: take a reference to keep it */
typedef void (*CrListenerFunc)(CrListener *listener, GSocketConnection *connection,
                               gpointer user_data);

/* how long accepting pauses when the process is out of file descriptors */
#define CR_LISTENER_PAUSE_MS 250
/* at most one log line per this interval about paused accepting */
#define CR_LISTENER_LOG_INTERVAL_S 10

/*
 * A TCP listening socket on the reactor, accepting at once. @backlog 0 =
 * SOMAXCONN (bursts of connects after a restart must not lose SYNs). When
 * accept() fails for lack of file descriptors (EMFILE, ENFILE) or memory,
 * the listener stops accepting for CR_LISTENER_PAUSE_MS, then tries again;
 * it never spins, and it logs at most once per CR_LISTENER_LOG_INTERVAL_S
 * (how many times it paused since). @name prefixes that log line.
 */
CrListener *cr_listener_new(CrReactor *reactor, GSocketAddress *address, gint backlog,
                            const gchar *name, CrListenerFunc func, gpointer user_data,
                            GError **error);
/* the bound address (the port chosen for port 0) */
GSocketAddress *cr_listener_get_address(CrListener *listener);
/* times accepting paused for lack of resources */
guint64 cr_listener_get_pauses(const CrListener *listener);
gboolean cr_listener_is_paused(const CrListener *listener);
/* closes the socket; safe from inside its callback */
void cr_listener_free(CrListener *listener);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrStream, cr_stream_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrListener, cr_listener_free)

G_END_DECLS
