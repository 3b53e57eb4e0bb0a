// SPDX-License-Identifier: GPL-2.0-or-later
/* The plugin API of cardroute: the only header a plugin includes. */
#pragma once

#define CARDROUTE_H_INSIDE

#include "cr-apdu.h"
#include "cr-atr.h"
#include "cr-backend-slot.h"
#include "cr-config.h"
#include "cr-error.h"
#include "cr-event.h"
#include "cr-file.h"
#include "cr-frontend-slot.h"
#include "cr-hex.h"
#include "cr-http.h"
#include "cr-instance.h"
#include "cr-log-limit.h"
#include "cr-metrics.h"
#include "cr-net.h"
#include "cr-plugin.h"
#include "cr-reactor.h"
#include "cr-route.h"
#include "cr-router.h"
#include "cr-slot-caps.h"
#include "cr-state.h"
#include "cr-stats.h"
#include "cr-transaction.h"
#include "cr-types.h"
#include <cardroute/cr-version.h>

#undef CARDROUTE_H_INSIDE
