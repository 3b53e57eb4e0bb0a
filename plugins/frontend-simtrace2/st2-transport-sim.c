// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transport to the firmware simulator (`st2-sim --socket PATH`): a Unix stream
 * socket carrying one USB transfer per frame (firmware/README.md):
 *   1 byte endpoint (0x04 OUT; 0x85 bulk IN, 0x86 interrupt IN), 2 bytes
 *   length (little-endian), the transfer.
 * The simulated board has one cardem interface. When the connection is lost
 * (the simulator exited: an "unplug"), the watcher connects again as soon as
 * the path accepts (a "replug").
 */
#include "st2-transport.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include <cardroute/cardroute.h>

#include "st2/st2-proto.h"

#define RETRY_MS 100

typedef struct _SimWatcher SimWatcher;

static void schedule_retry(SimWatcher *self);

typedef struct {
	St2Channel parent;
	SimWatcher *watcher;
	gint fd;
	guint source;
	guint8 rbuf[3 + 65535];
	gsize rlen;
} SimChannel;

struct _SimWatcher {
	St2Watcher parent;
	gchar *path;
	St2ChannelFoundFunc found;
	gpointer user_data;
	SimChannel *live;
	guint retry;
	gboolean said_waiting;
};

static gboolean
write_all(gint fd, const guint8 *buf, gsize len)
{
	while (len > 0) {
		/* no SIGPIPE when the simulator is gone: the error says so */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		buf += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static gboolean
sim_send(St2Channel *chan, const guint8 *buf, gsize len, GError **error)
{
	SimChannel *self = (SimChannel *)chan;
	guint8 frame[3 + ST2_MSG_MAX];

	if (len > ST2_MSG_MAX) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
		            "OUT transfer of %" G_GSIZE_FORMAT " bytes is above the firmware's %d",
		            len, ST2_MSG_MAX);
		return FALSE;
	}
	frame[0] = ST2_EP_OUT_0;
	st2_put_le16(frame + 1, (guint16)len);
	memcpy(frame + 3, buf, len);
	if (!write_all(self->fd, frame, len + 3)) {
		g_set_error(error, CR_ERROR, CR_ERROR_IO, "%s: %s", chan->description,
		            g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static void
sim_channel_free(SimChannel *self)
{
	if (self->source != 0)
		g_source_remove(self->source);
	if (self->fd >= 0)
		close(self->fd);
	if (self->watcher != NULL && self->watcher->live == self) {
		/* the simulator may come back: connect again ("replug") */
		self->watcher->live = NULL;
		schedule_retry(self->watcher);
	}
	st2_channel_finalize(&self->parent);
	g_free(self);
}

static void
sim_close(St2Channel *chan, const guint8 *last, gsize last_len)
{
	SimChannel *self = (SimChannel *)chan;

	if (last_len > 0 && self->fd >= 0)
		sim_send(chan, last, last_len, NULL);
	sim_channel_free(self);
}

static const St2ChannelClass sim_channel_class = {
        .send = sim_send,
        .close = sim_close,
};

static void
sim_lost(SimChannel *self, const gchar *why)
{
	g_autoptr(GError) error =
	        g_error_new(CR_ERROR, CR_ERROR_IO, "%s: %s", self->parent.description, why);

	if (self->source != 0) {
		g_source_remove(self->source);
		self->source = 0;
	}
	st2_channel_deliver_gone(&self->parent, error);
}

static gboolean
sim_readable(gint fd, GIOCondition cond, gpointer user_data)
{
	SimChannel *self = user_data;
	gsize off = 0;
	ssize_t n;

	n = read(fd, self->rbuf + self->rlen, sizeof(self->rbuf) - self->rlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		self->source = 0;
		sim_lost(self, n == 0 ? "the simulator closed the connection" : g_strerror(errno));
		return G_SOURCE_REMOVE;
	}
	self->rlen += (gsize)n;
	/* the handler may close the channel: check `gone` after each frame */
	while (!self->parent.gone && self->rlen - off >= 3) {
		guint8 ep = self->rbuf[off];
		gsize len = st2_get_le16(self->rbuf + off + 1);

		if (self->rlen - off < 3 + len)
			break;
		if (ep == ST2_EP_IN_0 || ep == ST2_EP_IRQ_0)
			st2_channel_deliver_in(&self->parent, ep == ST2_EP_IRQ_0,
			                       self->rbuf + off + 3, len);
		else
			g_debug("%s: frame for endpoint %02x ignored", self->parent.description,
			        ep);
		off += 3 + len;
	}
	/* the simulator writes what the board queued together in one go */
	st2_channel_deliver_in_done(&self->parent);
	if (self->parent.gone)
		return G_SOURCE_CONTINUE; /* the owner closes it (removing this source) */
	memmove(self->rbuf, self->rbuf + off, self->rlen - off);
	self->rlen -= off;
	return G_SOURCE_CONTINUE;
}

static gboolean try_connect(gpointer user_data);

/* polls for the socket while no channel is live */
static void
schedule_retry(SimWatcher *self)
{
	if (self->retry == 0)
		self->retry = g_timeout_add(RETRY_MS, try_connect, self);
}

static gboolean
try_connect(gpointer user_data)
{
	SimWatcher *self = user_data;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	SimChannel *chan;
	gint fd;

	if (self->live != NULL) {
		self->retry = 0;
		return G_SOURCE_REMOVE;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_strlcpy(sa.sun_path, self->path, sizeof(sa.sun_path));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (!self->said_waiting)
			g_message("sim:%s: waiting for the firmware simulator (%s)", self->path,
			          g_strerror(errno));
		self->said_waiting = TRUE;
		if (fd >= 0)
			close(fd);
		return G_SOURCE_CONTINUE;
	}
	self->said_waiting = FALSE;
	/* polling stops while connected; closing the channel restarts it (even
	 * from inside found()) */
	self->retry = 0;
	chan = g_new0(SimChannel, 1);
	st2_channel_init(&chan->parent, &sim_channel_class,
	                 g_strdup_printf("sim:%s interface 0", self->path),
	                 g_strdup_printf("sim:%s", self->path));
	chan->fd = fd;
	chan->watcher = self;
	chan->source = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, sim_readable, chan);
	self->live = chan;
	g_message("sim:%s: connected to the firmware simulator", self->path);
	self->found(&chan->parent, self->user_data);
	return G_SOURCE_REMOVE;
}

static void
sim_watcher_free(St2Watcher *watcher)
{
	SimWatcher *self = (SimWatcher *)watcher;

	if (self->retry != 0)
		g_source_remove(self->retry);
	if (self->live != NULL)
		self->live->watcher = NULL;
	g_free(self->path);
	g_free(self);
}

St2Watcher *
st2_watcher_new_sim(const gchar *path, St2ChannelFoundFunc found, gpointer user_data)
{
	SimWatcher *self = g_new0(SimWatcher, 1);

	self->parent.free = sim_watcher_free;
	self->path = g_strdup(path);
	self->found = found;
	self->user_data = user_data;
	if (try_connect(self) == G_SOURCE_CONTINUE)
		schedule_retry(self);
	return &self->parent;
}
