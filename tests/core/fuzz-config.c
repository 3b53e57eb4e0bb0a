// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: INI text through the whole config loader (test plugins). */
#include <stdint.h>

#include <cardroute/cardroute.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user_data)
{
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;
	static gboolean init;
	if (!init) {
		g_log_set_default_handler(quiet, NULL);
		init = TRUE;
	}
	if (size > 8192)
		return 0;
	cr_router_set_plugin_dir(router, TEST_PLUGIN_DIR);
	if (cr_router_load_config_data(router, (const gchar *)data, size, "fuzz.ini", &error))
		cr_router_check_router_section(router, NULL);
	return 0;
}
