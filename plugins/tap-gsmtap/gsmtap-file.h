// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A pcap file written on a thread of its own, so a slow or failing disk never
 * delays the main context: frames are copied into 64 KiB blocks (no
 * allocation per frame), and the thread takes whole blocks, a full one at
 * once and a partial one 100 ms after its first frame, and flushes after each
 * (a crash loses at most about the last 100 ms). At most 8 MiB wait: beyond
 * that frames are dropped and counted. After a write error the thread drops
 * frames and tries a new file every 10 seconds. GLib only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Queued bytes beyond which frames are dropped. */
#define GSMTAP_FILE_QUEUE_LIMIT (8 * 1024 * 1024)

typedef struct _GsmtapFileSink GsmtapFileSink;

/* Opens @path at once (errors are reported here) and starts the thread. */
GsmtapFileSink *gsmtap_file_sink_new(const gchar *path, guint64 max_size, guint max_files,
                                     GError **error);
/* Queues one GSMTAP datagram (a copy); FALSE when it was dropped (queue full,
 * stopped). Wakes the thread at most once per block. */
gboolean gsmtap_file_sink_push(GsmtapFileSink *self, gint64 wall_time_us, guint16 src_port,
                               const guint8 *datagram, gsize len);
/* Frames handed to the file so far, frames dropped so far (queue full, I/O
 * error; frames lost in a failed flush count in both), and the last I/O error
 * message (NULL if none; free it). */
void gsmtap_file_sink_get_stats(GsmtapFileSink *self, guint64 *written, guint64 *dropped,
                                gchar **last_error);
/* Writes what is queued, flushes and joins the thread; later pushes drop.
 * The stats stay readable until free. */
void gsmtap_file_sink_stop(GsmtapFileSink *self);
/* Stops (if not yet) and closes the file. */
void gsmtap_file_sink_free(GsmtapFileSink *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsmtapFileSink, gsmtap_file_sink_free)

G_END_DECLS
