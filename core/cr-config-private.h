// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cardroute/cr-config.h"

G_BEGIN_DECLS

/* Wraps one group of a loaded key file. */
CrConfigSection *cr_config_section_new(GKeyFile *keyfile, const gchar *file, const gchar *group);
void cr_config_section_free(CrConfigSection *section);
/* Fails naming the first key that no getter read. */
gboolean cr_config_section_check_unused(CrConfigSection *section, GError **error);
/* A section built from key/value pairs (routes made at run time). */
CrConfigSection *cr_config_section_new_empty(const gchar *file, const gchar *group);
void cr_config_section_set(CrConfigSection *section, const gchar *key, const gchar *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrConfigSection, cr_config_section_free)

G_END_DECLS
