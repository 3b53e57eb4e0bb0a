// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

#include "cr-types.h"

G_BEGIN_DECLS

/*
 * One INI section as a plugin sees it. Every getter marks its key as read;
 * after create() the loader refuses keys nobody read ("unknown key"), so a
 * typo never goes unnoticed. Every error is CR_ERROR_CONFIG with the text
 * "FILE: [SECTION] KEY: what is wrong".
 */

const gchar *cr_config_section_get_file(CrConfigSection *section);
const gchar *cr_config_section_get_group(CrConfigSection *section); /* "backend:sim1" */
const gchar *cr_config_section_get_name(CrConfigSection *section);  /* "sim1" */
gboolean cr_config_section_has_key(CrConfigSection *section, const gchar *key);

/* "FILE:LINE: [SECTION] KEY" (the key's line, else the section's) for
 * messages after create(), e.g. a port that cannot be bound at start;
 * " (default)" is appended when the key is not in the file. */
gchar *cr_config_section_locate(CrConfigSection *section, const gchar *key);

/* Builds a CR_ERROR_CONFIG error naming this section and @key. */
void cr_config_section_set_error(CrConfigSection *section, GError **error, const gchar *key,
				 const gchar *format, ...) G_GNUC_PRINTF(4, 5);

/* A string; @default_value (may be NULL) when the key is absent. */
gchar *cr_config_section_get_string(CrConfigSection *section, const gchar *key,
				    const gchar *default_value);
/* A non-empty string; error when absent or empty. */
gchar *cr_config_section_get_required(CrConfigSection *section, const gchar *key,
				      GError **error);
gboolean cr_config_section_get_int(CrConfigSection *section, const gchar *key,
				   gint64 default_value, gint64 min, gint64 max, gint64 *out,
				   GError **error);
gboolean cr_config_section_get_bool(CrConfigSection *section, const gchar *key,
				    gboolean default_value, gboolean *out, GError **error);
/* One of @choices (NULL-terminated); *out is its index. */
gboolean cr_config_section_get_choice(CrConfigSection *section, const gchar *key,
				      const gchar *const *choices, guint default_index,
				      guint *out, GError **error);
/* Hex bytes ("3B 9F 96 80" or "3b9f9680"), between @min_len and @max_len bytes;
 * *out stays NULL when the key is absent. */
gboolean cr_config_section_get_hex(CrConfigSection *section, const gchar *key, gsize min_len,
				   gsize max_len, GBytes **out, GError **error);
/* "HOST:PORT", "[V6]:PORT", or "HOST" (then @default_port). */
gboolean cr_config_section_get_host_port(CrConfigSection *section, const gchar *key,
					 const gchar *default_host, guint16 default_port,
					 gchar **host, guint16 *port, GError **error);
/* Where to listen: as cr_config_section_get_host_port(), and PORT 0 takes any free port (the
 * caller logs which). With @empty_is_off an empty value means "no listener": TRUE with *host
 * NULL. @default_port 0 makes the port required in the value. */
gboolean cr_config_section_get_listen_address(CrConfigSection *section, const gchar *key,
					      const gchar *default_host, guint16 default_port,
					      gboolean empty_is_off, gchar **host, guint16 *port,
					      GError **error);
/* A comma separated list; NULL when the key is absent. */
gchar **cr_config_section_get_list(CrConfigSection *section, const gchar *key);

/* Parses "HOST:PORT" forms outside a config file too (REST, command lines); an address to
 * connect to, so port 0 is refused. */
gboolean cr_parse_host_port(const gchar *text, const gchar *default_host, guint16 default_port,
			    gchar **host, guint16 *port, GError **error);

G_END_DECLS
