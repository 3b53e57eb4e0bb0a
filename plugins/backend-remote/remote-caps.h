// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Extended APDUs and T=1 with a cardroute bank (plugins/rspro/rspro-caps.h):
 * the client announces what it carries in its connectClientReq; a bank that
 * answers with its own announcement gets commands whole (remote-tpdu.h),
 * anything else keeps upstream's T=0 short TPDUs.
 */
#pragma once

#include <cardroute/cardroute.h>

#include "rspro-msg.h"

G_BEGIN_DECLS

/* Adds our announcement to the identity of a connectClientReq. */
void remote_caps_announce(RsproIdentity *identity);
/* Sets @slot's capabilities from the bank's connectClientRes identity: TRUE
 * (and a log line) when it is a cardroute bank that announced some. */
gboolean remote_caps_of_bank(CrBackendSlot *slot, const RsproIdentity *bank);

G_END_DECLS
