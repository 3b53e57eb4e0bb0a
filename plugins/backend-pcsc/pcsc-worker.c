// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PC/SC threads of one backend slot (see pcsc-worker.h). pcsc-lite calls
 * block, so none of them runs on the main context: the monitor thread and the
 * I/O thread each own a PC/SC context (pcsc-lite serialises calls per
 * context, and a context waiting in SCardGetStatusChange would hold up a
 * transmit), and hand results back through idle sources on the main context.
 */
#include "pcsc-worker.h"

#include <reader.h>
#include <string.h>

#include "pcsc-error.h"
#include "pcsc-match.h"

#define MONITOR_WAIT_MS 2000 /* bounds a lost SCardCancel() at stop */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define PNP_READER "\\\\?PnP?\\Notification"
#define RECV_MAX (65536 + 2)

typedef enum {
	OP_TRANSMIT,
	OP_RESET,
	OP_POWER_OFF,
	OP_CARD_GONE,
	OP_STOP,
} OpType;

typedef struct {
	OpType type;
	guint64 tx_id;
	GBytes *command;
	CrResetKind kind;
} Op;

struct _PcscWorker {
	gint refs;
	gchar *name;
	gchar *pattern;
	regex_t regex;
	gboolean regex_ok;
	DWORD share_mode;
	DWORD protocols;
	PcscEventFunc func;
	gpointer user_data;
	GMainContext *main_ctx;
	gboolean stopped; /* main thread only */

	GMutex lock; /* guards the fields up to `ops` */
	GCond cond;
	gboolean stopping;
	SCARDCONTEXT monitor_ctx;
	gboolean monitor_ctx_valid;
	gchar *reader; /* the matching reader, or NULL */

	GAsyncQueue *ops;
	GThread *monitor;
	GThread *io;

	/* I/O thread only */
	SCARDCONTEXT io_ctx;
	gboolean io_ctx_valid;
	SCARDHANDLE card;
	gboolean card_valid;
	gchar *card_reader;
	DWORD active_protocol;
	guint8 *recv_buf;

	/* monitor thread only */
	gchar *last_down;
};

typedef struct {
	PcscWorker *worker;
	PcscEventType type;
	gchar *reader;
	gboolean present;
	GBytes *data;
	GError *error;
	guint64 tx_id;
} Delivery;

static PcscWorker *
worker_ref(PcscWorker *self)
{
	g_atomic_int_inc(&self->refs);
	return self;
}

static void
op_free(gpointer p)
{
	Op *op = p;
	g_clear_pointer(&op->command, g_bytes_unref);
	g_free(op);
}

static void
worker_unref(PcscWorker *self)
{
	if (!g_atomic_int_dec_and_test(&self->refs))
		return;
	if (self->regex_ok)
		regfree(&self->regex);
	g_free(self->name);
	g_free(self->pattern);
	g_free(self->reader);
	g_free(self->card_reader);
	g_free(self->recv_buf);
	g_free(self->last_down);
	g_async_queue_unref(self->ops);
	g_main_context_unref(self->main_ctx);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}

static gboolean
deliver_cb(gpointer user_data)
{
	Delivery *d = user_data;
	PcscEvent ev = {
	        .type = d->type,
	        .reader = d->reader,
	        .present = d->present,
	        .data = d->data,
	        .error = d->error,
	        .tx_id = d->tx_id,
	};
	if (!d->worker->stopped)
		d->worker->func(&ev, d->worker->user_data);
	return G_SOURCE_REMOVE;
}

static void
delivery_free(gpointer user_data)
{
	Delivery *d = user_data;
	g_free(d->reader);
	g_clear_pointer(&d->data, g_bytes_unref);
	g_clear_error(&d->error);
	worker_unref(d->worker);
	g_free(d);
}

/* Queues the event for the main context; takes @data and @error. */
static void
post(PcscWorker *self, PcscEventType type, const gchar *reader, gboolean present, GBytes *data,
     GError *error, guint64 tx_id)
{
	Delivery *d = g_new0(Delivery, 1);
	g_autoptr(GSource) source = g_idle_source_new();
	d->worker = worker_ref(self);
	d->type = type;
	d->reader = g_strdup(reader);
	d->present = present;
	d->data = data;
	d->error = error;
	d->tx_id = tx_id;
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_callback(source, deliver_cb, d, delivery_free);
	g_source_attach(source, self->main_ctx);
}

static gboolean
is_stopping(PcscWorker *self)
{
	gboolean stopping;
	g_mutex_lock(&self->lock);
	stopping = self->stopping;
	g_mutex_unlock(&self->lock);
	return stopping;
}

/* Sleeps up to @ms unless stopped; TRUE when stopping. */
static gboolean
sleep_unless_stopped(PcscWorker *self, guint ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	gboolean stopping;
	g_mutex_lock(&self->lock);
	while (!self->stopping)
		if (!g_cond_wait_until(&self->cond, &self->lock, end))
			break;
	stopping = self->stopping;
	g_mutex_unlock(&self->lock);
	return stopping;
}

static void
set_reader(PcscWorker *self, const gchar *reader)
{
	g_mutex_lock(&self->lock);
	g_free(self->reader);
	self->reader = g_strdup(reader);
	g_mutex_unlock(&self->lock);
}

/* Reports "unavailable" once per distinct reason. Takes @error. */
static void
post_down(PcscWorker *self, GError *error)
{
	set_reader(self, NULL);
	if (g_strcmp0(self->last_down, error->message) == 0) {
		g_error_free(error);
		return;
	}
	g_free(self->last_down);
	self->last_down = g_strdup(error->message);
	post(self, PCSC_EVENT_DOWN, NULL, FALSE, NULL, error, 0);
}

typedef enum {
	WATCH_RELIST,
	WATCH_CONTEXT_LOST,
	WATCH_STOP,
} WatchResult;

static WatchResult
watch_card(PcscWorker *self, SCARDCONTEXT ctx, const gchar *name, DWORD *pnp_state)
{
	SCARD_READERSTATE st[2];
	gboolean known = FALSE, last_present = FALSE;
	DWORD last_count = 0;
	g_autoptr(GBytes) last_atr = NULL;

	memset(st, 0, sizeof(st));
	st[0].szReader = name;
	st[0].dwCurrentState = SCARD_STATE_UNAWARE;
	st[1].szReader = PNP_READER;
	st[1].dwCurrentState = *pnp_state;
	for (;;) {
		DWORD ev, count;
		gboolean present;
		LONG rv;
		if (is_stopping(self))
			return WATCH_STOP;
		rv = SCardGetStatusChange(ctx, MONITOR_WAIT_MS, st, 2);
		if (rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED)
			continue;
		if (pcsc_error_is_service_lost(rv)) {
			post_down(self, pcsc_error_new(rv, "pcscd went away"));
			return WATCH_CONTEXT_LOST;
		}
		if (rv != SCARD_S_SUCCESS) {
			post_down(self, pcsc_error_new(rv, "watching %s", name));
			sleep_unless_stopped(self, BACKOFF_MIN_MS);
			return WATCH_RELIST;
		}
		ev = st[0].dwEventState;
		if (ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE | SCARD_STATE_UNAVAILABLE)) {
			post_down(self, g_error_new(CR_ERROR, CR_ERROR_BACKEND_GONE,
			                            "reader %s went away", name));
			return WATCH_RELIST;
		}
		present = (ev & SCARD_STATE_PRESENT) && !(ev & SCARD_STATE_MUTE) &&
		          st[0].cbAtr > 0 && st[0].cbAtr <= sizeof(st[0].rgbAtr);
		count = ev >> 16;
		if (ev & SCARD_STATE_CHANGED) {
			g_autoptr(GBytes) atr =
			        present ? g_bytes_new(st[0].rgbAtr, st[0].cbAtr) : NULL;
			gboolean swapped = known && present && last_present &&
			                   (count != last_count || !g_bytes_equal(atr, last_atr));
			if (swapped)
				post(self, PCSC_EVENT_CARD, name, FALSE, NULL, NULL, 0);
			if (!known || swapped || present != last_present)
				post(self, PCSC_EVENT_CARD, name, present,
				     atr != NULL ? g_bytes_ref(atr) : NULL, NULL, 0);
			known = TRUE;
			last_present = present;
			last_count = count;
			g_clear_pointer(&last_atr, g_bytes_unref);
			last_atr = g_steal_pointer(&atr);
		}
		st[0].dwCurrentState = ev & ~SCARD_STATE_CHANGED;
		if (st[1].dwEventState & SCARD_STATE_CHANGED) {
			*pnp_state = st[1].dwEventState & ~SCARD_STATE_CHANGED;
			/* a reader came or went: is ours still there? */
			return WATCH_RELIST;
		}
	}
}

static WatchResult
watch_readers(PcscWorker *self, SCARDCONTEXT ctx, guint *backoff)
{
	DWORD pnp_state = 0;
	g_autofree gchar *current = NULL;

	for (;;) {
		g_autofree gchar *list = NULL;
		DWORD len = 0;
		const gchar *match;
		WatchResult wr;
		LONG rv;

		if (is_stopping(self))
			return WATCH_STOP;
		rv = SCardListReaders(ctx, NULL, NULL, &len);
		if (rv == SCARD_S_SUCCESS) {
			list = g_malloc0(len + 1);
			rv = SCardListReaders(ctx, NULL, list, &len);
		}
		if (rv == SCARD_E_NO_READERS_AVAILABLE) {
			len = 0;
			rv = SCARD_S_SUCCESS;
		}
		if (pcsc_error_is_service_lost(rv)) {
			post_down(self, pcsc_error_new(rv, "pcscd went away"));
			return WATCH_CONTEXT_LOST;
		}
		if (rv == SCARD_E_INSUFFICIENT_BUFFER)
			continue; /* a reader came between the two calls: list again */
		if (rv != SCARD_S_SUCCESS) {
			post_down(self, pcsc_error_new(rv, "cannot list readers"));
			if (sleep_unless_stopped(self, BACKOFF_MAX_MS))
				return WATCH_STOP;
			continue;
		}
		match = self->regex_ok ? pcsc_match_reader(&self->regex, list, len) : NULL;
		if (match == NULL) {
			SCARD_READERSTATE st;
			g_clear_pointer(&current, g_free);
			post_down(self, g_error_new(CR_ERROR, CR_ERROR_BACKEND_GONE,
			                            "no PC/SC reader matches '%s' (waiting)",
			                            self->pattern));
			memset(&st, 0, sizeof(st));
			st.szReader = PNP_READER;
			st.dwCurrentState = pnp_state;
			rv = SCardGetStatusChange(ctx, MONITOR_WAIT_MS, &st, 1);
			if (rv == SCARD_S_SUCCESS)
				pnp_state = st.dwEventState & ~SCARD_STATE_CHANGED;
			else if (pcsc_error_is_service_lost(rv)) {
				post_down(self, pcsc_error_new(rv, "pcscd went away"));
				return WATCH_CONTEXT_LOST;
			} else if (rv != SCARD_E_TIMEOUT && rv != SCARD_E_CANCELLED) {
				/* no hotplug notification: look again later */
				if (sleep_unless_stopped(self, 1000))
					return WATCH_STOP;
			}
			continue;
		}
		*backoff = BACKOFF_MIN_MS;
		if (g_strcmp0(current, match) != 0) {
			g_free(current);
			current = g_strdup(match);
			g_clear_pointer(&self->last_down, g_free);
			set_reader(self, current);
			post(self, PCSC_EVENT_READER, current, FALSE, NULL, NULL, 0);
		}
		wr = watch_card(self, ctx, current, &pnp_state);
		if (wr != WATCH_RELIST)
			return wr;
	}
}

static gpointer
monitor_thread(gpointer user_data)
{
	PcscWorker *self = user_data;
	guint backoff = BACKOFF_MIN_MS;

	while (!is_stopping(self)) {
		SCARDCONTEXT ctx;
		LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
		WatchResult wr;
		if (rv != SCARD_S_SUCCESS) {
			post_down(self, pcsc_error_new(rv, "cannot reach pcscd (retrying)"));
			if (sleep_unless_stopped(self, backoff))
				break;
			backoff = MIN(backoff * 2, BACKOFF_MAX_MS);
			continue;
		}
		g_mutex_lock(&self->lock);
		if (self->stopping) {
			g_mutex_unlock(&self->lock);
			SCardReleaseContext(ctx);
			break;
		}
		self->monitor_ctx = ctx;
		self->monitor_ctx_valid = TRUE;
		g_mutex_unlock(&self->lock);

		wr = watch_readers(self, ctx, &backoff);

		g_mutex_lock(&self->lock);
		self->monitor_ctx_valid = FALSE;
		g_mutex_unlock(&self->lock);
		SCardReleaseContext(ctx);
		if (wr == WATCH_STOP || sleep_unless_stopped(self, backoff))
			break;
		backoff = MIN(backoff * 2, BACKOFF_MAX_MS);
	}
	return NULL;
}

/* ---- I/O thread ---- */

static void
drop_card(PcscWorker *self, DWORD disposition)
{
	if (!self->card_valid)
		return;
	(void)SCardDisconnect(self->card, disposition);
	self->card_valid = FALSE;
	g_clear_pointer(&self->card_reader, g_free);
}

static void
drop_context(PcscWorker *self)
{
	drop_card(self, SCARD_LEAVE_CARD);
	if (self->io_ctx_valid)
		(void)SCardReleaseContext(self->io_ctx);
	self->io_ctx_valid = FALSE;
}

/* After a failed call: forget what the error made unusable. */
static void
forget_after(PcscWorker *self, LONG rv)
{
	if (pcsc_error_is_service_lost(rv))
		drop_context(self);
	else if (pcsc_error_is_handle_lost(rv))
		drop_card(self, SCARD_LEAVE_CARD);
}

static gboolean
ensure_card(PcscWorker *self, GError **error)
{
	g_autofree gchar *reader = NULL;
	LONG rv;

	g_mutex_lock(&self->lock);
	reader = g_strdup(self->reader);
	g_mutex_unlock(&self->lock);
	if (reader == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_BACKEND_GONE, "no reader matches '%s'",
		            self->pattern);
		return FALSE;
	}
	if (self->card_valid && g_strcmp0(self->card_reader, reader) == 0)
		return TRUE;
	drop_card(self, SCARD_LEAVE_CARD);
	for (gint attempt = 0; attempt < 2; attempt++) {
		if (!self->io_ctx_valid) {
			rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &self->io_ctx);
			if (rv != SCARD_S_SUCCESS) {
				*error = pcsc_error_new(rv, "cannot reach pcscd");
				return FALSE;
			}
			self->io_ctx_valid = TRUE;
		}
		rv = SCardConnect(self->io_ctx, reader, self->share_mode, self->protocols,
		                  &self->card, &self->active_protocol);
		if (rv == SCARD_S_SUCCESS) {
			self->card_valid = TRUE;
			self->card_reader = g_steal_pointer(&reader);
			return TRUE;
		}
		if (!pcsc_error_is_service_lost(rv) || attempt == 1) {
			*error = pcsc_error_new(rv, "cannot connect to %s", reader);
			return FALSE;
		}
		/* pcscd restarted since: a new context, once */
		drop_context(self);
	}
	return FALSE;
}

static const SCARD_IO_REQUEST *
send_pci(PcscWorker *self)
{
	switch (self->active_protocol) {
	case SCARD_PROTOCOL_T1:
		return SCARD_PCI_T1;
	case SCARD_PROTOCOL_RAW:
		return SCARD_PCI_RAW;
	default:
		return SCARD_PCI_T0;
	}
}

static void
do_transmit(PcscWorker *self, Op *op)
{
	GError *error = NULL;
	gsize len;
	const guint8 *cmd = g_bytes_get_data(op->command, &len);
	DWORD rlen = RECV_MAX;
	LONG rv;

	if (!ensure_card(self, &error)) {
		post(self, PCSC_EVENT_TRANSMITTED, NULL, FALSE, NULL, error, op->tx_id);
		return;
	}
	rv = SCardTransmit(self->card, send_pci(self), cmd, (DWORD)len, NULL, self->recv_buf,
	                   &rlen);
	if (rv == SCARD_W_RESET_CARD) {
		/* another application reset the card (shared mode): carry on */
		rv = SCardReconnect(self->card, self->share_mode, self->protocols, SCARD_LEAVE_CARD,
		                    &self->active_protocol);
		if (rv == SCARD_S_SUCCESS) {
			rlen = RECV_MAX;
			rv = SCardTransmit(self->card, send_pci(self), cmd, (DWORD)len, NULL,
			                   self->recv_buf, &rlen);
		}
	}
	if (rv != SCARD_S_SUCCESS) {
		error = pcsc_error_new(rv, "transmit to %s", self->card_reader);
		forget_after(self, rv);
		post(self, PCSC_EVENT_TRANSMITTED, NULL, FALSE, NULL, error, op->tx_id);
		return;
	}
	post(self, PCSC_EVENT_TRANSMITTED, NULL, FALSE, g_bytes_new(self->recv_buf, rlen), NULL,
	     op->tx_id);
}

static void
do_reset(PcscWorker *self, Op *op)
{
	GError *error = NULL;
	guint8 atr[MAX_ATR_SIZE];
	gchar name[MAX_READERNAME];
	DWORD atr_len = sizeof(atr), name_len = sizeof(name), state = 0, proto = 0;
	LONG rv;

	if (self->card_valid) {
		rv = SCardReconnect(self->card, self->share_mode, self->protocols,
		                    op->kind == CR_RESET_COLD ? SCARD_UNPOWER_CARD
		                                              : SCARD_RESET_CARD,
		                    &self->active_protocol);
		if (rv != SCARD_S_SUCCESS)
			forget_after(self, rv);
	}
	/* not connected (or the handle died): connecting powers the card up */
	if (!ensure_card(self, &error)) {
		post(self, PCSC_EVENT_RESET_DONE, NULL, FALSE, NULL, error, 0);
		return;
	}
	rv = SCardStatus(self->card, name, &name_len, &state, &proto, atr, &atr_len);
	if (rv != SCARD_S_SUCCESS || atr_len == 0) {
		error = pcsc_error_new(rv, "reading the ATR from %s", self->card_reader);
		forget_after(self, rv);
		post(self, PCSC_EVENT_RESET_DONE, NULL, FALSE, NULL, error, 0);
		return;
	}
	post(self, PCSC_EVENT_RESET_DONE, self->card_reader, TRUE, g_bytes_new(atr, atr_len), NULL,
	     0);
}

static void
do_power_off(PcscWorker *self)
{
	GError *error = NULL;
	LONG rv;
	if (!self->card_valid)
		return;
	rv = SCardDisconnect(self->card, SCARD_UNPOWER_CARD);
	self->card_valid = FALSE;
	g_clear_pointer(&self->card_reader, g_free);
	if (rv != SCARD_S_SUCCESS && !pcsc_error_is_handle_lost(rv))
		error = pcsc_error_new(rv, "powering off");
	if (pcsc_error_is_service_lost(rv))
		drop_context(self);
	post(self, PCSC_EVENT_POWERED_OFF, NULL, FALSE, NULL, error, 0);
}

static gpointer
io_thread(gpointer user_data)
{
	PcscWorker *self = user_data;
	for (;;) {
		Op *op = g_async_queue_pop(self->ops);
		switch (op->type) {
		case OP_TRANSMIT:
			do_transmit(self, op);
			break;
		case OP_RESET:
			do_reset(self, op);
			break;
		case OP_POWER_OFF:
			do_power_off(self);
			break;
		case OP_CARD_GONE:
			drop_card(self, SCARD_LEAVE_CARD);
			break;
		case OP_STOP:
			op_free(op);
			drop_card(self, SCARD_UNPOWER_CARD);
			drop_context(self);
			return NULL;
		}
		op_free(op);
	}
}

/* ---- main context side ---- */

PcscWorker *
pcsc_worker_new(const gchar *name, const gchar *pattern, DWORD share_mode, DWORD protocols,
                PcscEventFunc func, gpointer user_data)
{
	PcscWorker *self = g_new0(PcscWorker, 1);
	g_autofree gchar *message = NULL;
	self->refs = 1;
	self->name = g_strdup(name);
	self->pattern = g_strdup(pattern);
	self->regex_ok = pcsc_match_compile(&self->regex, pattern, &message);
	if (!self->regex_ok)
		g_critical("%s: reader pattern '%s': %s", name, pattern, message);
	self->share_mode = share_mode;
	self->protocols = protocols;
	self->func = func;
	self->user_data = user_data;
	self->main_ctx = g_main_context_ref_thread_default();
	self->recv_buf = g_malloc(RECV_MAX);
	self->ops = g_async_queue_new_full(op_free);
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	return self;
}

void
pcsc_worker_start(PcscWorker *self)
{
	g_autofree gchar *mname = g_strdup_printf("pcsc-mon-%s", self->name);
	g_autofree gchar *iname = g_strdup_printf("pcsc-io-%s", self->name);
	if (self->monitor != NULL)
		return;
	self->stopped = FALSE;
	self->monitor = g_thread_new(mname, monitor_thread, self);
	self->io = g_thread_new(iname, io_thread, self);
}

static void
push(PcscWorker *self, OpType type, guint64 tx_id, GBytes *command, CrResetKind kind)
{
	Op *op = g_new0(Op, 1);
	op->type = type;
	op->tx_id = tx_id;
	op->command = command;
	op->kind = kind;
	if (type == OP_STOP)
		g_async_queue_push_front(self->ops, op);
	else
		g_async_queue_push(self->ops, op);
}

void
pcsc_worker_transmit(PcscWorker *self, guint64 tx_id, const guint8 *command, gsize len)
{
	push(self, OP_TRANSMIT, tx_id, g_bytes_new(command, len), CR_RESET_COLD);
}

void
pcsc_worker_reset(PcscWorker *self, CrResetKind kind)
{
	push(self, OP_RESET, 0, NULL, kind);
}

void
pcsc_worker_power_off(PcscWorker *self)
{
	push(self, OP_POWER_OFF, 0, NULL, CR_RESET_COLD);
}

void
pcsc_worker_card_gone(PcscWorker *self)
{
	push(self, OP_CARD_GONE, 0, NULL, CR_RESET_COLD);
}

void
pcsc_worker_stop(PcscWorker *self)
{
	if (self->monitor == NULL)
		return;
	g_mutex_lock(&self->lock);
	self->stopping = TRUE;
	if (self->monitor_ctx_valid)
		(void)SCardCancel(self->monitor_ctx);
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);
	push(self, OP_STOP, 0, NULL, CR_RESET_COLD);
	g_thread_join(g_steal_pointer(&self->monitor));
	g_thread_join(g_steal_pointer(&self->io));
	self->stopped = TRUE;
}

void
pcsc_worker_free(PcscWorker *self)
{
	if (self == NULL)
		return;
	pcsc_worker_stop(self);
	self->stopped = TRUE;
	worker_unref(self);
}
