// SPDX-License-Identifier: GPL-2.0-or-later
/* The helper script runner shared by backend-remote and frontend-simtrace2
 * (see event-script.h). */
#include "event-script.h"

#include <gio/gio.h>
#include <signal.h>
#include <unistd.h>

#define QUEUE_MAX 32
#define QUEUE_MERGE 4 /* from this many waiting runs on, a repeated cause is merged */

/* what upstream passes on from the daemon's own environment (libosmocore's
 * whitelist, as far as it concerns a shell script) */
static const gchar *const passed_env[] = {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TMPDIR", "PWD", "TZ", "TZDIR",
        "LANG", "LC_ALL", "LC_COLLATE", "LC_CTYPE", "LC_MESSAGES", "LC_MONETARY",
        "LC_NUMERIC", "LC_TIME", "LD_LIBRARY_PATH", NULL,
};

typedef struct {
	gchar *cause;
	GStrv env;
} Run;

struct _EventScript {
	gchar *owner;
	gchar *command;
	guint timeout_ms;
	GQueue queue; /* of Run */

	GSubprocess *proc; /* the running one */
	Run *current;
	GCancellable *cancel;
	gint64 started_at;
	guint timer;
	gboolean timed_out;

	guint64 started, failed, killed, merged;
};

static void run_next(EventScript *self);

static void
run_free(Run *run)
{
	g_free(run->cause);
	g_strfreev(run->env);
	g_free(run);
}

static void
child_setup(gpointer user_data)
{
	(void)user_data;
	/* its own process group: the time limit kills the shell and its children */
	setpgid(0, 0);
}

static gboolean
timeout_cb(gpointer user_data)
{
	EventScript *self = user_data;
	const gchar *id = g_subprocess_get_identifier(self->proc);

	self->timer = 0;
	self->timed_out = TRUE;
	if (id != NULL) {
		pid_t pid = (pid_t)g_ascii_strtoll(id, NULL, 10);
		if (pid > 0)
			kill(-pid, SIGKILL);
	}
	g_subprocess_force_exit(self->proc);
	return G_SOURCE_REMOVE;
}

static void
finished_cb(GObject *obj, GAsyncResult *res, gpointer user_data)
{
	EventScript *self = user_data;
	GSubprocess *proc = G_SUBPROCESS(obj);
	g_autoptr(GError) error = NULL;
	gint64 ms;

	if (!g_subprocess_wait_finish(proc, res, &error) &&
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_object_unref(proc);
		return; /* freed meanwhile: self is gone */
	}
	ms = (g_get_monotonic_time() - self->started_at) / 1000;
	g_clear_handle_id(&self->timer, g_source_remove);
	if (self->timed_out) {
		self->killed++;
		self->failed++;
		g_warning("%s: event script '%s %s' killed after its time limit of %u ms",
		          self->owner, self->command, self->current->cause, self->timeout_ms);
	} else if (g_subprocess_get_if_exited(proc)) {
		gint status = g_subprocess_get_exit_status(proc);
		if (status != 0)
			self->failed++;
		g_message("%s: event script '%s %s' exited with status %d (%" G_GINT64_FORMAT " ms)",
		          self->owner, self->command, self->current->cause, status, ms);
	} else {
		self->failed++;
		g_message("%s: event script '%s %s' ended by signal %d (%" G_GINT64_FORMAT " ms)",
		          self->owner, self->command, self->current->cause,
		          g_subprocess_get_term_sig(proc), ms);
	}
	g_clear_object(&self->proc);
	g_clear_pointer(&self->current, run_free);
	g_object_unref(proc);
	run_next(self);
}

static void
run_next(EventScript *self)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;
	Run *run;

	while (self->proc == NULL && (run = g_queue_pop_head(&self->queue)) != NULL) {
		launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
		g_subprocess_launcher_set_environ(launcher, NULL);
		for (guint i = 0; passed_env[i] != NULL; i++) {
			const gchar *v = g_getenv(passed_env[i]);
			if (v != NULL)
				g_subprocess_launcher_setenv(launcher, passed_env[i], v, TRUE);
		}
		for (guint i = 0; run->env != NULL && run->env[i] != NULL; i++) {
			g_auto(GStrv) kv = g_strsplit(run->env[i], "=", 2);
			if (kv[0] != NULL && kv[1] != NULL)
				g_subprocess_launcher_setenv(launcher, kv[0], kv[1], TRUE);
		}
		g_subprocess_launcher_setenv(launcher, "REMSIM_CAUSE", run->cause, TRUE);
		g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
		g_free(line);
		line = g_strdup_printf("%s %s", self->command, run->cause);
		self->proc = g_subprocess_launcher_spawn(launcher, &error, "/bin/sh", "-c", line,
		                                         NULL);
		g_clear_object(&launcher);
		if (self->proc == NULL) {
			self->failed++;
			g_warning("%s: event script '%s': %s", self->owner, line, error->message);
			g_clear_error(&error);
			run_free(run);
			continue;
		}
		self->current = run;
		self->started++;
		self->timed_out = FALSE;
		self->started_at = g_get_monotonic_time();
		g_debug("%s: event script '%s' started", self->owner, line);
		if (self->timeout_ms > 0)
			self->timer = g_timeout_add(self->timeout_ms, timeout_cb, self);
		g_subprocess_wait_async(self->proc, self->cancel, finished_cb, self);
		g_object_ref(self->proc); /* finished_cb's */
	}
}

void
event_script_run(EventScript *self, const gchar *cause, const gchar *const *env)
{
	Run *run = g_new0(Run, 1);
	Run *last = g_queue_peek_tail(&self->queue);

	run->cause = g_strdup(cause);
	run->env = g_strdupv((gchar **)env);
	if (last != NULL && g_queue_get_length(&self->queue) >= QUEUE_MERGE &&
	    g_str_equal(last->cause, cause)) {
		/* the same cause again before the first ran: the newer state wins */
		run_free(g_queue_pop_tail(&self->queue));
		self->merged++;
	} else if (g_queue_get_length(&self->queue) >= QUEUE_MAX) {
		run_free(g_queue_pop_head(&self->queue));
		self->merged++;
		g_message("%s: event script falls behind: the oldest queued run was dropped",
		          self->owner);
	}
	g_queue_push_tail(&self->queue, run);
	run_next(self);
}

EventScript *
event_script_new(const gchar *owner, const gchar *command, guint timeout_ms)
{
	EventScript *self = g_new0(EventScript, 1);
	self->owner = g_strdup(owner);
	self->command = g_strdup(command);
	self->timeout_ms = timeout_ms;
	self->cancel = g_cancellable_new();
	g_queue_init(&self->queue);
	return self;
}

void
event_script_free(EventScript *self)
{
	if (self == NULL)
		return;
	g_cancellable_cancel(self->cancel);
	if (self->proc != NULL) {
		const gchar *id = g_subprocess_get_identifier(self->proc);
		pid_t pid = id != NULL ? (pid_t)g_ascii_strtoll(id, NULL, 10) : 0;
		g_message("%s: event script '%s %s' killed: the instance stops", self->owner,
		          self->command, self->current->cause);
		if (pid > 0)
			kill(-pid, SIGKILL);
		g_subprocess_force_exit(self->proc);
		g_clear_object(&self->proc);
	}
	g_clear_handle_id(&self->timer, g_source_remove);
	g_clear_pointer(&self->current, run_free);
	g_queue_clear_full(&self->queue, (GDestroyNotify)run_free);
	g_object_unref(self->cancel);
	g_free(self->owner);
	g_free(self->command);
	g_free(self);
}

guint64
event_script_get_started(EventScript *self)
{
	return self->started;
}

guint64
event_script_get_failed(EventScript *self)
{
	return self->failed;
}

guint64
event_script_get_killed(EventScript *self)
{
	return self->killed;
}

guint64
event_script_get_merged(EventScript *self)
{
	return self->merged;
}
