// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cr-private.h"

static CrTransaction *
transaction_alloc(void)
{
	CrTransaction *tx = g_new0(CrTransaction, 1);
	tx->command = g_byte_array_sized_new(272);
	tx->response = g_byte_array_sized_new(272);
	tx->done = TRUE;
	return tx;
}

CrTransaction *
cr_transaction_new_for_frontend(CrFrontendSlot *frontend)
{
	CrTransaction *tx = transaction_alloc();
	tx->frontend = frontend;
	return tx;
}

CrTransaction *
cr_transaction_new(const guint8 *command, gsize len, CrTransactionFunc done, gpointer user_data)
{
	CrTransaction *tx = transaction_alloc();
	tx->func = done;
	tx->user_data = user_data;
	cr_transaction_begin(tx, command, len);
	return tx;
}

void
cr_transaction_reset(CrTransaction *tx, const guint8 *command, gsize len)
{
	g_return_if_fail(tx->done || tx->backend == NULL);
	cr_transaction_begin(tx, command, len);
}

void
cr_transaction_free(CrTransaction *tx)
{
	if (tx == NULL)
		return;
	if (!tx->done && tx->backend != NULL)
		cr_backend_slot_take_back(tx->backend, tx);
	g_byte_array_unref(tx->command);
	g_byte_array_unref(tx->response);
	g_clear_error(&tx->error);
	g_free(tx);
}

void
cr_transaction_begin(CrTransaction *tx, const guint8 *command, gsize len)
{
	g_byte_array_set_size(tx->command, (guint)len);
	if (len > 0)
		memcpy(tx->command->data, command, len);
	g_byte_array_set_size(tx->response, 0);
	g_clear_error(&tx->error);
	tx->has_response = FALSE;
	tx->done = FALSE;
	tx->id = cr_router_next_transaction_id();
	tx->submit_us = g_get_monotonic_time();
	tx->done_us = 0;
}

void
cr_transaction_set_outcome(CrTransaction *tx, const guint8 *response, gsize len, GError *error)
{
	if (response != NULL) {
		g_byte_array_set_size(tx->response, (guint)len);
		memcpy(tx->response->data, response, len);
		tx->has_response = TRUE;
	}
	if (error != NULL) {
		g_clear_error(&tx->error);
		tx->error = error;
	}
	tx->done = TRUE;
	tx->done_us = g_get_monotonic_time();
}

guint64
cr_transaction_get_id(const CrTransaction *tx)
{
	return tx->id;
}

const guint8 *
cr_transaction_get_command(const CrTransaction *tx, gsize *len)
{
	if (len != NULL)
		*len = tx->command->len;
	return tx->command->data;
}

const guint8 *
cr_transaction_get_response(const CrTransaction *tx, gsize *len)
{
	if (!tx->has_response) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = tx->response->len;
	return tx->response->data;
}

const GError *
cr_transaction_get_error(const CrTransaction *tx)
{
	return tx->error;
}

gboolean
cr_transaction_is_done(const CrTransaction *tx)
{
	return tx->done;
}

gint64
cr_transaction_get_submit_time(const CrTransaction *tx)
{
	return tx->submit_us;
}

gint64
cr_transaction_get_done_time(const CrTransaction *tx)
{
	return tx->done_us;
}

void
cr_transaction_complete(CrTransaction *tx, const guint8 *response, gsize len)
{
	g_return_if_fail(tx != NULL);
	if (tx->done || tx->backend == NULL) {
		g_warning("transaction %" G_GUINT64_FORMAT " completed twice or after cancel",
			  tx->id);
		return;
	}
	if (response == NULL || len < 2) {
		cr_transaction_fail(tx, g_error_new(CR_ERROR, CR_ERROR_CARD,
						    "the card answered %zu bytes, without "
						    "SW1 SW2",
						    response == NULL ? (gsize)0 : len));
		return;
	}
	g_byte_array_set_size(tx->response, (guint)len);
	memcpy(tx->response->data, response, len);
	tx->has_response = TRUE;
	cr_engine_transaction_returned(tx);
}

void
cr_transaction_fail(CrTransaction *tx, GError *error)
{
	g_return_if_fail(tx != NULL);
	if (tx->done || tx->backend == NULL) {
		g_warning("transaction %" G_GUINT64_FORMAT " failed twice or after cancel: %s",
			  tx->id, error != NULL ? error->message : "?");
		g_clear_error(&error);
		return;
	}
	if (error == NULL)
		error = g_error_new_literal(CR_ERROR, CR_ERROR_FAILED, "backend failed");
	cr_error_convert(&error);
	g_clear_error(&tx->error);
	tx->error = error;
	cr_engine_transaction_returned(tx);
}
