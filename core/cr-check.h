// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cardroute/cardroute.h"

G_BEGIN_DECLS

/* Prints what cardrouted would run with the loaded @router: instances in
 * start order with their slots and describe(), routes, control plane. */
void cr_check_print_plan(CrRouter *router, const gchar *path);

G_END_DECLS
