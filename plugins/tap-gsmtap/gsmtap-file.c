// SPDX-License-Identifier: GPL-2.0-or-later
#include "gsmtap-file.h"

#include <string.h>

#include "gsmtap-pcap.h"

#define FLUSH_INTERVAL_US G_USEC_PER_SEC
#define REOPEN_INTERVAL_US (10 * G_USEC_PER_SEC)

typedef struct {
	gint64 wall_time_us;
	guint16 src_port;
	gsize len;
	guint8 datagram[]; /* len bytes */
} Record;

struct _GsmtapFileSink {
	GsmtapPcapWriter *writer; /* the thread's, after start */
	GAsyncQueue *queue;
	GThread *thread;
	gint stopping; /* atomic */
	gboolean joined;
	gsize queued_bytes; /* atomic (g_atomic_pointer on gsize) */
	GMutex lock;        /* the counters and the error below */
	guint64 written;
	guint64 dropped;
	gchar *last_error;
};

/* A zero-length record with this port ends the thread. */
#define STOP_PORT 0

static void
note_error(GsmtapFileSink *self, const GError *error, guint64 dropped)
{
	g_mutex_lock(&self->lock);
	self->dropped += dropped;
	if (error != NULL) {
		g_free(self->last_error);
		self->last_error = g_strdup(error->message);
	}
	g_mutex_unlock(&self->lock);
}

static gpointer
sink_thread(gpointer user_data)
{
	GsmtapFileSink *self = user_data;
	gint64 next_flush = 0; /* 0: nothing to flush */
	gint64 next_reopen = 0;
	guint64 unflushed = 0; /* records written since the last flush */

	for (;;) {
		gint64 now = g_get_monotonic_time();
		Record *rec;

		if (next_flush != 0 && now >= next_flush) {
			g_autoptr(GError) error = NULL;

			if (!gsmtap_pcap_writer_flush(self->writer, &error)) {
				note_error(self, error, unflushed);
				next_reopen = now + REOPEN_INTERVAL_US;
			}
			unflushed = 0;
			next_flush = 0;
		}
		if (next_flush != 0)
			rec = g_async_queue_timeout_pop(self->queue, (guint64)(next_flush - now));
		else
			rec = g_async_queue_pop(self->queue);
		if (rec == NULL)
			continue; /* time to flush */
		if (rec->len == 0 && rec->src_port == STOP_PORT) {
			g_free(rec);
			break;
		}
		g_atomic_pointer_add(&self->queued_bytes, -(gssize)(sizeof(Record) + rec->len));

		if (!gsmtap_pcap_writer_is_open(self->writer)) {
			g_autoptr(GError) error = NULL;

			now = g_get_monotonic_time();
			if (now < next_reopen) {
				note_error(self, NULL, 1);
				g_free(rec);
				continue;
			}
			if (!gsmtap_pcap_writer_reopen(self->writer, &error)) {
				next_reopen = now + REOPEN_INTERVAL_US;
				note_error(self, error, 1);
				g_free(rec);
				continue;
			}
		}
		{
			g_autoptr(GError) error = NULL;

			if (gsmtap_pcap_writer_write(self->writer, rec->wall_time_us, rec->src_port,
			                             rec->datagram, rec->len, &error)) {
				g_mutex_lock(&self->lock);
				self->written++;
				g_mutex_unlock(&self->lock);
				unflushed++;
				if (next_flush == 0)
					next_flush = g_get_monotonic_time() + FLUSH_INTERVAL_US;
			} else {
				/* what was buffered went down with the file */
				next_reopen = g_get_monotonic_time() + REOPEN_INTERVAL_US;
				note_error(self, error, 1 + unflushed);
				unflushed = 0;
			}
		}
		g_free(rec);
	}
	{
		g_autoptr(GError) error = NULL;

		if (!gsmtap_pcap_writer_flush(self->writer, &error))
			note_error(self, error, unflushed);
	}
	return NULL;
}

GsmtapFileSink *
gsmtap_file_sink_new(const gchar *path, guint64 max_size, guint max_files, GError **error)
{
	GsmtapFileSink *self;
	GsmtapPcapWriter *writer = gsmtap_pcap_writer_open(path, max_size, max_files, error);

	if (writer == NULL)
		return NULL;
	self = g_new0(GsmtapFileSink, 1);
	self->writer = writer;
	g_mutex_init(&self->lock);
	self->queue = g_async_queue_new_full(g_free);
	self->thread = g_thread_new("gsmtap-file", sink_thread, self);
	return self;
}

gboolean
gsmtap_file_sink_push(GsmtapFileSink *self, gint64 wall_time_us, guint16 src_port,
                      const guint8 *datagram, gsize len)
{
	Record *rec;
	gsize size = sizeof(Record) + len;

	if (len == 0 || g_atomic_int_get(&self->stopping) ||
	    (gsize)g_atomic_pointer_get(&self->queued_bytes) + size > GSMTAP_FILE_QUEUE_LIMIT) {
		g_mutex_lock(&self->lock);
		self->dropped++;
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	rec = g_malloc(size);
	rec->wall_time_us = wall_time_us;
	rec->src_port = src_port;
	rec->len = len;
	memcpy(rec->datagram, datagram, len);
	g_atomic_pointer_add(&self->queued_bytes, (gssize)size);
	g_async_queue_push(self->queue, rec);
	return TRUE;
}

void
gsmtap_file_sink_get_stats(GsmtapFileSink *self, guint64 *written, guint64 *dropped,
                           gchar **last_error)
{
	g_mutex_lock(&self->lock);
	if (written != NULL)
		*written = self->written;
	if (dropped != NULL)
		*dropped = self->dropped;
	if (last_error != NULL)
		*last_error = g_strdup(self->last_error);
	g_mutex_unlock(&self->lock);
}

void
gsmtap_file_sink_stop(GsmtapFileSink *self)
{
	Record *stop;

	if (self->joined)
		return;
	g_atomic_int_set(&self->stopping, 1);
	stop = g_malloc0(sizeof(Record));
	stop->src_port = STOP_PORT;
	g_async_queue_push(self->queue, stop);
	g_thread_join(self->thread);
	self->joined = TRUE;
}

void
gsmtap_file_sink_free(GsmtapFileSink *self)
{
	if (self == NULL)
		return;
	gsmtap_file_sink_stop(self);
	gsmtap_pcap_writer_close(self->writer);
	g_async_queue_unref(self->queue);
	g_mutex_clear(&self->lock);
	g_free(self->last_error);
	g_free(self);
}
