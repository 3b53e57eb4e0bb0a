// SPDX-License-Identifier: GPL-2.0-or-later
/* A module built for another plugin ABI: the loader must refuse it before
 * touching anything but the version field. */
#include <cardroute/cardroute.h>

G_MODULE_EXPORT const CrPluginDescriptor *cardroute_plugin_entry(void);

static CrInstance *
never_called(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_error("the loader called a plugin of the wrong ABI");
	return NULL;
}

G_MODULE_EXPORT const CrPluginDescriptor *
cardroute_plugin_entry(void)
{
	static const CrPluginDescriptor desc = {
		.abi_version = CR_PLUGIN_ABI_VERSION + 998,
		.struct_size = sizeof(CrPluginDescriptor),
		.name = "badabi",
		.kind = CR_PLUGIN_KIND_BACKEND,
		.create = never_called,
	};
	return &desc;
}
