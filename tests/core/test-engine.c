// SPDX-License-Identifier: GPL-2.0-or-later
/* Route and transaction lifecycle, timeouts, backend loss under each policy. */
#include "test-slots.h"

static const guint8 atr[] = {0x3B, 0x02, 0x14, 0x50};
static const guint8 select_mf[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00};

typedef struct {
	CrRouter *router;
	TestFrontend *fe;
	TestBackend *be;
	guint events[CR_EVENT_SLOT_REMOVED + 1];
} Fixture;

static void
count_event(const CrEvent *ev, gpointer user_data)
{
	Fixture *f = user_data;
	f->events[ev->type]++;
	if (ev->type == CR_EVENT_TRANSACTION)
		g_assert_true(cr_transaction_is_done(ev->transaction));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(GError) error = NULL;
	f->router = cr_router_new();
	f->fe = test_frontend_new("fe");
	f->be = test_backend_new("be");
	g_assert_true(cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(f->fe),
						    &error));
	g_assert_true(cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(f->be),
						   &error));
	g_assert_true(cr_router_add_instance(f->router, CR_INSTANCE(inst), "test", "test",
					     CR_PLUGIN_KIND_BACKEND, &error));
	g_assert_no_error(error);
	cr_router_add_event_hook(f->router, count_event, f, NULL);
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), atr, sizeof(atr));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->fe);
	g_object_unref(f->be);
	g_object_unref(f->router);
}

static CrRoute *
make_route(Fixture *f, CrLossPolicy loss, guint timeout_ms)
{
	CrRoutePolicy policy = CR_ROUTE_POLICY_INIT;
	g_autoptr(GError) error = NULL;
	CrRoute *route;
	policy.on_backend_loss = loss;
	policy.timeout_ms = timeout_ms;
	route = cr_router_add_route(f->router, "r1", "fe", "be", &policy, &error);
	g_assert_no_error(error);
	g_assert_nonnull(route);
	return route;
}

static void
submit(Fixture *f)
{
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(f->fe), select_mf, sizeof(select_mf));
}

/* runs the main context until the frontend saw @n outcomes */
static void
wait_done(Fixture *f, guint n)
{
	while (f->fe->done_count < n)
		g_main_context_iteration(NULL, TRUE);
}

static void
assert_response(Fixture *f, guint8 sw1, guint8 sw2)
{
	GByteArray *r = f->fe->last_response;
	g_assert_nonnull(r);
	g_assert_cmpuint(r->len, >=, 2);
	g_assert_cmphex(r->data[r->len - 2], ==, sw1);
	g_assert_cmphex(r->data[r->len - 1], ==, sw2);
}

static void
test_route_lifecycle(Fixture *f, gconstpointer data)
{
	CrRoute *route = make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	g_assert_cmpuint(f->fe->route_changes, ==, 1);
	g_assert_cmpuint(f->fe->card_changes, ==, 1);
	g_assert_nonnull(f->fe->card);
	g_assert_cmpmem(g_bytes_get_data(f->fe->card, NULL), g_bytes_get_size(f->fe->card), atr,
			sizeof(atr));
	g_assert_true(cr_frontend_slot_get_route(CR_FRONTEND_SLOT(f->fe)) == route);
	g_assert_cmpuint(f->events[CR_EVENT_ROUTE_ADDED], ==, 1);

	submit(f);
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_no_error(f->fe->last_error);
	assert_response(f, 0x90, 0x00);
	g_assert_cmphex(f->fe->last_response->data[0], ==, 0xA4);
	g_assert_cmpuint(cr_route_get_stats(route)->transactions, ==, 1);
	g_assert_cmpuint(f->events[CR_EVENT_TRANSACTION], ==, 1);

	g_assert_true(cr_router_remove_route(f->router, "r1", NULL));
	g_assert_null(f->fe->card);
	g_assert_cmpuint(f->fe->route_changes, ==, 2);
	g_assert_cmpuint(f->events[CR_EVENT_ROUTE_REMOVED], ==, 1);

	submit(f);
	g_assert_cmpuint(f->fe->done_count, ==, 2);
	g_assert_null(f->fe->last_response);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_NO_ROUTE);
	g_assert_cmpuint(f->events[CR_EVENT_TRANSACTION], ==, 2);
}

static void
test_route_conflicts(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	g_assert_null(cr_router_add_route(f->router, "r2", "fe", "be", NULL, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_null(cr_router_add_route(f->router, "r2", "nope", "be", NULL, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(cr_router_remove_route(f->router, "nope", &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

static void
test_timeout(Fixture *f, gconstpointer data)
{
	CrRoute *route = make_route(f, CR_LOSS_POLICY_ERROR, 20);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	g_assert_true(cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(f->fe)));
	wait_done(f, 1);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_TIMEOUT);
	assert_response(f, 0x6F, 0x00);
	g_assert_cmpuint(f->be->cancels, ==, 1);
	g_assert_null(f->be->pending);
	g_assert_cmpuint(cr_route_get_stats(route)->timeouts, ==, 1);
	g_assert_cmpuint(cr_route_get_stats(route)->errors, ==, 1);
	/* the slot serves the next command */
	f->be->mode = TEST_BACKEND_ANSWER_NOW;
	submit(f);
	g_assert_cmpuint(f->fe->done_count, ==, 2);
	g_assert_no_error(f->fe->last_error);
}

static void
test_late_answer(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	g_assert_cmpuint(f->fe->done_count, ==, 0);
	test_backend_answer(f->be);
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_no_error(f->fe->last_error);
	assert_response(f, 0x90, 0x00);
}

static void
test_busy(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	submit(f);
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_BUSY);
	test_backend_answer(f->be);
	g_assert_cmpuint(f->fe->done_count, ==, 2);
	g_assert_no_error(f->fe->last_error);
}

static void
test_invalid_command(Fixture *f, gconstpointer data)
{
	const guint8 short_cmd[] = {0x00, 0xA4};
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(f->fe), short_cmd, sizeof(short_cmd));
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_INVALID);
	g_assert_cmpuint(f->be->transmits, ==, 0);
}

static void
test_loss_error(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	cr_backend_slot_set_state(CR_BACKEND_SLOT(f->be), CR_SLOT_STATE_EMPTY, NULL);
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	assert_response(f, 0x6F, 0x00);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_NO_CARD);
	g_assert_cmpuint(f->be->cancels, ==, 1);
	/* the terminal keeps its card and gets the status word */
	g_assert_nonnull(f->fe->card);
	submit(f);
	g_assert_cmpuint(f->fe->done_count, ==, 2);
	assert_response(f, 0x6F, 0x00);
}

static void
test_loss_error_custom_sw(Fixture *f, gconstpointer data)
{
	CrRoutePolicy policy = CR_ROUTE_POLICY_INIT;
	policy.error_sw = 0x6A82;
	g_assert_nonnull(cr_router_add_route(f->router, "r1", "fe", "be", &policy, NULL));
	cr_backend_slot_set_state(CR_BACKEND_SLOT(f->be), CR_SLOT_STATE_DOWN, NULL);
	submit(f);
	assert_response(f, 0x6A, 0x82);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_BACKEND_GONE);
}

static void
test_loss_remove_card(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_REMOVE_CARD, 1000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	cr_backend_slot_set_state(CR_BACKEND_SLOT(f->be), CR_SLOT_STATE_EMPTY, NULL);
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_null(f->fe->last_response);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_NO_CARD);
	g_assert_null(f->fe->card);
	/* card back: the terminal is told */
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), atr, sizeof(atr));
	g_assert_nonnull(f->fe->card);
	f->be->mode = TEST_BACKEND_ANSWER_NOW;
	submit(f);
	g_assert_no_error(f->fe->last_error);
}

static void
test_loss_remove_card_on_failure(Fixture *f, gconstpointer data)
{
	guint changes;
	make_route(f, CR_LOSS_POLICY_REMOVE_CARD, 1000);
	changes = f->fe->card_changes;
	f->be->mode = TEST_BACKEND_FAIL_NOW;
	submit(f);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_CARD);
	g_assert_null(f->fe->last_response);
	/* removed, then back after the cold reset the core asked for */
	g_assert_cmpuint(f->be->resets, ==, 1);
	g_assert_cmpuint(f->fe->card_changes, ==, changes + 2);
	g_assert_nonnull(f->fe->card);
}

static void
test_loss_remove_card_resubmit(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_REMOVE_CARD, 1000);
	f->be->mode = TEST_BACKEND_FAIL_NOW;
	f->be->reset_reports_card = FALSE;
	f->fe->resubmit = TRUE;
	submit(f);
	/* the command submitted from the callback never reached the failed card */
	g_assert_cmpuint(f->fe->done_count, ==, 2);
	g_assert_cmpuint(f->be->transmits, ==, 1);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_NO_CARD);
	g_assert_null(f->fe->card);
	g_assert_cmpuint(f->be->resets, ==, 1);
	/* the reset brings the card back */
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), atr, sizeof(atr));
	g_assert_nonnull(f->fe->card);
	f->be->mode = TEST_BACKEND_ANSWER_NOW;
	submit(f);
	g_assert_no_error(f->fe->last_error);
}

static void
test_loss_hold(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_HOLD, 5000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	cr_backend_slot_set_state(CR_BACKEND_SLOT(f->be), CR_SLOT_STATE_DOWN, NULL);
	g_assert_cmpuint(f->fe->done_count, ==, 0);
	g_assert_true(cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(f->fe)));
	g_assert_nonnull(f->fe->card);
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), atr, sizeof(atr));
	g_assert_cmpuint(f->be->transmits, ==, 2);
	test_backend_answer(f->be);
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_no_error(f->fe->last_error);
	assert_response(f, 0x90, 0x00);
}

static void
test_loss_hold_timeout(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_HOLD, 20);
	cr_backend_slot_set_state(CR_BACKEND_SLOT(f->be), CR_SLOT_STATE_DOWN, NULL);
	submit(f);
	g_assert_cmpuint(f->fe->done_count, ==, 0);
	wait_done(f, 1);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_TIMEOUT);
	assert_response(f, 0x6F, 0x00);
}

static void
test_backend_failure_error_policy(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	f->be->mode = TEST_BACKEND_FAIL_NOW;
	submit(f);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_CARD);
	assert_response(f, 0x6F, 0x00);
}

static void
test_remove_route_in_flight(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_HOLD, 1000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	g_assert_true(cr_router_remove_route(f->router, "r1", NULL));
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_CANCELLED);
	g_assert_null(f->fe->last_response);
	g_assert_cmpuint(f->be->cancels, ==, 1);
	g_assert_null(f->fe->card);
	g_assert_false(cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(f->fe)));
	/* every outcome was an event */
	g_assert_cmpuint(f->events[CR_EVENT_TRANSACTION], ==, 1);
}

static void
test_terminal_reset(Fixture *f, gconstpointer data)
{
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(f->fe), CR_RESET_WARM);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_CANCELLED);
	g_assert_cmpuint(f->be->cancels, ==, 1);
	g_assert_cmpuint(f->be->resets, ==, 1);
	g_assert_cmpuint(f->events[CR_EVENT_RESET], ==, 1);
	cr_frontend_slot_power_off(CR_FRONTEND_SLOT(f->fe));
	g_assert_cmpuint(f->be->power_offs, ==, 1);
	g_assert_cmpuint(f->events[CR_EVENT_POWER_OFF], ==, 1);
}

static void
test_terminal_reset_ignored(Fixture *f, gconstpointer data)
{
	CrRoutePolicy policy = CR_ROUTE_POLICY_INIT;
	policy.forward_reset = FALSE;
	g_assert_nonnull(cr_router_add_route(f->router, "r1", "fe", "be", &policy, NULL));
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(f->fe), CR_RESET_COLD);
	g_assert_cmpuint(f->be->resets, ==, 0);
	g_assert_cmpuint(f->events[CR_EVENT_RESET], ==, 1);
}

static void
on_shutdown(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

static void
test_shutdown_waits(Fixture *f, gconstpointer data)
{
	gboolean done = FALSE;
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	cr_router_shutdown(f->router, 60000, G_CALLBACK(on_shutdown), &done);
	g_assert_false(done);
	test_backend_answer(f->be);
	g_assert_true(done);
	g_assert_no_error(f->fe->last_error);
	/* nothing new is accepted */
	submit(f);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_CANCELLED);
}

static void
test_shutdown_grace(Fixture *f, gconstpointer data)
{
	gboolean done = FALSE;
	make_route(f, CR_LOSS_POLICY_ERROR, 0);
	f->be->mode = TEST_BACKEND_ANSWER_LATER;
	submit(f);
	cr_router_shutdown(f->router, 10, G_CALLBACK(on_shutdown), &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(f->fe->done_count, ==, 1);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_CANCELLED);
}

static void
direct_done(CrTransaction *tx, gpointer user_data)
{
	(*(guint *)user_data)++;
}

static void
test_direct_transmit(Fixture *f, gconstpointer data)
{
	guint calls = 0;
	g_autoptr(CrTransaction) tx =
		cr_transaction_new(select_mf, sizeof(select_mf), direct_done, &calls);
	gsize len;
	cr_backend_slot_transmit(CR_BACKEND_SLOT(f->be), tx);
	g_assert_cmpuint(calls, ==, 1);
	g_assert_nonnull(cr_transaction_get_response(tx, &len));
	g_assert_cmpuint(len, ==, 3);
	/* the debugging shell's transactions are events too */
	g_assert_cmpuint(f->events[CR_EVENT_TRANSACTION], ==, 1);
	/* a routed backend is not for the debugging shell */
	make_route(f, CR_LOSS_POLICY_ERROR, 1000);
	cr_transaction_reset(tx, select_mf, sizeof(select_mf));
	cr_backend_slot_transmit(CR_BACKEND_SLOT(f->be), tx);
	g_assert_cmpuint(calls, ==, 2);
	g_assert_error((GError *)cr_transaction_get_error(tx), CR_ERROR, CR_ERROR_BUSY);
}

static void
test_stats_percentiles(void)
{
	CrStats s = {0};
	for (gint i = 1; i <= 100; i++)
		cr_stats_record(&s, i, FALSE);
	g_assert_cmpint(cr_stats_percentile(&s, 0.5), >=, 50);
	g_assert_cmpint(cr_stats_percentile(&s, 0.5), <=, 60);
	g_assert_cmpint(cr_stats_percentile(&s, 0.99), >=, 99);
	g_assert_cmpint(cr_stats_percentile(&s, 0.99), <=, 120);
	for (guint i = 1; i < CR_STATS_BUCKETS; i++)
		g_assert_cmpint(cr_stats_bucket_upper_us(i), >, cr_stats_bucket_upper_us(i - 1));
	cr_stats_clear(&s);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/engine/route-lifecycle", test_route_lifecycle);
	ADD("/engine/route-conflicts", test_route_conflicts);
	ADD("/engine/timeout", test_timeout);
	ADD("/engine/late-answer", test_late_answer);
	ADD("/engine/busy", test_busy);
	ADD("/engine/invalid-command", test_invalid_command);
	ADD("/engine/loss/error", test_loss_error);
	ADD("/engine/loss/error-custom-sw", test_loss_error_custom_sw);
	ADD("/engine/loss/remove-card", test_loss_remove_card);
	ADD("/engine/loss/remove-card-on-failure", test_loss_remove_card_on_failure);
	ADD("/engine/loss/remove-card-resubmit", test_loss_remove_card_resubmit);
	ADD("/engine/loss/hold", test_loss_hold);
	ADD("/engine/loss/hold-timeout", test_loss_hold_timeout);
	ADD("/engine/backend-failure", test_backend_failure_error_policy);
	ADD("/engine/remove-route-in-flight", test_remove_route_in_flight);
	ADD("/engine/terminal-reset", test_terminal_reset);
	ADD("/engine/terminal-reset-ignored", test_terminal_reset_ignored);
	ADD("/engine/shutdown-waits", test_shutdown_waits);
	ADD("/engine/shutdown-grace", test_shutdown_grace);
	ADD("/engine/direct-transmit", test_direct_transmit);
	g_test_add_func("/engine/stats-percentiles", test_stats_percentiles);
	return g_test_run();
}
