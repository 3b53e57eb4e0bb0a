// SPDX-License-Identifier: GPL-2.0-or-later
/* cardrouted: the daemon. */
#define G_LOG_DOMAIN "cardroute"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cardroute/cardroute.h"
#include "cr-daemon.h"
#include "cr-log.h"
#include "cr-notify.h"
#include "cr-sighup.h"

typedef struct {
	GMainLoop *loop;
	CrRouter *router;
	CrControl *control;
	guint grace_ms;
	gint signals;
	/* Signals are handled from the first line of main(); until the router
	 * and the control plane have started they are only noted, and acted on
	 * once the main loop runs (the orderly path, or the reload). */
	gboolean started;
	gboolean stop_pending;
	gboolean reload_pending;
} Daemon;

static void
shutdown_done(gpointer user_data)
{
	Daemon *d = user_data;
	g_message("all transactions finished; exiting");
	g_main_loop_quit(d->loop);
}

static void
begin_shutdown(Daemon *d)
{
	g_message("signal received: shutting down");
	cr_notify_stopping();
	/* no new requests; routes removed by the shutdown stay stored */
	cr_control_stop(d->control);
	cr_router_shutdown(d->router, d->grace_ms, G_CALLBACK(shutdown_done), d);
}

static gboolean
on_signal(gpointer user_data)
{
	Daemon *d = user_data;
	if (!d->started) {
		d->stop_pending = TRUE;
		return G_SOURCE_CONTINUE;
	}
	if (d->signals++ > 0) {
		g_message("second signal: exiting now");
		g_main_loop_quit(d->loop);
		return G_SOURCE_CONTINUE;
	}
	begin_shutdown(d);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_sighup(gpointer user_data)
{
	Daemon *d = user_data;
	if (!d->started)
		d->reload_pending = TRUE;
	else
		cr_daemon_reload(d->router);
	return G_SOURCE_CONTINUE;
}

/* Runs first thing in the loop: what was signalled during start-up. A stop
 * wins over a reload. */
static gboolean
apply_pending_signals(gpointer user_data)
{
	Daemon *d = user_data;
	if (d->stop_pending) {
		g_message("a stop was requested during start-up");
		d->signals++;
		begin_shutdown(d);
	} else if (d->reload_pending) {
		g_message("a reload was requested during start-up");
		cr_daemon_reload(d->router);
	}
	return G_SOURCE_REMOVE;
}

/* A service manager or a test may start us with these blocked; we handle
 * them, so they must reach us. */
static void
unblock_handled_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void
print_summary(CrRouter *router, const gchar *path)
{
	GPtrArray *instances = cr_router_get_instances(router);
	GPtrArray *routes = cr_router_get_routes(router);
	g_print("config %s is valid\n", path);
	g_print("plugin directory: %s\n", cr_router_get_plugin_dir(router));
	for (guint i = 0; i < instances->len; i++) {
		CrInstance *inst = instances->pdata[i];
		GPtrArray *fs = cr_instance_get_frontend_slots(inst);
		GPtrArray *bs = cr_instance_get_backend_slots(inst);
		g_print("%s:%s (plugin %s)", cr_plugin_kind_to_string(cr_instance_get_kind(inst)),
			cr_instance_get_name(inst), cr_instance_get_plugin_name(inst));
		for (guint j = 0; j < fs->len && j < 8; j++)
			g_print("%s frontend slot %s", j == 0 ? ":" : ",",
				cr_frontend_slot_get_name(fs->pdata[j]));
		if (fs->len > 8)
			g_print(" ... (%u frontend slots)", fs->len);
		for (guint j = 0; j < bs->len && j < 8; j++)
			g_print("%s backend slot %s", j == 0 ? ":" : ",",
				cr_backend_slot_get_name(bs->pdata[j]));
		if (bs->len > 8)
			g_print(" ... (%u backend slots)", bs->len);
		g_print("\n");
	}
	for (guint i = 0; i < routes->len; i++) {
		CrRoute *r = routes->pdata[i];
		const CrRoutePolicy *p = cr_route_get_policy(r);
		g_print("route:%s %s -> %s (timeout %u ms, on-backend-loss %s, error-sw %04X, "
			"reset %s, offer-card %s)\n",
			cr_route_get_name(r), cr_frontend_slot_get_name(cr_route_get_frontend(r)),
			cr_backend_slot_get_name(cr_route_get_backend(r)), p->timeout_ms,
			cr_loss_policy_to_string(p->on_backend_loss), p->error_sw,
			p->forward_reset ? "forward" : "ignore",
			cr_offer_card_to_string(p->offer_card));
	}
}

static gboolean
running_from_build_tree(void)
{
	g_autofree gchar *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree gchar *dir = exe != NULL ? g_path_get_dirname(exe) : NULL;
	return dir != NULL && g_strcmp0(dir, CR_BUILD_CORE_DIR) == 0;
}

/* When run from the build tree, plugins are found there too. */
static gchar *
default_plugin_dir(void)
{
	if (running_from_build_tree())
		return g_strdup(CR_BUILD_PLUGIN_DIR);
	return g_strdup(CR_PLUGIN_DIR);
}

/* Run from the build tree (tests, make run), routes made at run time are not
 * stored unless state-dir says where: tests never share a state file. */
static const gchar *
default_state_dir(void)
{
	return running_from_build_tree() ? "" : CR_STATE_DIR;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *config = NULL;
	g_autofree gchar *check = NULL;
	g_autofree gchar *plugin_dir = NULL;
	g_autofree gchar *debug = NULL;
	gboolean version = FALSE;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(CrControl) control = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	gint64 grace = 0;
	Daemon d = {0};
	const GOptionEntry entries[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
		 "Configuration file (default " CR_DEFAULT_CONFIG ")", "FILE"},
		{"check-config", 0, 0, G_OPTION_ARG_FILENAME, &check,
		 "Validate FILE, print what would run, and exit (0 valid, 1 not)", "FILE"},
		{"plugin-dir", 'p', 0, G_OPTION_ARG_FILENAME, &plugin_dir,
		 "Plugin directories, separated by ':'", "DIRS"},
		{"debug", 'd', 0, G_OPTION_ARG_STRING, &debug,
		 "Debug output for log domains (comma separated, or 'all')", "DOMAINS"},
		{"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit",
		 NULL},
		{NULL},
	};

	/* before anything else: a SIGTERM at any moment of start-up takes the
	 * orderly path once the loop runs */
	g_unix_signal_add(SIGINT, on_signal, &d);
	g_unix_signal_add(SIGTERM, on_signal, &d);
	g_unix_signal_add(SIGHUP, on_sighup, &d);
	unblock_handled_signals();
	setlocale(LC_ALL, "");
	ctx = g_option_context_new("- route smart-card APDUs between terminals and cards");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("cardrouted: %s\n", error->message);
		return 1;
	}
	if (version) {
		g_print("cardrouted %s (plugin ABI %d)\n", CR_VERSION, CR_PLUGIN_ABI_VERSION);
		return 0;
	}
	cr_log_setup(debug, NULL);
	signal(SIGPIPE, SIG_IGN);

	router = cr_router_new();
	d.router = router;
	cr_log_set_router(router);
	if (plugin_dir == NULL)
		plugin_dir = default_plugin_dir();
	cr_router_set_plugin_dir(router, plugin_dir);
	if (check != NULL) {
		if (!cr_daemon_load(router, check, default_state_dir(), &grace, &control, &error)) {
			g_printerr("cardrouted: %s\n", error->message);
			return 1;
		}
		print_summary(router, check);
		return 0;
	}
	if (config == NULL)
		config = g_strdup(CR_DEFAULT_CONFIG);
	if (!cr_daemon_load(router, config, default_state_dir(), &grace, &control, &error)) {
		g_printerr("cardrouted: %s\n", error->message);
		return 1;
	}
	if (!cr_router_start(router, &error)) {
		g_printerr("cardrouted: %s\n", error->message);
		return 1;
	}
	if (!cr_control_start(control, &error)) {
		g_printerr("cardrouted: %s\n", error->message);
		return 1;
	}
	loop = g_main_loop_new(NULL, FALSE);
	d.loop = loop;
	d.control = control;
	d.grace_ms = (guint)grace;
	d.started = TRUE;
	if (d.stop_pending || d.reload_pending)
		g_idle_add_full(G_PRIORITY_HIGH, apply_pending_signals, &d, NULL);
	g_message("cardrouted %s running with %s (pid %d)", CR_VERSION, config, (int)getpid());
	cr_notify_ready(NULL);
	g_main_loop_run(loop);
	cr_control_stop(control);
	return 0;
}
