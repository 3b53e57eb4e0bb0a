// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transport seam: how USB transfers of one cardem interface reach the
 * protocol code. Two implementations: libusb (st2-transport-usb.c, `device =
 * usb`) and the firmware simulator's socket (st2-transport-sim.c, `device =
 * sim:PATH`). Everything above (st2-host-*.c, the slot) is the same for both.
 *
 * A watcher finds channels (one per cardem interface) and hands each one to
 * its owner, now or later (hotplug, reconnect). A channel reports incoming
 * transfers and, once, that it is gone; its owner closes it either way.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _St2Channel St2Channel;
typedef struct _St2Watcher St2Watcher;

typedef struct {
	/* one IN transfer: one message from the bulk or the interrupt endpoint */
	void (*in)(gpointer user, gboolean irq, const guint8 *buf, gsize len);
	/* every IN transfer at hand has been handed over (the transfers that
	 * completed together, from both endpoints): decide now; may be NULL */
	void (*in_done)(gpointer user);
	/* the device went away (unplugged, reset, connection lost) */
	void (*gone)(gpointer user, const GError *reason);
} St2ChannelHandler;

typedef struct {
	gboolean (*send)(St2Channel *chan, const guint8 *buf, gsize len, GError **error);
	/* sends @last (may be empty) synchronously, best effort, then frees */
	void (*close)(St2Channel *chan, const guint8 *last, gsize last_len);
} St2ChannelClass;

struct _St2Channel {
	const St2ChannelClass *klass;
	gchar *description; /* for logs: "usb 1-1.2 SIMtrace 2 serial ..., interface 0" */
	gchar *key;         /* stable identity for re-binding after a replug */
	const St2ChannelHandler *handler;
	gpointer user;
	gboolean gone;
	gboolean in_pending; /* IN transfers delivered since the last in_done */
};

void st2_channel_set_handler(St2Channel *chan, const St2ChannelHandler *handler, gpointer user);
/* one OUT transfer (at most ST2_MSG_MAX bytes) */
gboolean st2_channel_send(St2Channel *chan, const guint8 *buf, gsize len, GError **error);
void st2_channel_close(St2Channel *chan, const guint8 *last, gsize last_len);

/* for implementations */
void st2_channel_init(St2Channel *chan, const St2ChannelClass *klass, gchar *description,
                      gchar *key);
void st2_channel_finalize(St2Channel *chan);
void st2_channel_deliver_in(St2Channel *chan, gboolean irq, const guint8 *buf, gsize len);
void st2_channel_deliver_gone(St2Channel *chan, const GError *reason);
/* after a batch of IN transfers (what one read or one round of libusb event
 * handling brought): calls the handler's in_done if anything came */
void st2_channel_deliver_in_done(St2Channel *chan);

/* a new channel for the owner (who must close it) */
typedef void (*St2ChannelFoundFunc)(St2Channel *chan, gpointer user_data);

typedef struct {
	const gchar *serial;   /* NULL: any */
	const gchar *usb_path; /* "BUS-PORT.PORT...", NULL: any */
	gint interface_number; /* -1: every cardem interface */
} St2UsbFilter;

struct _St2Watcher {
	void (*free)(St2Watcher *watcher);
	/* look again for channels (one was closed and its board may be back);
	 * may be NULL */
	void (*rescan)(St2Watcher *watcher);
};

/* libusb: every SIMtrace2-family device that passes @filter, now and when
 * plugged later. Fails when libusb cannot be initialised. */
St2Watcher *st2_watcher_new_usb(const St2UsbFilter *filter, St2ChannelFoundFunc found,
                                gpointer user_data, GError **error);
/* the firmware simulator listening on @path (st2-sim --socket); connects again
 * after the connection was lost */
St2Watcher *st2_watcher_new_sim(const gchar *path, St2ChannelFoundFunc found, gpointer user_data);
void st2_watcher_free(St2Watcher *watcher);
void st2_watcher_rescan(St2Watcher *watcher);

G_END_DECLS
