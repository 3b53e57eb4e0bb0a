// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

#include "cr-types.h"

G_BEGIN_DECLS

/*
 * A transaction: one command (as the terminal sent it: C-APDU or T=0 C-TPDU)
 * and exactly one outcome: a response (data ‖ SW1 SW2), or an error with a
 * reason, or both (a route's `error` policy answers a status word and still
 * records why).
 *
 * The core keeps one transaction per frontend slot and reuses its buffers, so
 * routing allocates nothing in the steady state. A backend gets the
 * transaction in its transmit() vfunc and finishes it with
 * cr_transaction_complete() or cr_transaction_fail(), possibly before
 * transmit() returns; after the core called the backend's cancel() vfunc for
 * it, the backend must not touch it again. cr_transaction_get_id() tells a
 * late worker-thread result from the current transaction.
 */

typedef void (*CrTransactionFunc)(CrTransaction *transaction, gpointer user_data);

/* A standalone transaction (no frontend slot): the REST debugging shell, the
 * benchmark's direct path. @done runs once with the outcome. */
CrTransaction *cr_transaction_new(const guint8 *command, gsize len, CrTransactionFunc done,
				  gpointer user_data);
void cr_transaction_free(CrTransaction *transaction);
/* Re-arms a finished standalone transaction with a new command. */
void cr_transaction_reset(CrTransaction *transaction, const guint8 *command, gsize len);

guint64 cr_transaction_get_id(const CrTransaction *transaction);
const guint8 *cr_transaction_get_command(const CrTransaction *transaction, gsize *len);
/* NULL when the outcome has no response. */
const guint8 *cr_transaction_get_response(const CrTransaction *transaction, gsize *len);
/* NULL when the card answered. */
const GError *cr_transaction_get_error(const CrTransaction *transaction);
gboolean cr_transaction_is_done(const CrTransaction *transaction);
/* Monotonic microseconds (g_get_monotonic_time()). */
gint64 cr_transaction_get_submit_time(const CrTransaction *transaction);
gint64 cr_transaction_get_done_time(const CrTransaction *transaction);

/* Backend side: the card's answer (at least SW1 SW2; an empty answer is
 * turned into a CR_ERROR_CARD failure). */
void cr_transaction_complete(CrTransaction *transaction, const guint8 *response, gsize len);
/* Backend side: no answer, with the reason (ownership of @error taken). */
void cr_transaction_fail(CrTransaction *transaction, GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrTransaction, cr_transaction_free)

G_END_DECLS
