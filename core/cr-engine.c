// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transaction path: a command from a frontend slot to the backend slot of
 * its route and the one outcome back, with the route's policy for a backend
 * that is slow or gone. Everything here runs on the main context and
 * allocates nothing in the steady state.
 */
#define G_LOG_DOMAIN "cardroute"

#include "cr-private.h"

static void dispatch(CrFrontendSlot *fs);

/* One finished transaction in @stats, and when it was. */
static void
record(CrStats *stats, const CrTransaction *tx)
{
	cr_stats_record(stats, tx->done_us - tx->submit_us, tx->error != NULL);
	stats->last_activity_us = tx->done_us;
}

static void
finish(CrFrontendSlot *fs)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);
	CrTransaction *tx = fp->tx;
	CrRoute *route = fp->route;
	CrBackendSlot *bs = route != NULL ? cr_route_get_backend(route) : NULL;

	if (!tx->done) {
		tx->done = TRUE;
		tx->done_us = g_get_monotonic_time();
	}
	fp->busy = FALSE;
	fp->sent = FALSE;
	fp->held = FALSE;
	if (fp->deadline_us >= 0)
		cr_frontend_slot_arm_deadline(fs, -1);

	record(&fp->stats, tx);
	if (route != NULL)
		record(cr_route_stats(route), tx);
	if (bs != NULL)
		record(&cr_backend_slot_priv(bs)->stats, tx);
	if (tx->error != NULL) {
		gboolean timeout = g_error_matches(tx->error, CR_ERROR, CR_ERROR_TIMEOUT);
		cr_stats_set_last_error(&fp->stats, tx->error->message);
		if (timeout)
			fp->stats.timeouts++;
		if (route != NULL) {
			cr_stats_set_last_error(cr_route_stats(route), tx->error->message);
			if (timeout)
				cr_route_stats(route)->timeouts++;
		}
		if (!fp->error_logged)
			g_message("%s: transaction %" G_GUINT64_FORMAT " %s: %s", fp->name,
				  tx->id,
				  tx->has_response ? "answered with the route's error status"
						   : "failed",
				  tx->error->message);
		fp->error_logged = FALSE;
	}
	if (cr_log_traffic()) {
		g_autofree gchar *c = cr_hex_encode(tx->command->data, tx->command->len);
		g_autofree gchar *r = cr_hex_encode(tx->response->data, tx->response->len);
		g_debug("%s: %s -> %s (%" G_GINT64_FORMAT " us)", fp->name, c,
			tx->has_response ? r : "(none)", tx->done_us - tx->submit_us);
	}
	if (fp->router != NULL && cr_router_has_hooks(fp->router)) {
		CrEvent ev = {0};
		ev.type = CR_EVENT_TRANSACTION;
		ev.timestamp_us = tx->done_us;
		ev.route = route;
		ev.frontend = fs;
		ev.backend = bs;
		ev.transaction = tx;
		ev.error = tx->error;
		cr_router_emit(fp->router, &ev);
	}
	CR_FRONTEND_SLOT_GET_CLASS(fs)->transaction_done(fs, tx);
	if (fp->router != NULL)
		cr_router_transaction_finished(fp->router);
}

void
cr_engine_abort(CrFrontendSlot *fs, GError *error)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);
	if (!fp->busy) {
		g_clear_error(&error);
		return;
	}
	if (fp->sent && fp->tx->backend != NULL)
		cr_backend_slot_take_back(fp->tx->backend, fp->tx);
	fp->sent = FALSE;
	cr_transaction_set_outcome(fp->tx, NULL, 0, error);
	finish(fs);
}

/* The route's timeout, counted from the submission, unless a deadline is
 * armed already. */
static void
arm_policy_deadline(CrFrontendSlot *fs, const CrRoutePolicy *policy)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);
	if (policy->timeout_ms > 0 && fp->deadline_us < 0)
		cr_frontend_slot_arm_deadline(fs,
					      fp->tx->submit_us + (gint64)policy->timeout_ms * 1000);
}

/* The backend could not give an answer: the route's policy decides what the
 * terminal gets. Takes @reason. */
static void
apply_loss_policy(CrFrontendSlot *fs, GError *reason)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);
	const CrRoutePolicy *policy = cr_route_get_policy(fp->route);
	CrBackendSlot *bs = cr_route_get_backend(fp->route);
	gboolean backend_present = cr_backend_slot_get_state(bs) == CR_SLOT_STATE_PRESENT;

	switch (policy->on_backend_loss) {
	case CR_LOSS_POLICY_HOLD:
		if (!backend_present && !g_error_matches(reason, CR_ERROR, CR_ERROR_TIMEOUT)) {
			if (!fp->held)
				g_message("%s: holding transaction %" G_GUINT64_FORMAT
					  " until %s is back: %s",
					  fp->name, fp->tx->id, cr_backend_slot_get_name(bs),
					  reason->message);
			fp->held = TRUE;
			arm_policy_deadline(fs, policy);
			g_error_free(reason);
			return;
		}
		/* the hold is over: answer like the error policy */
		G_GNUC_FALLTHROUGH;
	case CR_LOSS_POLICY_ERROR: {
		guint8 sw[2] = {policy->error_sw >> 8, policy->error_sw & 0xFF};
		cr_transaction_set_outcome(fp->tx, sw, 2, reason);
		finish(fs);
		return;
	}
	case CR_LOSS_POLICY_REMOVE_CARD: {
		/* the card stays in the backend but failed: the terminal sees it
		 * removed, and inserted again once a reset brought it back. The
		 * card counts as withdrawn before the outcome is delivered, so a
		 * command the frontend submits from transaction_done() is refused
		 * rather than sent to the failed card. */
		gboolean withdraw = backend_present && fp->route != NULL && !fp->withdrawn;
		if (withdraw)
			fp->withdrawn = TRUE;
		cr_transaction_set_outcome(fp->tx, NULL, 0, reason);
		finish(fs);
		if (withdraw) {
			cr_frontend_slot_tell_card(fs, NULL);
			cr_backend_slot_request_reset(bs, CR_RESET_COLD);
		}
		return;
	}
	}
}

/* The route's ends cannot carry the command or its answer (cr-slot-caps.c
 * logged why): the terminal gets 6700, as from a card without extended length
 * support, and never a cut APDU. Takes @reason. */
static void
refuse_length(CrFrontendSlot *fs, GError *reason)
{
	static const guint8 sw[2] = {0x67, 0x00};
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);

	fp->error_logged = TRUE;
	cr_transaction_set_outcome(fp->tx, sw, 2, reason);
	finish(fs);
}

static void
dispatch(CrFrontendSlot *fs)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);
	CrBackendSlot *bs = cr_route_get_backend(fp->route);
	CrBackendSlotPrivate *bp = cr_backend_slot_priv(bs);
	const CrRoutePolicy *policy = cr_route_get_policy(fp->route);
	CrTransaction *tx = fp->tx;
	guint64 id = tx->id;
	GError *error = NULL;

	if (G_UNLIKELY(!cr_slot_caps_quick_ok(&fp->caps, &bp->caps, tx->command->data,
					      tx->command->len)) &&
	    !cr_slot_caps_check_command(fp->route, tx->command->data, tx->command->len, &error)) {
		refuse_length(fs, error);
		return;
	}
	if (bp->state != CR_SLOT_STATE_PRESENT) {
		apply_loss_policy(fs, g_error_new(CR_ERROR,
						  bp->state == CR_SLOT_STATE_DOWN
							  ? CR_ERROR_BACKEND_GONE
							  : CR_ERROR_NO_CARD,
						  "%s %s", bp->name,
						  bp->state == CR_SLOT_STATE_DOWN
							  ? "is unavailable"
							  : "has no card"));
		return;
	}
	if (bp->current != NULL) {
		cr_engine_abort(fs, g_error_new(CR_ERROR, CR_ERROR_BUSY,
						"%s is busy with another transaction", bp->name));
		return;
	}
	fp->sent = TRUE;
	cr_backend_slot_send(bs, tx);
	/* the backend may have answered already (and the frontend may even
	 * have submitted its next command from its callback) */
	if (tx->id == id && fp->sent)
		arm_policy_deadline(fs, policy);
}

void
cr_engine_submit(CrFrontendSlot *fs, const guint8 *command, gsize len)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);

	if (fp->busy) {
		/* the slot's transaction is in flight: answer this one apart */
		g_autoptr(CrTransaction) extra = cr_transaction_new(command, len, NULL, NULL);
		g_message("%s: command submitted while another is in flight", fp->name);
		cr_transaction_set_outcome(extra, NULL, 0,
					   g_error_new(CR_ERROR, CR_ERROR_BUSY,
						       "%s: a transaction is already in flight",
						       fp->name));
		CR_FRONTEND_SLOT_GET_CLASS(fs)->transaction_done(fs, extra);
		return;
	}
	if (len > CR_APDU_MAX)
		len = CR_APDU_MAX + 1; /* keep only what the error needs */
	cr_transaction_begin(fp->tx, command, len > CR_APDU_MAX ? 0 : len);
	fp->busy = TRUE;

	if (len < 4 || len > CR_APDU_MAX) {
		cr_engine_abort(fs, g_error_new(CR_ERROR, CR_ERROR_INVALID,
						"command of %zu bytes is not 4..%u bytes long",
						len, CR_APDU_MAX));
		return;
	}
	if (fp->router != NULL && cr_router_is_shutting_down(fp->router)) {
		cr_engine_abort(fs, g_error_new_literal(CR_ERROR, CR_ERROR_CANCELLED,
							"the daemon is shutting down"));
		return;
	}
	if (fp->route == NULL) {
		cr_engine_abort(fs, g_error_new(CR_ERROR, CR_ERROR_NO_ROUTE, "%s has no route",
						fp->name));
		return;
	}
	if (fp->withdrawn) {
		cr_engine_abort(fs, g_error_new(CR_ERROR, CR_ERROR_NO_CARD,
						"%s: the card was removed", fp->name));
		return;
	}
	dispatch(fs);
}

void
cr_engine_transaction_returned(CrTransaction *tx)
{
	CrBackendSlot *bs = tx->backend;
	CrFrontendSlot *fs = tx->frontend;
	CrFrontendSlotPrivate *fp;
	GError *error = NULL;

	cr_backend_slot_priv(bs)->current = NULL;
	tx->backend = NULL;
	if (fs == NULL) {
		/* standalone: REST shell, benchmark */
		tx->done = TRUE;
		tx->done_us = g_get_monotonic_time();
		record(&cr_backend_slot_priv(bs)->stats, tx);
		if (cr_backend_slot_priv(bs)->router != NULL &&
		    cr_router_has_hooks(cr_backend_slot_priv(bs)->router)) {
			/* the debugging shell's commands are seen like any other */
			CrEvent ev = {0};
			ev.type = CR_EVENT_TRANSACTION;
			ev.timestamp_us = tx->done_us;
			ev.backend = bs;
			ev.transaction = tx;
			ev.error = tx->error;
			cr_router_emit(cr_backend_slot_priv(bs)->router, &ev);
		}
		tx->func(tx, tx->user_data);
		return;
	}
	fp = cr_frontend_slot_priv(fs);
	fp->sent = FALSE;
	if (tx->error == NULL) {
		if (G_UNLIKELY(tx->response->len > (fp->caps.protocols != 0
							    ? fp->caps.max_response
							    : CR_SLOT_CAPS_SHORT_MAX_RESPONSE)) &&
		    fp->route != NULL &&
		    !cr_slot_caps_check_response(fp->route, tx->response->len, &error)) {
			refuse_length(fs, error);
			return;
		}
		finish(fs);
		return;
	}
	error = g_steal_pointer(&tx->error);
	if (fp->route == NULL) {
		cr_transaction_set_outcome(tx, NULL, 0, error);
		finish(fs);
		return;
	}
	apply_loss_policy(fs, error);
}

void
cr_engine_deadline(CrFrontendSlot *fs)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);
	const CrRoutePolicy *policy;
	CrBackendSlot *bs;
	gboolean was_held = fp->held;

	fp->deadline_us = -1;
	if (!fp->busy || fp->route == NULL)
		return;
	policy = cr_route_get_policy(fp->route);
	bs = cr_route_get_backend(fp->route);
	if (fp->sent && fp->tx->backend != NULL)
		cr_backend_slot_take_back(fp->tx->backend, fp->tx);
	fp->sent = FALSE;
	fp->held = FALSE;
	apply_loss_policy(fs, g_error_new(CR_ERROR, CR_ERROR_TIMEOUT,
					  was_held ? "%s did not come back within %u ms"
						   : "%s did not answer within %u ms",
					  cr_backend_slot_get_name(bs), policy->timeout_ms));
}

void
cr_engine_frontend_reset(CrFrontendSlot *fs, gboolean power_off, CrResetKind kind)
{
	CrFrontendSlotPrivate *fp = cr_frontend_slot_priv(fs);
	CrRoute *route = fp->route;
	CrBackendSlot *bs = route != NULL ? cr_route_get_backend(route) : NULL;
	gboolean forward = bs != NULL && cr_route_get_policy(route)->forward_reset &&
			   cr_backend_slot_get_state(bs) == CR_SLOT_STATE_PRESENT;
	CrEvent ev = {0};

	if (fp->busy)
		cr_engine_abort(fs, g_error_new(CR_ERROR, CR_ERROR_CANCELLED,
						"the terminal %s the card",
						power_off ? "powered off" : "reset"));
	g_message("%s: terminal %s%s", fp->name,
		  power_off ? "power off" : (kind == CR_RESET_COLD ? "cold reset" : "warm reset"),
		  forward ? "" : " (not forwarded)");
	if (fp->router != NULL) {
		ev.type = power_off ? CR_EVENT_POWER_OFF : CR_EVENT_RESET;
		ev.route = route;
		ev.frontend = fs;
		ev.backend = bs;
		ev.reset_kind = kind;
		ev.forwarded = forward;
		cr_router_emit(fp->router, &ev);
	}
	if (!forward)
		return;
	if (power_off)
		cr_backend_slot_request_power_off(bs);
	else
		cr_backend_slot_request_reset(bs, kind);
}

void
cr_engine_backend_changed(CrBackendSlot *bs, const GError *reason)
{
	CrBackendSlotPrivate *bp = cr_backend_slot_priv(bs);
	CrRoute *route = bp->route;
	CrFrontendSlot *fs;
	CrFrontendSlotPrivate *fp;

	if (bp->router != NULL) {
		CrEvent ev = {0};
		ev.type = CR_EVENT_CARD;
		ev.route = route;
		ev.backend = bs;
		ev.frontend = route != NULL ? cr_route_get_frontend(route) : NULL;
		ev.state = bp->state;
		ev.atr = bp->state == CR_SLOT_STATE_PRESENT ? bp->atr : NULL;
		ev.error = reason;
		cr_router_emit(bp->router, &ev);
	}
	if (route == NULL)
		return;
	fs = cr_route_get_frontend(route);
	fp = cr_frontend_slot_priv(fs);

	if (bp->state == CR_SLOT_STATE_PRESENT) {
		fp->withdrawn = FALSE;
		cr_frontend_slot_tell_card(fs, bp->atr);
		if (fp->busy && fp->held) {
			g_message("%s: %s is back, sending the held command again", fp->name,
				  bp->name);
			fp->held = FALSE;
			dispatch(fs);
		}
		return;
	}

	/* the card or the backend is gone */
	if (fp->busy && fp->sent) {
		if (fp->tx->backend != NULL)
			cr_backend_slot_take_back(fp->tx->backend, fp->tx);
		fp->sent = FALSE;
		apply_loss_policy(fs, reason != NULL
					      ? g_error_copy(reason)
					      : g_error_new(CR_ERROR,
							    bp->state == CR_SLOT_STATE_DOWN
								    ? CR_ERROR_BACKEND_GONE
								    : CR_ERROR_NO_CARD,
							    "%s lost its card", bp->name));
	}
	if (cr_route_get_policy(route)->on_backend_loss == CR_LOSS_POLICY_REMOVE_CARD &&
	    cr_frontend_slot_get_atr(fs) != NULL)
		cr_frontend_slot_tell_card(fs, NULL);
}
