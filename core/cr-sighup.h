// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cardroute/cardroute.h"

G_BEGIN_DECLS

/* Re-reads the running router's INI (cr_router_reload_config), telling the
 * service manager (RELOADING=1, then READY=1) and logging the outcome. A bad
 * file changes nothing and the daemon keeps serving. */
gboolean cr_daemon_reload(CrRouter *router);

G_END_DECLS
