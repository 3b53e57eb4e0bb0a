// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cardroute/cardroute.h"

G_BEGIN_DECLS

/*
 * cardrouted's log output. When stderr is the journal ($JOURNAL_STREAM names
 * fd 2's device and inode), records go to journald with their fields (the
 * GLib domain as CR_PLUGIN, CR_SLOT / CR_ROUTE: see cr_log_set_router(), and
 * any field a caller passed to g_log_structured()); otherwise one plain line
 * per record on stderr: "HH:MM:SS.mmm LEVEL DOMAIN: TEXT".
 *
 * @debug_domains: log domains ("cardroute", "vcard", "tap-gsmtap", ... or
 * "all"), separated by ',' or ' ', whose info and debug records are shown
 * whatever the level; NULL: $G_MESSAGES_DEBUG, as GLib does. @log_level:
 * the threshold, one of cr_log_level_names (NULL: "message").
 */
void cr_log_setup(const gchar *debug_domains, const gchar *log_level);

/* "error", "warning", "message", "info", "debug"; NULL-terminated. */
extern const gchar *const cr_log_level_names[];

/* Changes the threshold; FALSE for an unknown name. */
gboolean cr_log_set_level(const gchar *log_level);

/* Reads [router] log-level and applies it. */
gboolean cr_log_load_config(CrConfigSection *router_section, GError **error);

/* TRUE when $JOURNAL_STREAM matches @fd (systemd's documented test). */
gboolean cr_log_fd_is_journal(gint fd);

/* Lets journal records carry CR_SLOT / CR_ROUTE: a message that starts with
 * "NAME: " where NAME is a slot or route of @router (as the core logs them)
 * gets the field. Looked up only on the thread that called this (the one the
 * router runs on); NULL stops it. */
void cr_log_set_router(CrRouter *router);

/* Whether a record of @level from @domain passes the current settings. */
gboolean cr_log_wants(GLogLevelFlags level, const gchar *domain);

G_END_DECLS
