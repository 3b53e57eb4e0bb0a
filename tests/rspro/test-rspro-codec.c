// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RSPRO codec edge cases: BER forms a DER sender never produces but a BER
 * receiver must accept, and everything that must be refused on either side.
 */
#include <string.h>

#include "rspro-msg.h"
#include "rspro-test-util.h"

static gboolean
decode_hex(const gchar *hex, RsproMsg *msg, GError **error)
{
	g_autoptr(GByteArray) b = test_hex(hex);

	return rspro_msg_decode(b->data, b->len, msg, error);
}

static void
assert_decode_fails(const gchar *hex, gint code)
{
	g_autoptr(GError) error = NULL;
	RsproMsg msg;

	g_assert_false(decode_hex(hex, &msg, &error));
	g_assert_error(error, RSPRO_ERROR, code);
	g_assert_cmpint(msg.type, ==, 0);
	g_assert_null(msg.u.connect_client_req.identity.name);
}

/* BER indefinite lengths and non-minimal length octets decode like DER */
static void
test_ber_forms(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) der = g_byte_array_new();
	g_autoptr(GByteArray) want = test_hex("30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00");
	RsproMsg msg;

	g_assert_true(decode_hex("30 80 80 01 02 81 01 00 A2 80 A5 80 0A 01 00 00 00 00 00 00 00",
	                         &msg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(msg.type, ==, RSPRO_MSG_CREATE_MAPPING_RES);
	g_assert_true(rspro_msg_encode(&msg, der, &error));
	test_assert_bytes(der->data, der->len, want->data, want->len, "DER from BER");
	rspro_msg_clear(&msg);

	g_assert_true(
	        decode_hex("30 81 0E 80 01 02 81 01 00 A2 06 A5 04 0A 81 01 05", &msg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(msg.u.create_mapping_res.result, ==, RSPRO_RESULT_UNKNOWN_SLOTMAP);
	rspro_msg_clear(&msg);

	/* BOOLEAN TRUE as 0x01 (BER: any non-zero) */
	g_assert_true(decode_hex("30 1F 80 01 02 81 01 00 A2 17 AF 15 30 06 02 01 01 02 01 01 "
	                         "30 06 02 01 17 02 01 00 30 03 80 01 01",
	                         &msg, &error));
	g_assert_true(msg.u.bank_slot_status_ind.status.reset_active);
	rspro_msg_clear(&msg);
}

/* an alternative of a later protocol version ([21]) decodes as UNKNOWN */
static void
test_unknown_alternative(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) out = g_byte_array_new();
	RsproMsg msg;

	g_assert_true(decode_hex("30 0D 80 01 02 81 01 05 A2 05 B5 03 0A 01 00", &msg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(msg.type, ==, RSPRO_MSG_UNKNOWN);
	g_assert_cmpuint(msg.tag, ==, 5);
	g_assert_cmpstr(rspro_msg_type_name(msg.type), ==, "unknown");
	g_assert_false(rspro_msg_encode(&msg, out, &error));
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	rspro_msg_clear(&msg);
}

/* unknown trailing elements of an extensible SEQUENCE are skipped */
static void
test_extension_elements(void)
{
	g_autoptr(GError) error = NULL;
	RsproMsg msg;

	g_assert_true(
	        decode_hex("30 10 80 01 02 81 01 00 A2 08 A5 06 0A 01 00 9F 20 00", &msg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(msg.type, ==, RSPRO_MSG_CREATE_MAPPING_RES);
	rspro_msg_clear(&msg);
}

static void
test_decode_refused(void)
{
	/* truncated */
	assert_decode_fails("30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01", RSPRO_ERROR_MALFORMED);
	/* empty */
	assert_decode_fails("", RSPRO_ERROR_MALFORMED);
	/* trailing byte */
	assert_decode_fails("30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00 00",
	                    RSPRO_ERROR_MALFORMED);
	/* wrong outer tag */
	assert_decode_fails("31 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00", RSPRO_ERROR_MALFORMED);
	/* msg [2] without the EXPLICIT wrapper */
	assert_decode_fails("30 0B 80 01 02 81 01 00 A5 03 0A 01 00", RSPRO_ERROR_MALFORMED);
	/* bankId 1024 (createMappingReq C23:0 B1024:1) */
	assert_decode_fails("30 1B 80 01 02 81 01 00 A2 13 A4 11 30 06 02 01 17 02 01 00 "
	                    "30 07 02 02 04 00 02 01 01",
	                    RSPRO_ERROR_INVALID);
	/* negative slot */
	assert_decode_fails("30 1A 80 01 02 81 01 00 A2 12 A4 10 30 06 02 01 17 02 01 FF "
	                    "30 06 02 01 01 02 01 01",
	                    RSPRO_ERROR_INVALID);
	/* version 33 */
	assert_decode_fails("30 0D 80 01 21 81 01 00 A2 05 A5 03 0A 01 00", RSPRO_ERROR_INVALID);
	/* negative tag */
	assert_decode_fails("30 0D 80 01 02 81 01 80 A2 05 A5 03 0A 01 00", RSPRO_ERROR_INVALID);
	/* connectBankRes with component type 3 */
	assert_decode_fails("30 2D 80 01 02 81 01 00 A2 25 A1 23 30 1E 0A 01 03 16 03 73 72 76 "
	                    "80 0D 72 65 6D 73 69 6D 2D 73 65 72 76 65 72 81 05 31 2E 31 2E 33 "
	                    "0A 01 06",
	                    RSPRO_ERROR_INVALID);
	/* the same with a NUL in the name */
	assert_decode_fails("30 2D 80 01 02 81 01 00 A2 25 A1 23 30 1E 0A 01 01 16 03 73 00 76 "
	                    "80 0D 72 65 6D 73 69 6D 2D 73 65 72 76 65 72 81 05 31 2E 31 2E 33 "
	                    "0A 01 06",
	                    RSPRO_ERROR_INVALID);
	/* empty name (SIZE (1..32)) */
	assert_decode_fails("30 2A 80 01 02 81 01 00 A2 22 A1 20 30 1B 0A 01 01 16 00 "
	                    "80 0D 72 65 6D 73 69 6D 2D 73 65 72 76 65 72 81 05 31 2E 31 2E 33 "
	                    "0A 01 06",
	                    RSPRO_ERROR_INVALID);
	/* an ipv4 address of 3 bytes */
	assert_decode_fails("30 1C 80 01 02 81 01 00 A2 14 B1 12 30 06 02 01 01 02 01 01 "
	                    "30 08 80 03 00 00 00 02 01 00",
	                    RSPRO_ERROR_INVALID);
	/* an IpPort without address (non-extensible CHOICE: refused by asn1c) */
	{
		g_autoptr(GError) error = NULL;
		RsproMsg msg;

		g_assert_false(decode_hex("30 19 80 01 02 81 01 00 A2 11 B1 0F 30 06 02 01 01 "
		                          "02 01 01 30 05 82 00 02 01 00",
		                          &msg, &error));
		g_assert_nonnull(error);
	}
	/* a negative result code (asn1c could not send it back correctly) */
	assert_decode_fails("30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 8E", RSPRO_ERROR_INVALID);
	/* a 1 MiB length announced in 20 bytes */
	assert_decode_fails("30 83 10 00 00 80 01 02 81 01 00 A2 05 A5 03 0A 01 00",
	                    RSPRO_ERROR_MALFORMED);
}

/* input asn1c 0.9.28 alone would loop on forever, and other ill-formed BER */
static void
test_ber_structure(void)
{
	/* indefinite-length msg [2] followed by 00 05: endless loop in asn1c's
	 * CHOICE decoder without the structural check */
	assert_decode_fails("30 80 80 01 02 81 01 00 A2 80 A5 03 0A 01 00 00 05 00 00 00 00",
	                    RSPRO_ERROR_MALFORMED);
	/* indefinite length on a primitive */
	assert_decode_fails("30 80 80 80 02 00 00 81 01 00 A2 05 A5 03 0A 01 00 00 00",
	                    RSPRO_ERROR_MALFORMED);
	/* missing end-of-contents */
	assert_decode_fails("30 80 80 01 02 81 01 00 A2 05 A5 03 0A 01 00", RSPRO_ERROR_MALFORMED);
	/* 5 length octets */
	assert_decode_fails("30 85 00 00 00 00 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00",
	                    RSPRO_ERROR_MALFORMED);
	/* an inner length beyond its container */
	assert_decode_fails("30 0D 80 01 02 81 01 00 A2 05 A5 04 0A 01 00", RSPRO_ERROR_MALFORMED);
	/* 4 length octets are fine when the value fits */
	{
		g_autoptr(GError) error = NULL;
		RsproMsg msg;

		g_assert_true(decode_hex("30 84 00 00 00 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00",
		                         &msg, &error));
		g_assert_no_error(error);
		rspro_msg_clear(&msg);
	}
	/* nesting beyond the depth limit */
	{
		g_autoptr(GByteArray) deep = g_byte_array_new();
		g_autoptr(GError) error = NULL;
		const guint8 open[] = {0x30, 0x80};
		const guint8 eoc[] = {0x00, 0x00};
		RsproMsg msg;

		for (guint i = 0; i < 40; i++)
			g_byte_array_append(deep, open, sizeof(open));
		for (guint i = 0; i < 40; i++)
			g_byte_array_append(deep, eoc, sizeof(eoc));
		g_assert_false(rspro_msg_decode(deep->data, deep->len, &msg, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_MALFORMED);
	}
}

static void
test_encode_refused(void)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	RsproMsg m;
	static const guint8 long_atr[56] = {0x3b};

	/* name missing */
	rspro_msg_init(&m, RSPRO_MSG_CONNECT_BANK_REQ);
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}
	/* name of 33 characters */
	rspro_identity_set(&m.u.connect_bank_req.identity, RSPRO_COMPONENT_BANKD,
	                   "123456789012345678901234567890123", "remsim-bankd", "1");
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}
	/* 32 is fine, bank id 1024 is not */
	m.u.connect_bank_req.identity.name[32] = '\0';
	m.u.connect_bank_req.bank_id = 1024;
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}
	m.u.connect_bank_req.bank_id = 1023;
	m.u.connect_bank_req.identity.type = 3;
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}
	m.u.connect_bank_req.identity.type = RSPRO_COMPONENT_BANKD;
	{
		g_autoptr(GError) error = NULL;

		g_assert_true(rspro_msg_encode(&m, out, &error));
		g_assert_no_error(error);
	}
	rspro_msg_clear(&m);

	/* negative result */
	rspro_msg_init(&m, RSPRO_MSG_SET_ATR_RES);
	m.u.set_atr_res.result = -1;
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}

	/* ATR empty / 56 bytes; tag 2^31 */
	g_byte_array_set_size(out, 0);
	rspro_msg_init(&m, RSPRO_MSG_SET_ATR_REQ);
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}
	m.u.set_atr_req.atr = g_bytes_new_static(long_atr, sizeof(long_atr));
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}
	g_bytes_unref(m.u.set_atr_req.atr);
	m.u.set_atr_req.atr = g_bytes_new_static(long_atr, 55);
	m.tag = 0x80000000u;
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(rspro_msg_encode(&m, out, &error));
		g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	}
	m.tag = 0;
	{
		g_autoptr(GError) error = NULL;

		g_assert_true(rspro_msg_encode(&m, out, &error));
	}
	g_assert_cmpuint(out->len, >, 55);
	rspro_msg_clear(&m);
	/* nothing was appended by the failures */
	g_assert_cmpuint(out->len, ==, 2 + 3 + 3 + 2 + 2 + 8 + 2 + 55);
}

/* an empty card answer (seen upstream) and an extended-length TPDU round-trip */
static void
test_tpdu_sizes(void)
{
	static const gsize sizes[] = {0, 1, 127, 128, 255, 256, 4096, 65000};

	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autoptr(GError) error = NULL;
		g_autofree guint8 *data = g_malloc(sizes[i] + 1);
		RsproMsg m, d;

		for (gsize k = 0; k < sizes[i]; k++)
			data[k] = (guint8)k;
		rspro_msg_init(&m, RSPRO_MSG_TPDU_CARD_TO_MODEM);
		m.u.tpdu_card_to_modem.data = g_bytes_new(data, sizes[i]);
		g_assert_true(rspro_msg_encode_ipa(&m, out, &error));
		g_assert_true(rspro_msg_decode(out->data + 4, out->len - 4, &d, &error));
		g_assert_no_error(error);
		test_assert_msg_equal(&d, &m, "tpdu size");
		rspro_msg_clear(&m);
		rspro_msg_clear(&d);
	}
}

static void
test_optional_identity(void)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	RsproMsg m, d;

	rspro_msg_init(&m, RSPRO_MSG_CONNECT_CLIENT_REQ);
	rspro_identity_set(&m.u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT, "h", "s", "v");
	m.u.connect_client_req.identity.hw_manufacturer = g_strdup("sysmocom");
	m.u.connect_client_req.identity.hw_model = g_strdup("sysmoQMOD");
	m.u.connect_client_req.identity.hw_serial_nr = g_strdup("1234");
	m.u.connect_client_req.identity.hw_version = g_strdup("v2");
	m.u.connect_client_req.identity.fw_version = g_strdup("0.8");
	g_assert_true(rspro_msg_encode(&m, out, &error));
	g_assert_true(rspro_msg_decode(out->data, out->len, &d, &error));
	test_assert_msg_equal(&d, &m, "identity");
	g_assert_false(d.u.connect_client_req.has_client_slot);
	{
		g_autofree gchar *s = rspro_msg_describe(&d);

		g_assert_cmpstr(s, ==, "connectClientReq remsimClient 'h' (s v)");
	}
	{
		RsproMsg c;

		/* the copy holds every field, the optional ones too */
		rspro_msg_init(&c, RSPRO_MSG_CONNECT_CLIENT_REQ);
		rspro_identity_set(&c.u.connect_client_req.identity, RSPRO_COMPONENT_BANKD, "x",
		                   NULL, NULL);
		rspro_identity_copy(&c.u.connect_client_req.identity,
		                    &d.u.connect_client_req.identity);
		test_assert_msg_equal(&c, &m, "identity copy");
		rspro_msg_clear(&c);
	}
	rspro_msg_clear(&m);
	rspro_msg_clear(&d);
	rspro_msg_clear(&d); /* twice is fine */
}

static void
test_names(void)
{
	g_assert_cmpstr(rspro_msg_type_name(RSPRO_MSG_RESET_STATE_RES), ==, "resetStateRes");
	g_assert_cmpstr(rspro_msg_type_name(21), ==, "unknown");
	g_assert_cmpstr(rspro_result_name(RSPRO_RESULT_IDENTITY_IN_USE), ==, "identityInUse");
	g_assert_cmpstr(rspro_result_name(77), ==, "unknown");
	g_assert_cmpstr(rspro_component_type_name(RSPRO_COMPONENT_BANKD), ==, "remsimBankd");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro/codec/ber-forms", test_ber_forms);
	g_test_add_func("/rspro/codec/unknown-alternative", test_unknown_alternative);
	g_test_add_func("/rspro/codec/extension-elements", test_extension_elements);
	g_test_add_func("/rspro/codec/decode-refused", test_decode_refused);
	g_test_add_func("/rspro/codec/ber-structure", test_ber_structure);
	g_test_add_func("/rspro/codec/encode-refused", test_encode_refused);
	g_test_add_func("/rspro/codec/tpdu-sizes", test_tpdu_sizes);
	g_test_add_func("/rspro/codec/optional-identity", test_optional_identity);
	g_test_add_func("/rspro/codec/names", test_names);
	return g_test_run();
}
