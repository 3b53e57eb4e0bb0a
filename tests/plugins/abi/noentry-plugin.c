// SPDX-License-Identifier: GPL-2.0-or-later
/* A shared object that is not a cardroute plugin (no entry symbol). */
#include <gmodule.h>

G_MODULE_EXPORT int something_else(void);

G_MODULE_EXPORT int
something_else(void)
{
	return 42;
}
