// SPDX-License-Identifier: GPL-2.0-or-later
#include "remote-caps.h"

#include "rspro-caps.h"

void
remote_caps_announce(RsproIdentity *identity)
{
	RsproCaps local;

	rspro_caps_local(&local);
	rspro_caps_to_identity(identity, &local);
}

gboolean
remote_caps_of_bank(CrBackendSlot *slot, const RsproIdentity *bank)
{
	CrSlotCaps caps = CR_SLOT_CAPS_DEFAULT;
	RsproCaps local, peer;
	gboolean announced = rspro_caps_from_identity(bank, &peer);

	if (announced) {
		rspro_caps_local(&local);
		rspro_caps_both(&local, &peer, &caps);
		g_message("%s: the bank is a cardroute peer: %s, %s APDUs of up to %u/%u bytes",
		          cr_backend_slot_get_name(slot),
		          cr_slot_caps_protocols_to_string(caps.protocols),
		          caps.extended ? "extended" : "short", caps.max_command,
		          caps.max_response);
	}
	cr_backend_slot_set_caps(slot, &caps);
	return announced;
}
