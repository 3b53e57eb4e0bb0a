// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cardroute/cr-config.h"

G_BEGIN_DECLS

/* Wraps one group of a loaded key file; @lines (from cr_ini_parse(), may be
 * NULL) puts line numbers into error messages. */
CrConfigSection *cr_config_section_new(GKeyFile *keyfile, GHashTable *lines, const gchar *file,
				       const gchar *group);
void cr_config_section_free(CrConfigSection *section);
/* Fails naming every key that no getter read, each with a "did you mean". */
gboolean cr_config_section_check_unused(CrConfigSection *section, GError **error);
/* Adds one message per unread key to @problems (only near misses of keys
 * that were asked for when @only_typos); returns how many. */
guint cr_config_section_report_unused(CrConfigSection *section, GPtrArray *problems,
				      gboolean only_typos);
/* From now on bad values go to @problems (borrowed) and the getters go on
 * with the default, so one pass finds every bad key. */
void cr_config_section_collect(CrConfigSection *section, GPtrArray *problems);
/* The line of @key (or of the section header); 0 if unknown. */
guint cr_config_section_get_line(CrConfigSection *section, const gchar *key);
/* A section built from key/value pairs (routes made at run time). */
CrConfigSection *cr_config_section_new_empty(const gchar *file, const gchar *group);
void cr_config_section_set(CrConfigSection *section, const gchar *key, const gchar *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrConfigSection, cr_config_section_free)

G_END_DECLS
