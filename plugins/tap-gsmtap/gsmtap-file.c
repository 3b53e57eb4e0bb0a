// SPDX-License-Identifier: GPL-2.0-or-later
#include "gsmtap-file.h"

#include <string.h>

#include "gsmtap-pcap.h"

/*
 * The main thread appends frames to a block (one memcpy under an uncontended
 * mutex, no allocation); the writer thread takes whole blocks: a full one at
 * once, a partial one when its first frame is BLOCK_MAX_AGE_US old. The
 * writer is woken only when it sleeps and a block needs it, so the main
 * thread makes about one futex call per block, not one per frame.
 */
#define BLOCK_SIZE (64 * 1024)
#define BLOCK_MAX_AGE_US (100 * 1000)
#define REOPEN_INTERVAL_US (10 * G_USEC_PER_SEC)
/* Blocks kept for reuse (the rest are freed). */
#define SPARE_BLOCKS 4

/* A record in a block: this header, the datagram, padding to 8 bytes. */
typedef struct {
	gint64 wall_time_us;
	guint32 len;
	guint16 src_port;
	guint16 reserved;
} RecordHeader;

G_STATIC_ASSERT(sizeof(RecordHeader) == 16);

typedef struct {
	gsize capacity; /* bytes of data[] */
	gsize used;
	gint64 since; /* monotonic time of the first record */
	guint8 data[];
} Block;

struct _GsmtapFileSink {
	GsmtapPcapWriter *writer; /* the thread's, after start */
	GThread *thread;
	gboolean joined; /* the caller's */

	GMutex lock;    /* everything below */
	GCond cond;     /* the writer waits on it */
	Block *current; /* being filled by push(); NULL or with records */
	GQueue full;    /* Block *, ready for the writer */
	GPtrArray *spare;
	gsize queued_bytes; /* record bytes in current, full and the block being written */
	gboolean stopping;
	gboolean writer_waiting;
	guint64 written;
	guint64 dropped;
	gchar *last_error;
};

static gsize
record_size(gsize len)
{
	return (sizeof(RecordHeader) + len + 7) & ~(gsize)7;
}

static Block *
block_new(gsize capacity)
{
	Block *b = g_malloc(sizeof(Block) + capacity);

	b->capacity = capacity;
	b->used = 0;
	b->since = 0;
	return b;
}

/* Called with the lock held. */
static void
recycle_block(GsmtapFileSink *self, Block *b)
{
	if (b->capacity == BLOCK_SIZE && self->spare->len < SPARE_BLOCKS) {
		b->used = 0;
		g_ptr_array_add(self->spare, b);
	} else {
		g_free(b);
	}
}

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

typedef struct {
	gint64 next_reopen;
	guint64 unflushed; /* records written since the last flush */
} WriterState;

/* Writes one record; on the writer thread, without the lock. */
static void
write_record(GsmtapFileSink *self, WriterState *ws, const RecordHeader *hdr, const guint8 *datagram,
             guint64 *written)
{
	g_autoptr(GError) error = NULL;

	if (!gsmtap_pcap_writer_is_open(self->writer)) {
		gint64 now = g_get_monotonic_time();

		if (now < ws->next_reopen) {
			note_error(self, NULL, 1);
			return;
		}
		if (!gsmtap_pcap_writer_reopen(self->writer, &error)) {
			ws->next_reopen = now + REOPEN_INTERVAL_US;
			note_error(self, error, 1);
			return;
		}
	}
	if (gsmtap_pcap_writer_write(self->writer, hdr->wall_time_us, hdr->src_port, datagram,
	                             hdr->len, &error)) {
		(*written)++;
		ws->unflushed++;
	} else {
		/* what was buffered went down with the file */
		ws->next_reopen = g_get_monotonic_time() + REOPEN_INTERVAL_US;
		note_error(self, error, 1 + ws->unflushed);
		ws->unflushed = 0;
	}
}

/* Writes and flushes one block; on the writer thread, without the lock.
 * Returns the number of records handed to the file. */
static guint64
write_block(GsmtapFileSink *self, WriterState *ws, const Block *b)
{
	guint64 written = 0;
	gsize off = 0;

	while (off < b->used) {
		RecordHeader hdr;

		memcpy(&hdr, b->data + off, sizeof(hdr));
		write_record(self, ws, &hdr, b->data + off + sizeof(hdr), &written);
		off += record_size(hdr.len);
	}
	/* Flushed per block: a record reaches the kernel at most about
	 * BLOCK_MAX_AGE_US after it was pushed (well within the 1 s promise). */
	if (ws->unflushed > 0) {
		g_autoptr(GError) error = NULL;

		if (!gsmtap_pcap_writer_flush(self->writer, &error)) {
			ws->next_reopen = g_get_monotonic_time() + REOPEN_INTERVAL_US;
			note_error(self, error, ws->unflushed);
		}
		ws->unflushed = 0;
	}
	return written;
}

/* The next block for the writer, or NULL; with the lock held. */
static Block *
take_block(GsmtapFileSink *self)
{
	Block *b = g_queue_pop_head(&self->full);

	if (b != NULL)
		return b;
	b = self->current;
	if (b != NULL &&
	    (self->stopping || g_get_monotonic_time() - b->since >= BLOCK_MAX_AGE_US)) {
		self->current = NULL;
		return b;
	}
	return NULL;
}

static gpointer
sink_thread(gpointer user_data)
{
	GsmtapFileSink *self = user_data;
	WriterState ws = {0};

	g_mutex_lock(&self->lock);
	for (;;) {
		Block *b = take_block(self);

		if (b != NULL) {
			guint64 written;

			g_mutex_unlock(&self->lock);
			written = write_block(self, &ws, b);
			g_mutex_lock(&self->lock);
			self->written += written;
			self->queued_bytes -= b->used;
			recycle_block(self, b);
			continue;
		}
		if (self->stopping)
			break;
		self->writer_waiting = TRUE;
		if (self->current != NULL)
			g_cond_wait_until(&self->cond, &self->lock,
			                  self->current->since + BLOCK_MAX_AGE_US);
		else
			g_cond_wait(&self->cond, &self->lock);
		self->writer_waiting = FALSE;
	}
	g_mutex_unlock(&self->lock);
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
	g_cond_init(&self->cond);
	g_queue_init(&self->full);
	self->spare = g_ptr_array_new_with_free_func(g_free);
	self->thread = g_thread_new("gsmtap-file", sink_thread, self);
	return self;
}

gboolean
gsmtap_file_sink_push(GsmtapFileSink *self, gint64 wall_time_us, guint16 src_port,
                      const guint8 *datagram, gsize len)
{
	gsize size;
	gboolean wake = FALSE;
	RecordHeader hdr;
	Block *b;

	if (len > GSMTAP_FILE_QUEUE_LIMIT)
		len = GSMTAP_FILE_QUEUE_LIMIT; /* over the limit anyway: dropped below */
	size = record_size(len);
	g_mutex_lock(&self->lock);
	if (len == 0 || self->stopping || self->queued_bytes + size > GSMTAP_FILE_QUEUE_LIMIT) {
		self->dropped++;
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	b = self->current;
	if (b != NULL && b->used + size > b->capacity) {
		g_queue_push_tail(&self->full, b);
		b = self->current = NULL;
		wake = TRUE;
	}
	if (b == NULL) {
		if (size <= BLOCK_SIZE && self->spare->len > 0)
			b = g_ptr_array_steal_index_fast(self->spare, self->spare->len - 1);
		else
			b = block_new(MAX(BLOCK_SIZE, size));
		b->since = g_get_monotonic_time();
		self->current = b;
		wake = TRUE; /* a sleeping writer sets its timer to the new block */
	}
	hdr.wall_time_us = wall_time_us;
	hdr.len = (guint32)len;
	hdr.src_port = src_port;
	hdr.reserved = 0;
	memcpy(b->data + b->used, &hdr, sizeof(hdr));
	memcpy(b->data + b->used + sizeof(hdr), datagram, len);
	b->used += size;
	self->queued_bytes += size;
	wake = wake && self->writer_waiting;
	g_mutex_unlock(&self->lock);
	if (wake)
		g_cond_signal(&self->cond);
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
	if (self->joined)
		return;
	g_mutex_lock(&self->lock);
	self->stopping = TRUE;
	g_cond_signal(&self->cond);
	g_mutex_unlock(&self->lock);
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
	g_ptr_array_unref(self->spare);
	g_cond_clear(&self->cond);
	g_mutex_clear(&self->lock);
	g_free(self->last_error);
	g_free(self);
}
