// SPDX-License-Identifier: GPL-2.0-or-later
/* cardrouted's log writer: journald with fields, or plain lines on stderr. */
#define G_LOG_DOMAIN "cardroute"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cr-log.h"

const gchar *const cr_log_level_names[] = {"error", "warning", "message", "info", "debug", NULL};

static const GLogLevelFlags level_flags[] = {
        G_LOG_LEVEL_CRITICAL, /* "error": errors and criticals */
        G_LOG_LEVEL_WARNING,  G_LOG_LEVEL_MESSAGE, G_LOG_LEVEL_INFO, G_LOG_LEVEL_DEBUG,
};

static struct {
	GLogLevelFlags threshold; /* the most verbose level shown */
	gchar **debug_domains;
	gboolean debug_all;
	gboolean journal;
	gboolean installed;
	GWeakRef router;
	GThread *router_thread;
} log_state = {.threshold = G_LOG_LEVEL_MESSAGE};

gboolean
cr_log_fd_is_journal(gint fd)
{
	const gchar *js = g_getenv("JOURNAL_STREAM");
	struct stat st;
	guint64 dev, ino;
	gchar *end = NULL;
	if (js == NULL || fstat(fd, &st) != 0)
		return FALSE;
	dev = g_ascii_strtoull(js, &end, 10);
	if (end == js || *end != ':')
		return FALSE;
	js = end + 1;
	ino = g_ascii_strtoull(js, &end, 10);
	if (end == js || *end != '\0')
		return FALSE;
	return (guint64)st.st_dev == dev && (guint64)st.st_ino == ino;
}

/* The most severe level in @level (ERROR < CRITICAL < ... < DEBUG as bits). */
static GLogLevelFlags
severity(GLogLevelFlags level)
{
	guint bits = level & G_LOG_LEVEL_MASK;
	if (bits == 0)
		return G_LOG_LEVEL_MESSAGE;
	return (GLogLevelFlags)(bits & (~bits + 1));
}

gboolean
cr_log_wants(GLogLevelFlags level, const gchar *domain)
{
	GLogLevelFlags s = severity(level);
	if (s <= log_state.threshold)
		return TRUE;
	if (log_state.debug_all)
		return TRUE;
	if (domain != NULL && log_state.debug_domains != NULL)
		return g_strv_contains((const gchar *const *)log_state.debug_domains, domain);
	return FALSE;
}

static const gchar *
level_name(GLogLevelFlags s)
{
	switch (s) {
	case G_LOG_LEVEL_ERROR:
		return "error";
	case G_LOG_LEVEL_CRITICAL:
		return "critical";
	case G_LOG_LEVEL_WARNING:
		return "warning";
	case G_LOG_LEVEL_MESSAGE:
		return "message";
	case G_LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void
field_strings(const GLogField *fields, gsize n, const gchar **domain, const gchar **message)
{
	for (gsize i = 0; i < n; i++) {
		if (fields[i].length >= 0)
			continue; /* binary value: not ours */
		if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
			*domain = fields[i].value;
		else if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			*message = fields[i].value;
	}
}

static GLogWriterOutput
write_plain(GLogLevelFlags level, const gchar *domain, const gchar *message)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *stamp = g_date_time_format(now, "%H:%M:%S");
	fprintf(stderr, "%s.%03d %s %s: %s\n", stamp, g_date_time_get_microsecond(now) / 1000,
	        level_name(severity(level)), domain != NULL ? domain : "cardroute",
	        message != NULL ? message : "");
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

void
cr_log_set_router(CrRouter *router)
{
	g_weak_ref_set(&log_state.router, router);
	log_state.router_thread = g_thread_self();
}

/* CR_SLOT=NAME or CR_ROUTE=NAME for a message "NAME: ..." about one of them. */
static const gchar *
object_field(const gchar *message, gchar **name_out)
{
	g_autoptr(CrRouter) router = NULL;
	const gchar *colon;
	g_autofree gchar *name = NULL;
	if (message == NULL || g_thread_self() != log_state.router_thread)
		return NULL;
	colon = strstr(message, ": ");
	if (colon == NULL || colon == message || colon - message > 128)
		return NULL;
	router = g_weak_ref_get(&log_state.router);
	if (router == NULL)
		return NULL;
	name = g_strndup(message, (gsize)(colon - message));
	if (cr_router_lookup_route(router, name) != NULL) {
		*name_out = g_steal_pointer(&name);
		return "CR_ROUTE";
	}
	if (cr_router_lookup_frontend(router, name) != NULL ||
	    cr_router_lookup_backend(router, name) != NULL) {
		*name_out = g_steal_pointer(&name);
		return "CR_SLOT";
	}
	return NULL;
}

static GLogWriterOutput
write_journal(GLogLevelFlags level, const GLogField *fields, gsize n, const gchar *domain,
              const gchar *message)
{
	g_autofree GLogField *all = g_new0(GLogField, n + 3);
	g_autofree gchar *object = NULL;
	const gchar *key;
	gsize k = n;
	gboolean has_ident = FALSE;
	memcpy(all, fields, n * sizeof(GLogField));
	for (gsize i = 0; i < n; i++)
		if (g_strcmp0(fields[i].key, "SYSLOG_IDENTIFIER") == 0)
			has_ident = TRUE;
	if (!has_ident)
		all[k++] = (GLogField){"SYSLOG_IDENTIFIER", "cardrouted", -1};
	/* every plugin logs under its own domain; the core's is "cardroute" */
	if (domain != NULL && g_strcmp0(domain, "cardroute") != 0)
		all[k++] = (GLogField){"CR_PLUGIN", domain, -1};
	key = object_field(message, &object);
	if (key != NULL)
		all[k++] = (GLogField){key, object, -1};
	return g_log_writer_journald(level, all, k, NULL);
}

static GLogWriterOutput
writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	const gchar *domain = NULL, *message = NULL;
	field_strings(fields, n_fields, &domain, &message);
	if (!cr_log_wants(level, domain))
		return G_LOG_WRITER_HANDLED;
	if (log_state.journal &&
	    write_journal(level, fields, n_fields, domain, message) == G_LOG_WRITER_HANDLED)
		return G_LOG_WRITER_HANDLED;
	return write_plain(level, domain, message);
}

gboolean
cr_log_set_level(const gchar *log_level)
{
	for (guint i = 0; cr_log_level_names[i] != NULL; i++) {
		if (g_strcmp0(log_level, cr_log_level_names[i]) == 0) {
			log_state.threshold = level_flags[i];
			return TRUE;
		}
	}
	return FALSE;
}

void
cr_log_setup(const gchar *debug_domains, const gchar *log_level)
{
	gboolean from_env = debug_domains == NULL;

	g_strfreev(log_state.debug_domains);
	log_state.debug_domains = NULL;
	log_state.debug_all = FALSE;
	/* GLib's convention still works: G_MESSAGES_DEBUG=DOMAINS */
	if (from_env)
		debug_domains = g_getenv("G_MESSAGES_DEBUG");
	if (debug_domains != NULL && debug_domains[0] != '\0') {
		g_autofree gchar *copy = g_strdelimit(g_strdup(debug_domains), ",", ' ');
		log_state.debug_domains = g_strsplit(g_strstrip(copy), " ", -1);
		log_state.debug_all =
		        g_strv_contains((const gchar *const *)log_state.debug_domains, "all");
		/* for code that asks GLib whether debug output is on */
		if (!from_env)
			g_setenv("G_MESSAGES_DEBUG", log_state.debug_all ? "all" : debug_domains,
			         TRUE);
	}
	log_state.threshold = G_LOG_LEVEL_MESSAGE;
	if (log_level != NULL && !cr_log_set_level(log_level))
		g_warning("unknown log level '%s'", log_level);
	log_state.journal = cr_log_fd_is_journal(STDERR_FILENO);
	if (!log_state.installed) {
		log_state.installed = TRUE;
		g_log_set_writer_func(writer, NULL, NULL);
	}
}

gboolean
cr_log_load_config(CrConfigSection *router_section, GError **error)
{
	guint idx = 0;
	if (!cr_config_section_get_choice(router_section, "log-level", cr_log_level_names, 2, &idx,
	                                  error))
		return FALSE;
	return cr_log_set_level(cr_log_level_names[idx]);
}
