// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One PC/SC reader's I/O thread (see pcsc-worker.h). The request mailbox is
 * a queue under a mutex; the main context signals the condition only when
 * the thread is waiting on it, after dropping the mutex, so an APDU costs
 * one futex wake-up here and one eventfd write back (pcsc-handoff.c).
 */
#include "pcsc-worker.h"

#include <reader.h>
#include <string.h>

#include "pcsc-error.h"

#define RECV_MAX (65536 + 2)

typedef enum {
	OP_TRANSMIT,
	OP_RESET,
	OP_POWER_OFF,
	OP_CARD_GONE,
} OpType;

typedef struct {
	OpType type;
	guint64 tx_id;
	GBytes *command;
	CrResetKind kind;
} Op;

struct _PcscWorker {
	gint refs;
	gchar *slot_name;
	gchar *reader;
	DWORD share_mode;
	DWORD protocols;
	PcscHandoff *handoff;
	GThread *thread;

	GMutex lock; /* guards the mailbox */
	GCond cond;
	GQueue ops;
	gboolean waiting;
	gboolean retired;

	/* the thread only */
	SCARDCONTEXT ctx;
	gboolean ctx_valid;
	SCARDHANDLE card;
	gboolean card_valid;
	DWORD active_protocol;
	guint8 *recv_buf;
};

static void
op_free(gpointer p)
{
	Op *op = p;
	g_clear_pointer(&op->command, g_bytes_unref);
	g_free(op);
}

PcscWorker *
pcsc_worker_ref(PcscWorker *self)
{
	g_atomic_int_inc(&self->refs);
	return self;
}

void
pcsc_worker_unref(PcscWorker *self)
{
	if (self == NULL || !g_atomic_int_dec_and_test(&self->refs))
		return;
	g_queue_clear_full(&self->ops, op_free);
	g_free(self->slot_name);
	g_free(self->reader);
	g_free(self->recv_buf);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}

const gchar *
pcsc_worker_get_reader(PcscWorker *self)
{
	return self->reader;
}

static void
post(PcscWorker *self, PcscEventType type, GBytes *data, GError *error, guint64 tx_id)
{
	PcscEvent *ev = pcsc_event_new(type);
	ev->source = pcsc_worker_ref(self);
	ev->data = data;
	ev->error = error;
	ev->tx_id = tx_id;
	pcsc_handoff_post(self->handoff, ev);
}

static void
drop_card(PcscWorker *self, DWORD disposition)
{
	if (!self->card_valid)
		return;
	(void)SCardDisconnect(self->card, disposition);
	self->card_valid = FALSE;
}

static void
drop_context(PcscWorker *self)
{
	drop_card(self, SCARD_LEAVE_CARD);
	if (self->ctx_valid)
		(void)SCardReleaseContext(self->ctx);
	self->ctx_valid = FALSE;
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

/*
 * After a connect or reconnect: what this connection carries, for the slot's
 * capabilities. The protocol pcscd negotiated, and the largest command the
 * driver takes (SCARD_ATTR_MAXINPUT, which CCID answers with its message
 * size less the header; drivers without it, as vpcd's, leave it 0 and the
 * slot assumes pcsc-lite's extended buffer). One SCardGetAttrib per connect.
 */
static void
post_connected(PcscWorker *self)
{
	PcscEvent *ev = pcsc_event_new(PCSC_EVENT_CONNECTED);
	guint8 attr[8] = {0};
	DWORD attr_len = sizeof(attr);
	LONG rv = SCardGetAttrib(self->card, SCARD_ATTR_MAXINPUT, attr, &attr_len);

	ev->source = pcsc_worker_ref(self);
	ev->protocol = (guint32)self->active_protocol;
	if (rv == SCARD_S_SUCCESS && attr_len == 4) /* a 32-bit value, host order */
		memcpy(&ev->max_input, attr, 4);
	pcsc_handoff_post(self->handoff, ev);
}

static gboolean
ensure_card(PcscWorker *self, GError **error)
{
	LONG rv;

	if (self->card_valid)
		return TRUE;
	for (gint attempt = 0; attempt < 2; attempt++) {
		if (!self->ctx_valid) {
			rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &self->ctx);
			if (rv != SCARD_S_SUCCESS) {
				*error = pcsc_error_new(rv, "cannot reach pcscd");
				return FALSE;
			}
			self->ctx_valid = TRUE;
		}
		rv = SCardConnect(self->ctx, self->reader, self->share_mode, self->protocols,
		                  &self->card, &self->active_protocol);
		if (rv == SCARD_S_SUCCESS) {
			self->card_valid = TRUE;
			post_connected(self);
			return TRUE;
		}
		if (!pcsc_error_is_service_lost(rv) || attempt == 1) {
			*error = pcsc_error_new(rv, "cannot connect to %s", self->reader);
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
		post(self, PCSC_EVENT_TRANSMITTED, NULL, error, op->tx_id);
		return;
	}
	rv = SCardTransmit(self->card, send_pci(self), cmd, (DWORD)len, NULL, self->recv_buf,
	                   &rlen);
	if (rv == SCARD_W_RESET_CARD) {
		/* another application reset the card (shared mode): carry on */
		rv = SCardReconnect(self->card, self->share_mode, self->protocols, SCARD_LEAVE_CARD,
		                    &self->active_protocol);
		if (rv == SCARD_S_SUCCESS) {
			post_connected(self);
			rlen = RECV_MAX;
			rv = SCardTransmit(self->card, send_pci(self), cmd, (DWORD)len, NULL,
			                   self->recv_buf, &rlen);
		}
	}
	if (rv != SCARD_S_SUCCESS) {
		error = pcsc_error_new(rv, "transmit to %s", self->reader);
		forget_after(self, rv);
		post(self, PCSC_EVENT_TRANSMITTED, NULL, error, op->tx_id);
		return;
	}
	post(self, PCSC_EVENT_TRANSMITTED, g_bytes_new(self->recv_buf, rlen), NULL, op->tx_id);
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
		else
			post_connected(self);
	}
	/* not connected (or the handle died): connecting powers the card up */
	if (!ensure_card(self, &error)) {
		post(self, PCSC_EVENT_RESET_DONE, NULL, error, 0);
		return;
	}
	rv = SCardStatus(self->card, name, &name_len, &state, &proto, atr, &atr_len);
	if (rv != SCARD_S_SUCCESS || atr_len == 0) {
		error = pcsc_error_new(rv, "reading the ATR from %s", self->reader);
		forget_after(self, rv);
		post(self, PCSC_EVENT_RESET_DONE, NULL, error, 0);
		return;
	}
	post(self, PCSC_EVENT_RESET_DONE, g_bytes_new(atr, atr_len), NULL, 0);
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
	if (rv != SCARD_S_SUCCESS && !pcsc_error_is_handle_lost(rv))
		error = pcsc_error_new(rv, "powering off");
	if (pcsc_error_is_service_lost(rv))
		drop_context(self);
	post(self, PCSC_EVENT_POWERED_OFF, NULL, error, 0);
}

/* The next request, or NULL once retired. */
static Op *
next_op(PcscWorker *self)
{
	Op *op;
	g_mutex_lock(&self->lock);
	while (g_queue_is_empty(&self->ops) && !self->retired) {
		self->waiting = TRUE;
		g_cond_wait(&self->cond, &self->lock);
		self->waiting = FALSE;
	}
	op = self->retired ? NULL : g_queue_pop_head(&self->ops);
	g_mutex_unlock(&self->lock);
	return op;
}

static gpointer
worker_thread(gpointer user_data)
{
	PcscWorker *self = user_data;
	Op *op;

	while ((op = next_op(self)) != NULL) {
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
		}
		op_free(op);
	}
	drop_card(self, SCARD_UNPOWER_CARD);
	drop_context(self);
	post(self, PCSC_EVENT_EXITED, NULL, NULL, 0);
	return NULL;
}

PcscWorker *
pcsc_worker_new(const gchar *slot_name, const gchar *reader, DWORD share_mode, DWORD protocols,
                PcscHandoff *handoff)
{
	PcscWorker *self = g_new0(PcscWorker, 1);
	g_autofree gchar *tname = g_strdup_printf("pcsc-%s", slot_name);
	self->refs = 1;
	self->slot_name = g_strdup(slot_name);
	self->reader = g_strdup(reader);
	self->share_mode = share_mode;
	self->protocols = protocols;
	self->handoff = handoff;
	self->recv_buf = g_malloc(RECV_MAX);
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	g_queue_init(&self->ops);
	/* the thread's reference is the creator's until join */
	self->thread = g_thread_new(tname, worker_thread, self);
	return self;
}

static void
push(PcscWorker *self, OpType type, guint64 tx_id, GBytes *command, CrResetKind kind)
{
	Op *op = g_new0(Op, 1);
	gboolean wake;
	op->type = type;
	op->tx_id = tx_id;
	op->command = command;
	op->kind = kind;
	g_mutex_lock(&self->lock);
	g_queue_push_tail(&self->ops, op);
	wake = self->waiting;
	g_mutex_unlock(&self->lock);
	if (wake)
		g_cond_signal(&self->cond);
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
pcsc_worker_retire(PcscWorker *self)
{
	g_mutex_lock(&self->lock);
	self->retired = TRUE;
	g_mutex_unlock(&self->lock);
	g_cond_signal(&self->cond);
}

void
pcsc_worker_join(PcscWorker *self)
{
	if (self->thread != NULL)
		g_thread_join(g_steal_pointer(&self->thread));
}
