// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Extended APDUs and T=1 with cardroute clients (plugins/rspro/rspro-caps.h).
 * A client that announces what it carries in its connectClientReq identity
 * gets our announcement in the connectClientRes, and the bank slot it holds
 * carries what both do: its commands arrive whole (C-APDUs, extended ones
 * included) and go to the card unchanged, the card's whole answer goes back
 * in one tpduCardToModem. Towards an upstream client nothing changes: its
 * slot keeps T=0 short TPDUs, and what it cannot carry is refused by the
 * core with 6700 and a log line naming this end.
 */
#include "bank-private.h"

void
bank_caps_hello(BankClient *client, const RsproIdentity *identity)
{
	if (!rspro_caps_from_identity(identity, &client->caps))
		return;
	bank_log_client(client->bank, client->peer, &client->client_slot, "caps",
	                "client %s is a cardroute peer: %s, %s APDUs of up to %u/%u bytes",
	                client->peer, cr_slot_caps_protocols_to_string(client->caps.protocols),
	                client->caps.extended ? "extended" : "short", client->caps.max_command,
	                client->caps.max_response);
}

void
bank_caps_answer(BankClient *client, RsproIdentity *identity)
{
	RsproCaps local;

	if (!client->caps.present)
		return;
	rspro_caps_local(&local);
	rspro_caps_to_identity(identity, &local);
}

void
bank_caps_apply(BankSlot *slot, BankClient *client)
{
	CrSlotCaps caps = CR_SLOT_CAPS_DEFAULT;
	RsproCaps local;

	if (client != NULL && client->caps.present) {
		rspro_caps_local(&local);
		rspro_caps_both(&local, &client->caps, &caps);
	}
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(slot), &caps);
}
