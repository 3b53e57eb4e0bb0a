// SPDX-License-Identifier: GPL-2.0-or-later
/* What cardroutectl's command files share (cardroutectl.c, ctl-remsim.c). */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,
	EXIT_NOT_FOUND = 4,
};

typedef struct {
	SoupSession *session;
	gchar *url;
	gchar *token;
	gboolean json;
	gboolean insecure;
	gint count;
} Ctl;

/* One request; *out gets the parsed JSON body (NULL for no body or text).
 * Errors are printed; returns the exit code. */
gint request(Ctl *ctl, const gchar *method, const gchar *path, const gchar *body, JsonNode **out,
	     GBytes **raw);
void print_json(JsonNode *node);
/* @member of @obj if it is an object / of @root if it is an array; else NULL */
JsonObject *obj_member(JsonObject *obj, const gchar *member);
JsonArray *array_member(JsonNode *root, const gchar *member);

/* cardroutectl migrate KIND -- ARGS (argv[0] = "migrate"); no daemon needed */
gint ctl_migrate(gint argc, gchar **argv);

/* After a 404 "no such path" for @path: says which daemon answered and
 * which plugins it runs (ctl-daemon.c). */
void ctl_explain_not_found(Ctl *ctl, const gchar *path);

/* cardroutectl instances: every plugin instance with its describe() */
gint ctl_instances(Ctl *ctl);

/* cardroutectl remsim ARGS (argv[0] = "remsim") */
gint ctl_remsim(Ctl *ctl, gint argc, gchar **argv);
