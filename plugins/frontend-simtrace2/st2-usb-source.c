// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libusb's event handling as a GSource on the GLib main loop: libusb's poll
 * fds (kept current by its pollfd notifiers) are the source's fds, its next
 * timeout is the source's ready time, and dispatch handles events without
 * blocking. No thread.
 */
#include "st2-usb-source.h"

typedef struct {
	GSource source;
	libusb_context *ctx;
	GHashTable *tags; /* fd -> tag of g_source_add_unix_fd() */
} UsbSource;

static GIOCondition
events_to_condition(short events)
{
	GIOCondition cond = 0;

	if (events & POLLIN)
		cond |= G_IO_IN;
	if (events & POLLOUT)
		cond |= G_IO_OUT;
	return cond | G_IO_HUP | G_IO_ERR;
}

static void
fd_added(int fd, short events, void *user_data)
{
	UsbSource *self = user_data;
	gpointer tag = g_source_add_unix_fd(&self->source, fd, events_to_condition(events));

	g_hash_table_replace(self->tags, GINT_TO_POINTER(fd), tag);
}

static void
fd_removed(int fd, void *user_data)
{
	UsbSource *self = user_data;
	gpointer tag = g_hash_table_lookup(self->tags, GINT_TO_POINTER(fd));

	if (tag == NULL)
		return;
	g_source_remove_unix_fd(&self->source, tag);
	g_hash_table_remove(self->tags, GINT_TO_POINTER(fd));
}

static gboolean
usb_prepare(GSource *source, gint *timeout)
{
	UsbSource *self = (UsbSource *)source;
	struct timeval tv;
	int r = libusb_get_next_timeout(self->ctx, &tv);

	if (r <= 0) {
		*timeout = -1;
		return FALSE;
	}
	if (tv.tv_sec == 0 && tv.tv_usec == 0) {
		*timeout = 0;
		return TRUE;
	}
	*timeout = (gint)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	return FALSE;
}

static gboolean
usb_check(GSource *source)
{
	UsbSource *self = (UsbSource *)source;
	GHashTableIter iter;
	gpointer tag;
	struct timeval tv;

	g_hash_table_iter_init(&iter, self->tags);
	while (g_hash_table_iter_next(&iter, NULL, &tag))
		if (g_source_query_unix_fd(source, tag) != 0)
			return TRUE;
	return libusb_get_next_timeout(self->ctx, &tv) == 1 && tv.tv_sec == 0 && tv.tv_usec == 0;
}

static gboolean
usb_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	UsbSource *self = (UsbSource *)source;
	struct timeval zero = {0, 0};

	libusb_handle_events_timeout_completed(self->ctx, &zero, NULL);
	/* the owner's look at everything that completed in this round */
	if (callback != NULL)
		callback(user_data);
	return G_SOURCE_CONTINUE;
}

static void
usb_finalize(GSource *source)
{
	UsbSource *self = (UsbSource *)source;

	libusb_set_pollfd_notifiers(self->ctx, NULL, NULL, NULL);
	g_hash_table_unref(self->tags);
}

static GSourceFuncs usb_source_funcs = {
        .prepare = usb_prepare,
        .check = usb_check,
        .dispatch = usb_dispatch,
        .finalize = usb_finalize,
};

GSource *
st2_usb_source_new(libusb_context *ctx)
{
	GSource *source = g_source_new(&usb_source_funcs, sizeof(UsbSource));
	UsbSource *self = (UsbSource *)source;
	const struct libusb_pollfd **fds;

	g_source_set_name(source, "libusb");
	self->ctx = ctx;
	self->tags = g_hash_table_new(NULL, NULL);
	libusb_set_pollfd_notifiers(ctx, fd_added, fd_removed, self);
	fds = libusb_get_pollfds(ctx);
	for (guint i = 0; fds != NULL && fds[i] != NULL; i++)
		fd_added(fds[i]->fd, fds[i]->events, self);
	libusb_free_pollfds(fds);
	return source;
}
