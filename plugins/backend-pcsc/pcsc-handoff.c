// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The threads-to-main-context queue of backend-pcsc (see pcsc-handoff.h).
 * Per batch of results: one write() on the posting side, one read() on the
 * main side; the queue's mutex is held only to link or unlink nodes.
 */
#include "pcsc-handoff.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct {
	GSource source;
	PcscHandoff *handoff;
} HandoffSource;

struct _PcscHandoff {
	PcscHandoffFunc func;
	gpointer user_data;
	PcscSourceUnref source_unref;
	int fd;
	GSource *source;

	GMutex lock;
	GQueue queue;  /* of PcscEvent */
	gboolean armed; /* the eventfd was written and not yet read */
};

PcscEvent *
pcsc_event_new(PcscEventType type)
{
	PcscEvent *ev = g_new0(PcscEvent, 1);
	ev->type = type;
	return ev;
}

static void
event_free(PcscHandoff *self, PcscEvent *ev)
{
	if (ev->source != NULL && self->source_unref != NULL)
		self->source_unref(ev->source);
	g_free(ev->reader);
	g_strfreev(ev->readers);
	g_clear_pointer(&ev->data, g_bytes_unref);
	g_clear_error(&ev->error);
	g_free(ev);
}

void
pcsc_handoff_post(PcscHandoff *self, PcscEvent *event)
{
	gboolean wake;
	g_mutex_lock(&self->lock);
	g_queue_push_tail(&self->queue, event);
	wake = !self->armed;
	self->armed = TRUE;
	g_mutex_unlock(&self->lock);
	if (wake) {
		guint64 one = 1;
		while (write(self->fd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
}

static gboolean
handoff_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	PcscHandoff *self = ((HandoffSource *)source)->handoff;
	GQueue batch = G_QUEUE_INIT;
	guint64 count;
	PcscEvent *ev;

	if (read(self->fd, &count, sizeof(count)) < 0 && errno != EAGAIN && errno != EINTR)
		g_warning("pcsc: reading the hand-off eventfd: %s", g_strerror(errno));
	g_mutex_lock(&self->lock);
	batch = self->queue;
	g_queue_init(&self->queue);
	self->armed = FALSE;
	g_mutex_unlock(&self->lock);
	while ((ev = g_queue_pop_head(&batch)) != NULL) {
		self->func(ev, self->user_data);
		event_free(self, ev);
	}
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs handoff_funcs = {
        .dispatch = handoff_dispatch,
};

PcscHandoff *
pcsc_handoff_new(PcscHandoffFunc func, gpointer user_data, PcscSourceUnref source_unref,
                 GError **error)
{
	PcscHandoff *self;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0) {
		g_set_error(error, CR_ERROR, CR_ERROR_IO, "eventfd: %s", g_strerror(errno));
		return NULL;
	}
	self = g_new0(PcscHandoff, 1);
	self->func = func;
	self->user_data = user_data;
	self->source_unref = source_unref;
	self->fd = fd;
	g_mutex_init(&self->lock);
	g_queue_init(&self->queue);
	self->source = g_source_new(&handoff_funcs, sizeof(HandoffSource));
	((HandoffSource *)self->source)->handoff = self;
	g_source_set_name(self->source, "pcsc hand-off");
	g_source_add_unix_fd(self->source, fd, G_IO_IN);
	g_source_attach(self->source, g_main_context_get_thread_default());
	return self;
}

void
pcsc_handoff_free(PcscHandoff *self)
{
	PcscEvent *ev;
	if (self == NULL)
		return;
	g_source_destroy(self->source);
	g_source_unref(self->source);
	while ((ev = g_queue_pop_head(&self->queue)) != NULL)
		event_free(self, ev);
	close(self->fd);
	g_mutex_clear(&self->lock);
	g_free(self);
}
