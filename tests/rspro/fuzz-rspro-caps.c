// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the capability announcement of cardroute RSPRO peers
 * (plugins/rspro/rspro-caps.c), as it arrives: a connectClientReq or
 * connectClientRes whose identity's hwVersion is any text. Whatever parses
 * must be within the announced bounds, format back to an announcement of at
 * most 32 characters that parses to the same values, and intersect with ours
 * to sizes a slot accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rspro-caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const gchar *text)
{
	RsproCaps caps, again, local;
	CrSlotCaps both;
	g_autofree gchar *formatted = NULL;

	if (!rspro_caps_parse(text, &caps))
		return;
	if (!caps.present || caps.protocols == 0 ||
	    (caps.protocols & ~(guint)(CR_PROTOCOL_T0 | CR_PROTOCOL_T1)) != 0 ||
	    caps.max_command < 5 || caps.max_command > 65535 || caps.max_response < 2 ||
	    caps.max_response > 65535)
		abort();
	formatted = rspro_caps_format(&caps);
	if (strlen(formatted) > RSPRO_NAME_MAX_LEN || !rspro_caps_parse(formatted, &again) ||
	    memcmp(&caps, &again, sizeof(caps)) != 0)
		abort();
	rspro_caps_local(&local);
	rspro_caps_both(&local, &caps, &both);
	if (both.max_command > caps.max_command || both.max_response > caps.max_response ||
	    (!both.extended && both.max_command > CR_SLOT_CAPS_SHORT_MAX_COMMAND))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	RsproMsg msg;
	RsproCaps caps;

	check_text(text);
	/* and inside a PDU, as the client and the bank meet it */
	if (!rspro_msg_decode(data, size, &msg, NULL))
		return 0;
	if (msg.type == RSPRO_MSG_CONNECT_CLIENT_REQ)
		(void)rspro_caps_from_identity(&msg.u.connect_client_req.identity, &caps);
	else if (msg.type == RSPRO_MSG_CONNECT_CLIENT_RES)
		(void)rspro_caps_from_identity(&msg.u.connect_client_res.identity, &caps);
	rspro_msg_clear(&msg);
	return 0;
}
