// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>
#include <gmodule.h>

#include "cr-types.h"

G_BEGIN_DECLS

/**
 * CR_PLUGIN_ABI_VERSION:
 *
 * Bumped whenever a public struct, a class vtable or the meaning of a call
 * changes. The loader reads the descriptor's first field before anything else
 * and refuses a plugin built for another value.
 */
#define CR_PLUGIN_ABI_VERSION 1

/* The one symbol a plugin module exports (see core/plugin.map). */
#define CR_PLUGIN_ENTRY_SYMBOL "cardroute_plugin_entry"

typedef enum {
	CR_PLUGIN_KIND_FRONTEND,
	CR_PLUGIN_KIND_BACKEND,
	CR_PLUGIN_KIND_TAP,
	CR_PLUGIN_KIND_CONTROL,
} CrPluginKind;

/**
 * CrPluginCreateFunc:
 * @router: the router the instance will belong to
 * @section: its INI section; read every key through the cr_config_section_*()
 *   getters so that unknown keys are found and errors name file/section/key
 *
 * Builds one instance from its section. It creates the instance's slots
 * (cr_instance_add_frontend_slot() / cr_instance_add_backend_slot()) but does
 * no I/O yet: that starts in the instance's start() vfunc.
 */
typedef CrInstance *(*CrPluginCreateFunc)(CrRouter *router, CrConfigSection *section,
					  GError **error);

typedef struct {
	guint32 abi_version; /* CR_PLUGIN_ABI_VERSION; must stay the first field */
	guint32 struct_size; /* sizeof(CrPluginDescriptor) */
	const gchar *name;   /* as in the INI: "vcard", "pcsc", "rspro-bank" */
	CrPluginKind kind;
	const gchar *description;
	CrPluginCreateFunc create;
	gpointer reserved[8];
} CrPluginDescriptor;

typedef const CrPluginDescriptor *(*CrPluginEntryFunc)(void);

/**
 * CR_PLUGIN_DEFINE:
 *
 * Defines the entry symbol of a plugin module:
 *
 *   CR_PLUGIN_DEFINE("vcard", CR_PLUGIN_KIND_BACKEND, "virtual card", vcard_create)
 */
#define CR_PLUGIN_DEFINE(plugin_name, plugin_kind, plugin_description, create_func)             \
	G_MODULE_EXPORT const CrPluginDescriptor *cardroute_plugin_entry(void);                 \
	G_MODULE_EXPORT const CrPluginDescriptor *cardroute_plugin_entry(void)                  \
	{                                                                                       \
		static const CrPluginDescriptor desc = {                                        \
			.abi_version = CR_PLUGIN_ABI_VERSION,                                   \
			.struct_size = sizeof(CrPluginDescriptor),                              \
			.name = plugin_name,                                                    \
			.kind = plugin_kind,                                                    \
			.description = plugin_description,                                      \
			.create = create_func,                                                  \
		};                                                                              \
		return &desc;                                                                   \
	}

const gchar *cr_plugin_kind_to_string(CrPluginKind kind);
gboolean cr_plugin_kind_from_string(const gchar *str, CrPluginKind *kind);

G_END_DECLS
