// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reactor's timers: 10,000 of them in deadline order (ties in the order
 * of arming), cancelled and re-armed; a timer cancelling another due at the
 * same time and re-arming itself from inside its callback.
 */
#include <cardroute/cardroute.h>

#define WAIT_S 10
#define N_TIMERS 10000

typedef struct {
	CrTimer timer;
	gint64 deadline;
	guint fired;
	gboolean cancelled;
	guint id;
} TestTimer;

typedef struct {
	TestTimer *timers;
	GArray *order; /* guint ids as fired */
	guint left;
	gboolean done;
} TimerRun;

static TimerRun *current_run;

static void
timer_fired(CrTimer *timer, gpointer user_data)
{
	TestTimer *t = user_data;

	g_assert_false(cr_timer_is_armed(timer));
	g_assert_cmpint(g_get_monotonic_time(), >=, t->deadline);
	t->fired++;
	g_array_append_val(current_run->order, t->id);
	if (--current_run->left == 0)
		current_run->done = TRUE;
}

static void
test_timers(void)
{
	TimerRun run = {0};
	CrReactor *reactor = cr_reactor_get_default();
	gint64 now = g_get_monotonic_time();
	GRand *rand = g_rand_new_with_seed(14);
	guint expected = 0;
	guint base = cr_reactor_get_n_timers(reactor);

	run.timers = g_new0(TestTimer, N_TIMERS);
	run.order = g_array_new(FALSE, FALSE, sizeof(guint));
	current_run = &run;
	for (guint i = 0; i < N_TIMERS; i++) {
		TestTimer *t = &run.timers[i];

		t->id = i;
		cr_timer_init(&t->timer, reactor, timer_fired, t);
		g_assert_false(cr_timer_is_armed(&t->timer));
		/* many ties: 0..199 ms in whole milliseconds */
		t->deadline = now + 20000 + (gint64)g_rand_int_range(rand, 0, 200) * 1000;
		cr_timer_arm_at(&t->timer, t->deadline);
	}
	g_assert_cmpuint(cr_reactor_get_n_timers(reactor), ==, base + N_TIMERS);
	for (guint i = 0; i < N_TIMERS; i++) {
		TestTimer *t = &run.timers[i];

		if (i % 3 == 0) {
			cr_timer_cancel(&t->timer);
			cr_timer_cancel(&t->timer); /* twice is fine */
			t->cancelled = TRUE;
			g_assert_cmpint(cr_timer_get_deadline(&t->timer), ==, -1);
		} else if (i % 5 == 0) {
			/* re-armed, later or earlier */
			t->deadline += (gint64)g_rand_int_range(rand, -19, 100) * 1000;
			cr_timer_arm_at(&t->timer, t->deadline);
			expected++;
		} else {
			expected++;
		}
	}
	g_assert_cmpuint(cr_reactor_get_n_timers(reactor), ==, base + expected);
	run.left = expected;
	while (!run.done) {
		g_assert_cmpint(g_get_monotonic_time(), <, now + WAIT_S * G_USEC_PER_SEC);
		g_main_context_iteration(NULL, TRUE);
	}
	g_assert_cmpuint(run.order->len, ==, expected);
	g_assert_cmpuint(cr_reactor_get_n_timers(reactor), ==, base);
	for (guint i = 1; i < run.order->len; i++) {
		TestTimer *prev = &run.timers[g_array_index(run.order, guint, i - 1)];
		TestTimer *t = &run.timers[g_array_index(run.order, guint, i)];

		/* deadline order; ties keep the order of arming */
		g_assert_cmpint(prev->deadline, <=, t->deadline);
	}
	for (guint i = 0; i < N_TIMERS; i++)
		g_assert_cmpuint(run.timers[i].fired, ==, run.timers[i].cancelled ? 0 : 1);
	current_run = NULL;
	g_array_unref(run.order);
	g_free(run.timers);
	g_rand_free(rand);
}

typedef struct {
	CrTimer a, b;
	guint a_fired, b_fired;
	GString *log;
} TieTimers;

static void
tie_a(CrTimer *timer, gpointer user_data)
{
	TieTimers *t = user_data;

	g_string_append_c(t->log, 'a');
	/* cancel the other one, due at the same time, from inside a callback */
	cr_timer_cancel(&t->b);
	/* re-arm self in the past: runs on a later dispatch, not in this loop */
	if (++t->a_fired < 3)
		cr_timer_arm_at(timer, 0);
}

static void
tie_b(CrTimer *timer, gpointer user_data)
{
	TieTimers *t = user_data;

	g_string_append_c(t->log, 'b');
	t->b_fired++;
}

static void
test_timer_rearm_in_callback(void)
{
	TieTimers t = {0};
	gint64 when = g_get_monotonic_time() + 1000;

	t.log = g_string_new(NULL);
	cr_timer_init(&t.a, NULL, tie_a, &t);
	cr_timer_init(&t.b, NULL, tie_b, &t);
	cr_timer_arm_at(&t.a, when);
	cr_timer_arm_at(&t.b, when);
	while (t.a_fired < 3)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpstr(t.log->str, ==, "aaa");
	g_assert_false(cr_timer_is_armed(&t.a));
	g_assert_false(cr_timer_is_armed(&t.b));
	g_string_free(t.log, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/reactor/timers/ten-thousand", test_timers);
	g_test_add_func("/reactor/timers/rearm-in-callback", test_timer_rearm_in_callback);
	return g_test_run();
}
