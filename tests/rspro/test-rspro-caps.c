// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capability announcement of cardroute RSPRO peers: parse, format, the
 * identity fields it travels in (DER round trip through a connectClientReq),
 * and what two peers agree on.
 */
#include <string.h>

#include "rspro-caps.h"

static void
test_parse(void)
{
	RsproCaps caps;

	g_assert_true(rspro_caps_parse("cr-caps:t0,t1,ext,c65400,r65400", &caps));
	g_assert_true(caps.present);
	g_assert_cmpuint(caps.protocols, ==, CR_PROTOCOL_T0 | CR_PROTOCOL_T1);
	g_assert_true(caps.extended);
	g_assert_cmpuint(caps.max_command, ==, 65400);
	g_assert_cmpuint(caps.max_response, ==, 65400);

	/* any order; unknown tokens skipped */
	g_assert_true(rspro_caps_parse("cr-caps:r258,zz9,t1,c261", &caps));
	g_assert_cmpuint(caps.protocols, ==, CR_PROTOCOL_T1);
	g_assert_false(caps.extended);
	g_assert_cmpuint(caps.max_command, ==, 261);
	g_assert_cmpuint(caps.max_response, ==, 258);

	/* not an announcement */
	g_assert_false(rspro_caps_parse(NULL, &caps));
	g_assert_false(caps.present);
	g_assert_false(rspro_caps_parse("1.2.3", &caps));
	g_assert_false(rspro_caps_parse("cr-caps:", &caps));
	g_assert_false(rspro_caps_parse("cr-caps:ext,c300,r300", &caps)); /* no protocol */
	g_assert_false(rspro_caps_parse("cr-caps:t0,r300", &caps));       /* no command size */
	g_assert_false(rspro_caps_parse("cr-caps:t0,c300", &caps));       /* no answer size */
	g_assert_false(rspro_caps_parse("cr-caps:t0,c4,r300", &caps));    /* below a header */
	g_assert_false(rspro_caps_parse("cr-caps:t0,c65536,r300", &caps));
	g_assert_false(rspro_caps_parse("cr-caps:t0,c1x,r300", &caps));
	g_assert_false(rspro_caps_parse("cr-caps:t0,c,r300", &caps));
	g_assert_false(rspro_caps_parse("cr-caps:t0,t1,ext,c65400,r65400,xxxxx", &caps)); /* > 32 */
	g_assert_false(caps.present);
}

static void
test_format(void)
{
	RsproCaps caps, again;
	g_autofree gchar *text = NULL;
	g_autofree gchar *text2 = NULL;

	rspro_caps_local(&caps);
	text = rspro_caps_format(&caps);
	g_assert_cmpstr(text, ==, "cr-caps:t0,t1,ext,c65400,r65400");
	g_assert_cmpuint(strlen(text), <=, RSPRO_NAME_MAX_LEN);
	g_assert_true(rspro_caps_parse(text, &again));
	g_assert_cmpmem(&caps, sizeof(caps), &again, sizeof(again));

	caps.protocols = CR_PROTOCOL_T0;
	caps.extended = FALSE;
	caps.max_command = 261;
	caps.max_response = 258;
	text2 = rspro_caps_format(&caps);
	g_assert_cmpstr(text2, ==, "cr-caps:t0,c261,r258");
}

/* The announcement survives the wire in a connectClientReq, and an identity
 * without it (as upstream's) announces nothing. */
static void
test_identity(void)
{
	RsproMsg msg, back;
	RsproCaps local, caps;
	g_autoptr(GByteArray) der = g_byte_array_new();

	rspro_msg_init(&msg, RSPRO_MSG_CONNECT_CLIENT_REQ);
	rspro_identity_set(&msg.u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT, "c1",
	                   "remsim-client", "1.0");
	g_assert_false(rspro_caps_from_identity(&msg.u.connect_client_req.identity, &caps));
	rspro_caps_local(&local);
	rspro_caps_to_identity(&msg.u.connect_client_req.identity, &local);
	msg.u.connect_client_req.has_client_slot = TRUE;
	g_assert_true(rspro_msg_encode(&msg, der, NULL));
	g_assert_true(rspro_msg_decode(der->data, der->len, &back, NULL));
	g_assert_cmpstr(back.u.connect_client_req.identity.hw_manufacturer, ==, "cardroute");
	g_assert_true(rspro_caps_from_identity(&back.u.connect_client_req.identity, &caps));
	g_assert_cmpmem(&caps, sizeof(caps), &local, sizeof(local));

	/* the announcement only counts from a cardroute peer */
	g_free(back.u.connect_client_req.identity.hw_manufacturer);
	back.u.connect_client_req.identity.hw_manufacturer = g_strdup("sysmocom");
	g_assert_false(rspro_caps_from_identity(&back.u.connect_client_req.identity, &caps));
	rspro_msg_clear(&back);
	rspro_msg_clear(&msg);
}

static void
test_both(void)
{
	RsproCaps local, peer;
	CrSlotCaps both;

	rspro_caps_local(&local);
	g_assert_true(rspro_caps_parse("cr-caps:t1,ext,c4096,r65535", &peer));
	rspro_caps_both(&local, &peer, &both);
	g_assert_cmpuint(both.protocols, ==, CR_PROTOCOL_T1);
	g_assert_true(both.extended);
	g_assert_cmpuint(both.max_command, ==, 4096);
	g_assert_cmpuint(both.max_response, ==, RSPRO_CAPS_APDU_MAX);

	/* a peer without extended lengths: short sizes at most */
	g_assert_true(rspro_caps_parse("cr-caps:t0,c65000,r65000", &peer));
	rspro_caps_both(&local, &peer, &both);
	g_assert_false(both.extended);
	g_assert_cmpuint(both.max_command, ==, CR_SLOT_CAPS_SHORT_MAX_COMMAND);
	g_assert_cmpuint(both.max_response, ==, CR_SLOT_CAPS_SHORT_MAX_RESPONSE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro-caps/parse", test_parse);
	g_test_add_func("/rspro-caps/format", test_format);
	g_test_add_func("/rspro-caps/identity", test_identity);
	g_test_add_func("/rspro-caps/both", test_both);
	return g_test_run();
}
