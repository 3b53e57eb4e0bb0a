// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transport over libusb (`device = usb`): finds every SIMtrace2-family board
 * (the sheet §1), one channel per cardem interface (class FF, subclass 02;
 * endpoints from the descriptors, §2.3), asynchronous transfers on the GLib
 * main loop (st2-usb-source.c): 4 bulk-IN and 1 interrupt-IN transfer always
 * posted, OUT transfers of at most 280 bytes (§2.5). Boards plugged, reset or
 * unplugged later are seen through libusb hotplug (or a rescan every 2 s
 * where libusb has no hotplug).
 */
#include "st2-transport.h"

#include <string.h>

#include <cardroute/cardroute.h>

#include "st2-usb-source.h"
#include "st2/st2-proto.h"

#define N_BULK_IN 4
#define IN_BUF_LEN 512
#define IRQ_BUF_LEN 64
#define OUT_TIMEOUT_MS 10000
#define CLOSE_TIMEOUT_MS 500
#define RESCAN_MS 2000
#define INIT_RETRY_MS 5000

static const guint16 st2_pids[] = {
        ST2_USB_PID_SIMTRACE2,  ST2_USB_PID_QMOD,        ST2_USB_PID_OWHW,
        ST2_USB_PID_OCTSIMTEST, ST2_USB_PID_NGFF_CARDEM,
};

typedef struct _UsbWatcher UsbWatcher;

typedef struct {
	St2Channel parent;
	UsbWatcher *watcher;
	libusb_device *dev;
	libusb_device_handle *handle; /* shared by the channels of one device */
	guint8 iface, ep_out, ep_in, ep_irq;
	struct libusb_transfer *in[N_BULK_IN];
	struct libusb_transfer *irq;
	guint pending;
	gboolean closing;
} UsbChannel;

struct _UsbWatcher {
	St2Watcher parent;
	libusb_context *ctx;
	GSource *source;
	gboolean has_hotplug;
	libusb_hotplug_callback_handle hotplug;
	gchar *serial;
	gchar *usb_path;
	gint interface_number;
	St2ChannelFoundFunc found;
	gpointer user_data;
	GPtrArray *channels; /* UsbChannel*, open */
	guint scan_idle;
	guint timer;
	gboolean said_waiting;
	gchar *init_error;
};

/* ---- handles shared per device ---- */

static libusb_device_handle *
shared_handle(UsbWatcher *w, libusb_device *dev)
{
	for (guint i = 0; i < w->channels->len; i++) {
		UsbChannel *c = w->channels->pdata[i];

		if (c->dev == dev)
			return c->handle;
	}
	return NULL;
}

static gboolean
iface_taken(UsbWatcher *w, libusb_device *dev, guint8 iface)
{
	for (guint i = 0; i < w->channels->len; i++) {
		UsbChannel *c = w->channels->pdata[i];

		if (c->dev == dev && c->iface == iface)
			return TRUE;
	}
	return FALSE;
}

/* ---- transfers ---- */

static void
channel_lost(UsbChannel *self, enum libusb_transfer_status status)
{
	g_autoptr(GError) error = g_error_new(
	        CR_ERROR, CR_ERROR_IO, "%s: %s", self->parent.description,
	        status == LIBUSB_TRANSFER_NO_DEVICE ? "device disconnected"
	                                            : libusb_error_name(LIBUSB_ERROR_IO));

	st2_channel_deliver_gone(&self->parent, error);
}

static void
in_done(struct libusb_transfer *xfer)
{
	UsbChannel *self = xfer->user_data;

	self->pending--;
	if (self->closing)
		return;
	switch (xfer->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		if (xfer->actual_length > 0)
			st2_channel_deliver_in(&self->parent, xfer == self->irq, xfer->buffer,
			                       (gsize)xfer->actual_length);
		break;
	case LIBUSB_TRANSFER_OVERFLOW:
	case LIBUSB_TRANSFER_TIMED_OUT:
		g_message("%s: IN transfer: %s", self->parent.description,
		          xfer->status == LIBUSB_TRANSFER_OVERFLOW ? "overflow" : "timeout");
		break;
	case LIBUSB_TRANSFER_STALL:
		libusb_clear_halt(self->handle, xfer->endpoint);
		break;
	default:
		channel_lost(self, xfer->status);
		return;
	}
	if (self->closing || self->parent.gone)
		return;
	if (libusb_submit_transfer(xfer) == 0)
		self->pending++;
	else
		channel_lost(self, LIBUSB_TRANSFER_NO_DEVICE);
}

static void
out_done(struct libusb_transfer *xfer)
{
	UsbChannel *self = xfer->user_data;

	self->pending--;
	if (self->closing || xfer->status == LIBUSB_TRANSFER_COMPLETED)
		return;
	if (xfer->status == LIBUSB_TRANSFER_NO_DEVICE || xfer->status == LIBUSB_TRANSFER_ERROR)
		channel_lost(self, xfer->status);
	else
		g_message("%s: OUT transfer failed (status %d)", self->parent.description,
		          xfer->status);
}

static gboolean
usb_send(St2Channel *chan, const guint8 *buf, gsize len, GError **error)
{
	UsbChannel *self = (UsbChannel *)chan;
	struct libusb_transfer *xfer;
	guint8 *copy;
	int r;

	if (len > ST2_MSG_MAX) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
		            "OUT transfer of %" G_GSIZE_FORMAT " bytes is above the firmware's %d",
		            len, ST2_MSG_MAX);
		return FALSE;
	}
	xfer = libusb_alloc_transfer(0);
	copy = g_malloc(len);
	memcpy(copy, buf, len);
	libusb_fill_bulk_transfer(xfer, self->handle, self->ep_out, copy, (int)len, out_done, self,
	                          OUT_TIMEOUT_MS);
	xfer->flags = LIBUSB_TRANSFER_FREE_BUFFER | LIBUSB_TRANSFER_FREE_TRANSFER;
	r = libusb_submit_transfer(xfer);
	if (r != 0) {
		libusb_free_transfer(xfer); /* frees the buffer too */
		g_set_error(error, CR_ERROR, CR_ERROR_IO, "%s: %s", chan->description,
		            libusb_error_name(r));
		return FALSE;
	}
	self->pending++;
	return TRUE;
}

static void
usb_close(St2Channel *chan, const guint8 *last, gsize last_len)
{
	UsbChannel *self = (UsbChannel *)chan;
	UsbWatcher *w = self->watcher;
	gint64 end;

	if (last_len > 0) {
		int actual = 0;
		guint8 copy[ST2_MSG_MAX];

		memcpy(copy, last, MIN(last_len, sizeof(copy)));
		libusb_bulk_transfer(self->handle, self->ep_out, copy,
		                     (int)MIN(last_len, sizeof(copy)), &actual, CLOSE_TIMEOUT_MS);
	}
	self->closing = TRUE;
	for (guint i = 0; i < N_BULK_IN; i++)
		libusb_cancel_transfer(self->in[i]);
	libusb_cancel_transfer(self->irq);
	/* never called from inside a libusb callback: wait for the cancellations */
	end = g_get_monotonic_time() + CLOSE_TIMEOUT_MS * 1000;
	while (self->pending > 0 && g_get_monotonic_time() < end) {
		struct timeval tv = {0, 20000};

		libusb_handle_events_timeout_completed(w->ctx, &tv, NULL);
	}
	if (self->pending > 0)
		g_message("%s: %u transfers did not finish; leaked", chan->description,
		          self->pending);
	else {
		for (guint i = 0; i < N_BULK_IN; i++) {
			g_free(self->in[i]->buffer);
			libusb_free_transfer(self->in[i]);
		}
		g_free(self->irq->buffer);
		libusb_free_transfer(self->irq);
	}
	g_ptr_array_remove(w->channels, self);
	libusb_release_interface(self->handle, self->iface);
	if (shared_handle(w, self->dev) == NULL)
		libusb_close(self->handle);
	libusb_unref_device(self->dev);
	st2_channel_finalize(&self->parent);
	g_free(self);
}

static const St2ChannelClass usb_channel_class = {
        .send = usb_send,
        .close = usb_close,
};

/* ---- discovery ---- */

static gchar *
device_path(libusb_device *dev)
{
	guint8 ports[8];
	int n = libusb_get_port_numbers(dev, ports, sizeof(ports));
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%u", libusb_get_bus_number(dev));
	for (int i = 0; i < n; i++)
		g_string_append_printf(s, "%c%u", i == 0 ? '-' : '.', ports[i]);
	return g_string_free(s, FALSE);
}

static gchar *
string_desc(libusb_device_handle *h, guint8 index)
{
	guchar buf[128];
	int n;

	if (index == 0)
		return NULL;
	n = libusb_get_string_descriptor_ascii(h, index, buf, sizeof(buf));
	return n > 0 ? g_strndup((const gchar *)buf, (gsize)n) : NULL;
}

static gboolean
is_st2(const struct libusb_device_descriptor *dd)
{
	if (dd->idVendor != ST2_USB_VID)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(st2_pids); i++)
		if (dd->idProduct == st2_pids[i])
			return TRUE;
	return FALSE;
}

static gboolean
find_endpoints(const struct libusb_interface_descriptor *id, guint8 *out, guint8 *in, guint8 *irq)
{
	*out = *in = *irq = 0;
	for (guint e = 0; e < id->bNumEndpoints; e++) {
		const struct libusb_endpoint_descriptor *ep = &id->endpoint[e];
		guint type = ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
		gboolean is_in = (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0;

		if (type == LIBUSB_TRANSFER_TYPE_BULK && is_in)
			*in = ep->bEndpointAddress;
		else if (type == LIBUSB_TRANSFER_TYPE_BULK)
			*out = ep->bEndpointAddress;
		else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && is_in)
			*irq = ep->bEndpointAddress;
	}
	return *out != 0 && *in != 0 && *irq != 0;
}

static UsbChannel *
open_channel(UsbWatcher *w, libusb_device *dev, libusb_device_handle *h, guint8 iface, guint8 out,
             guint8 in, guint8 irq, const gchar *desc, const gchar *key)
{
	UsbChannel *self;
	int r;

	r = libusb_claim_interface(h, iface);
	if (r != 0) {
		g_message("%s: cannot claim the interface: %s%s", desc, libusb_error_name(r),
		          r == LIBUSB_ERROR_BUSY ? " (another program or instance has it)" : "");
		return NULL;
	}
	self = g_new0(UsbChannel, 1);
	st2_channel_init(&self->parent, &usb_channel_class, g_strdup(desc), g_strdup(key));
	self->watcher = w;
	self->dev = libusb_ref_device(dev);
	self->handle = h;
	self->iface = iface;
	self->ep_out = out;
	self->ep_in = in;
	self->ep_irq = irq;
	for (guint i = 0; i < N_BULK_IN; i++) {
		self->in[i] = libusb_alloc_transfer(0);
		libusb_fill_bulk_transfer(self->in[i], h, in, g_malloc(IN_BUF_LEN), IN_BUF_LEN,
		                          in_done, self, 0);
	}
	self->irq = libusb_alloc_transfer(0);
	libusb_fill_interrupt_transfer(self->irq, h, irq, g_malloc(IRQ_BUF_LEN), IRQ_BUF_LEN,
	                               in_done, self, 0);
	g_ptr_array_add(w->channels, self);
	/* IN transfers always posted: the firmware keeps only 3 messages */
	if (libusb_submit_transfer(self->irq) == 0)
		self->pending++;
	for (guint i = 0; i < N_BULK_IN; i++)
		if (libusb_submit_transfer(self->in[i]) == 0)
			self->pending++;
	return self;
}

/* Opens the cardem interfaces of an opened device that passes the filter. */
static guint
probe_interfaces(UsbWatcher *w, libusb_device *dev, libusb_device_handle *h,
                 const struct libusb_device_descriptor *dd, const gchar *path)
{
	g_autofree gchar *serial = string_desc(h, dd->iSerialNumber);
	g_autofree gchar *product = string_desc(h, dd->iProduct);
	struct libusb_config_descriptor *cfg = NULL;
	guint opened = 0;
	int r;

	if (w->serial != NULL && g_strcmp0(w->serial, serial) != 0)
		return 0;
	r = libusb_get_active_config_descriptor(dev, &cfg);
	if (r != 0) {
		g_message("usb %s: no active configuration: %s", path, libusb_error_name(r));
		return 0;
	}
	for (guint i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface_descriptor *id;
		g_autofree gchar *desc = NULL;
		g_autofree gchar *key = NULL;
		guint8 out, in, irq;

		if (cfg->interface[i].num_altsetting < 1)
			continue;
		id = &cfg->interface[i].altsetting[0];
		if (id->bInterfaceClass != ST2_USB_CLASS_VENDOR ||
		    id->bInterfaceSubClass != ST2_USB_SUBCLASS_CARDEM)
			continue;
		if (w->interface_number >= 0 && id->bInterfaceNumber != w->interface_number)
			continue;
		if (iface_taken(w, dev, id->bInterfaceNumber))
			continue;
		desc = g_strdup_printf("usb %s %s serial %s interface %u", path,
		                       product != NULL ? product : "(no product string)",
		                       serial != NULL ? serial : "(none)", id->bInterfaceNumber);
		if (!find_endpoints(id, &out, &in, &irq)) {
			g_message("%s: endpoints missing; skipped", desc);
			continue;
		}
		key = serial != NULL ? g_strdup_printf("%s:%u", serial, id->bInterfaceNumber)
		                     : g_strdup_printf("%s:%u", path, id->bInterfaceNumber);
		if (open_channel(w, dev, h, id->bInterfaceNumber, out, in, irq, desc, key) !=
		    NULL) {
			g_message("%s: found (endpoints %02x %02x %02x)", desc, out, in, irq);
			opened++;
		}
	}
	libusb_free_config_descriptor(cfg);
	return opened;
}

/* Opens the cardem interfaces of one device; returns how many. */
static guint
probe_device(UsbWatcher *w, libusb_device *dev)
{
	struct libusb_device_descriptor dd;
	g_autofree gchar *path = NULL;
	libusb_device_handle *h;
	gboolean new_handle;
	guint opened;
	int r;

	if (libusb_get_device_descriptor(dev, &dd) != 0 || !is_st2(&dd))
		return 0;
	path = device_path(dev);
	if (w->usb_path != NULL && g_strcmp0(w->usb_path, path) != 0)
		return 0;
	h = shared_handle(w, dev);
	new_handle = h == NULL;
	if (new_handle) {
		r = libusb_open(dev, &h);
		if (r != 0) {
			g_message("usb %s (%04x:%04x): cannot open: %s%s", path, dd.idVendor,
			          dd.idProduct, libusb_error_name(r),
			          r == LIBUSB_ERROR_ACCESS
			                  ? " (install data/99-cardroute-simtrace2.rules and join "
			                    "the plugdev group)"
			                  : "");
			return 0;
		}
		libusb_set_auto_detach_kernel_driver(h, 1);
	}
	opened = probe_interfaces(w, dev, h, &dd, path);
	if (new_handle && shared_handle(w, dev) == NULL)
		libusb_close(h);
	return opened;
}

static void
hand_out_new(UsbWatcher *w, guint first)
{
	/* copy: the owner may close a channel it cannot use */
	g_autoptr(GPtrArray) fresh = g_ptr_array_new();

	for (guint i = first; i < w->channels->len; i++)
		g_ptr_array_add(fresh, w->channels->pdata[i]);
	for (guint i = 0; i < fresh->len; i++)
		w->found(fresh->pdata[i], w->user_data);
}

static void
scan(UsbWatcher *w)
{
	libusb_device **list = NULL;
	guint before = w->channels->len;
	ssize_t n = libusb_get_device_list(w->ctx, &list);

	for (ssize_t i = 0; i < n; i++)
		probe_device(w, list[i]);
	libusb_free_device_list(list, 1);
	if (w->channels->len == 0 && !w->said_waiting) {
		g_message("usb: waiting for a SIMtrace2 board (%s%s%s%s%s)",
		          w->serial != NULL ? "serial " : "any serial",
		          w->serial != NULL ? w->serial : "",
		          w->usb_path != NULL ? ", usb-path " : "",
		          w->usb_path != NULL ? w->usb_path : "",
		          w->has_hotplug ? ", hotplug" : ", rescanning every 2 s");
		w->said_waiting = TRUE;
	}
	if (w->channels->len > before) {
		w->said_waiting = FALSE;
		hand_out_new(w, before);
	}
}

static gboolean
scan_idle(gpointer user_data)
{
	UsbWatcher *w = user_data;

	w->scan_idle = 0;
	scan(w);
	return G_SOURCE_REMOVE;
}

static void
usb_watcher_rescan(St2Watcher *watcher)
{
	UsbWatcher *w = (UsbWatcher *)watcher;

	if (w->ctx != NULL && w->scan_idle == 0)
		w->scan_idle = g_idle_add_full(G_PRIORITY_DEFAULT, scan_idle, w, NULL);
}

static int LIBUSB_CALL
hotplug_cb(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event event, void *user_data)
{
	UsbWatcher *w = user_data;

	if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT) {
		for (guint i = 0; i < w->channels->len; i++) {
			UsbChannel *c = w->channels->pdata[i];

			if (c->dev == dev)
				channel_lost(c, LIBUSB_TRANSFER_NO_DEVICE);
		}
		return 0;
	}
	/* opening from inside the callback is not allowed: scan from the loop */
	if (w->scan_idle == 0)
		w->scan_idle = g_idle_add_full(G_PRIORITY_DEFAULT, scan_idle, w, NULL);
	return 0;
}

static gboolean
rescan_timer(gpointer user_data)
{
	scan(user_data);
	return G_SOURCE_CONTINUE;
}

/* after each round of libusb events: every channel decides on what came in
 * that round, from both endpoints (their transfers are not ordered) */
static gboolean
events_handled(gpointer user_data)
{
	UsbWatcher *w = user_data;
	g_autoptr(GPtrArray) channels = NULL;
	gboolean any = FALSE;

	for (guint i = 0; i < w->channels->len && !any; i++)
		any = ((St2Channel *)w->channels->pdata[i])->in_pending;
	if (!any)
		return G_SOURCE_CONTINUE;
	channels = g_ptr_array_copy(w->channels, NULL, NULL);
	for (guint i = 0; i < channels->len; i++) {
		/* a handler may have closed another channel */
		if (g_ptr_array_find(w->channels, channels->pdata[i], NULL))
			st2_channel_deliver_in_done(channels->pdata[i]);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
try_init(UsbWatcher *w)
{
	int r = libusb_init(&w->ctx);

	if (r != 0) {
		if (w->init_error == NULL)
			g_message("usb: libusb cannot start (%s): waiting for a SIMtrace2 board",
			          libusb_error_name(r));
		g_free(w->init_error);
		w->init_error = g_strdup(libusb_error_name(r));
		w->ctx = NULL;
		return FALSE;
	}
	w->source = st2_usb_source_new(w->ctx);
	g_source_set_callback(w->source, events_handled, w, NULL);
	g_source_attach(w->source, NULL);
	w->has_hotplug = libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
	if (w->has_hotplug &&
	    libusb_hotplug_register_callback(
	            w->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
	            0, ST2_USB_VID, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb,
	            w, &w->hotplug) != LIBUSB_SUCCESS)
		w->has_hotplug = FALSE;
	scan(w);
	return TRUE;
}

static gboolean
init_timer(gpointer user_data)
{
	UsbWatcher *w = user_data;

	if (!try_init(w))
		return G_SOURCE_CONTINUE;
	w->timer = 0;
	if (!w->has_hotplug)
		w->timer = g_timeout_add(RESCAN_MS, rescan_timer, w);
	return G_SOURCE_REMOVE;
}

static void
usb_watcher_free(St2Watcher *watcher)
{
	UsbWatcher *w = (UsbWatcher *)watcher;

	while (w->channels->len > 0)
		st2_channel_close(w->channels->pdata[w->channels->len - 1], NULL, 0);
	if (w->scan_idle != 0)
		g_source_remove(w->scan_idle);
	if (w->timer != 0)
		g_source_remove(w->timer);
	if (w->ctx != NULL) {
		if (w->has_hotplug)
			libusb_hotplug_deregister_callback(w->ctx, w->hotplug);
		g_source_destroy(w->source);
		g_source_unref(w->source);
		libusb_exit(w->ctx);
	}
	g_ptr_array_unref(w->channels);
	g_free(w->serial);
	g_free(w->usb_path);
	g_free(w->init_error);
	g_free(w);
}

St2Watcher *
st2_watcher_new_usb(const St2UsbFilter *filter, St2ChannelFoundFunc found, gpointer user_data,
                    GError **error)
{
	UsbWatcher *w = g_new0(UsbWatcher, 1);

	w->parent.free = usb_watcher_free;
	w->parent.rescan = usb_watcher_rescan;
	w->serial = g_strdup(filter->serial);
	w->usb_path = g_strdup(filter->usb_path);
	w->interface_number = filter->interface_number;
	w->found = found;
	w->user_data = user_data;
	w->channels = g_ptr_array_new();
	/* no usbfs (a container, a kernel without USB): keep waiting, retry */
	if (!try_init(w)) {
		w->timer = g_timeout_add(INIT_RETRY_MS, init_timer, w);
		return &w->parent;
	}
	if (!w->has_hotplug)
		w->timer = g_timeout_add(RESCAN_MS, rescan_timer, w);
	return &w->parent;
}
