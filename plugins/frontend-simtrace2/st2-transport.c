// SPDX-License-Identifier: GPL-2.0-or-later
/* The parts of the transport seam that every implementation shares. */
#include "st2-transport.h"

#include <cardroute/cardroute.h>

void
st2_channel_init(St2Channel *chan, const St2ChannelClass *klass, gchar *description, gchar *key)
{
	chan->klass = klass;
	chan->description = description;
	chan->key = key;
	chan->handler = NULL;
	chan->user = NULL;
	chan->gone = FALSE;
}

void
st2_channel_finalize(St2Channel *chan)
{
	g_free(chan->description);
	g_free(chan->key);
}

void
st2_channel_set_handler(St2Channel *chan, const St2ChannelHandler *handler, gpointer user)
{
	chan->handler = handler;
	chan->user = user;
}

gboolean
st2_channel_send(St2Channel *chan, const guint8 *buf, gsize len, GError **error)
{
	if (chan->gone) {
		g_set_error(error, CR_ERROR, CR_ERROR_IO, "%s is gone", chan->description);
		return FALSE;
	}
	return chan->klass->send(chan, buf, len, error);
}

void
st2_channel_close(St2Channel *chan, const guint8 *last, gsize last_len)
{
	chan->handler = NULL;
	chan->klass->close(chan, chan->gone ? NULL : last, chan->gone ? 0 : last_len);
}

void
st2_channel_deliver_in(St2Channel *chan, gboolean irq, const guint8 *buf, gsize len)
{
	if (chan->gone || chan->handler == NULL)
		return;
	chan->in_pending = TRUE;
	chan->handler->in(chan->user, irq, buf, len);
}

void
st2_channel_deliver_in_done(St2Channel *chan)
{
	if (!chan->in_pending)
		return;
	chan->in_pending = FALSE;
	if (chan->gone || chan->handler == NULL || chan->handler->in_done == NULL)
		return;
	chan->handler->in_done(chan->user);
}

void
st2_channel_deliver_gone(St2Channel *chan, const GError *reason)
{
	if (chan->gone)
		return;
	chan->gone = TRUE;
	if (chan->handler != NULL)
		chan->handler->gone(chan->user, reason);
}

void
st2_watcher_rescan(St2Watcher *watcher)
{
	if (watcher != NULL && watcher->rescan != NULL)
		watcher->rescan(watcher);
}

void
st2_watcher_free(St2Watcher *watcher)
{
	if (watcher != NULL)
		watcher->free(watcher);
}
