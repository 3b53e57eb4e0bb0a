// SPDX-License-Identifier: GPL-2.0-or-later
/* backend-pcsc helpers without pcscd: error mapping and reader matching. */
#include <string.h>

#include "pcsc-error.h"
#include "pcsc-match.h"

static void
test_error_codes(void)
{
	g_assert_cmpint(pcsc_error_code(SCARD_E_NO_SMARTCARD), ==, CR_ERROR_NO_CARD);
	g_assert_cmpint(pcsc_error_code(SCARD_W_REMOVED_CARD), ==, CR_ERROR_NO_CARD);
	g_assert_cmpint(pcsc_error_code(SCARD_E_NO_SERVICE), ==, CR_ERROR_BACKEND_GONE);
	g_assert_cmpint(pcsc_error_code(SCARD_E_READER_UNAVAILABLE), ==, CR_ERROR_BACKEND_GONE);
	g_assert_cmpint(pcsc_error_code(SCARD_E_SHARING_VIOLATION), ==, CR_ERROR_BUSY);
	g_assert_cmpint(pcsc_error_code(SCARD_E_TIMEOUT), ==, CR_ERROR_TIMEOUT);
	g_assert_cmpint(pcsc_error_code(SCARD_W_UNRESPONSIVE_CARD), ==, CR_ERROR_CARD);
	g_assert_cmpint(pcsc_error_code(SCARD_E_INSUFFICIENT_BUFFER), ==, CR_ERROR_INVALID);
	g_assert_cmpint(pcsc_error_code(SCARD_F_INTERNAL_ERROR), ==, CR_ERROR_FAILED);
	g_assert_true(pcsc_error_is_service_lost(SCARD_E_NO_SERVICE));
	g_assert_false(pcsc_error_is_service_lost(SCARD_W_REMOVED_CARD));
	g_assert_true(pcsc_error_is_handle_lost(SCARD_W_REMOVED_CARD));
	g_assert_false(pcsc_error_is_handle_lost(SCARD_E_SHARING_VIOLATION));
}

static void
test_error_message(void)
{
	g_autoptr(GError) error = pcsc_error_new(SCARD_E_NO_SMARTCARD, "connect to %s", "R 00");
	g_assert_error(error, CR_ERROR, CR_ERROR_NO_CARD);
	/* pcsc-lite's own text and the code */
	g_assert_nonnull(strstr(error->message, "connect to R 00: "));
	g_assert_nonnull(strstr(error->message, pcsc_stringify_error(SCARD_E_NO_SMARTCARD)));
	g_assert_nonnull(strstr(error->message, "(0x8010000C)"));
}

static void
test_match(void)
{
	static const gchar readers[] = "ACS ACR33 ICC Reader 00 00\0"
	                               "Virtual PCD 00 00\0"
	                               "Virtual PCD 00 01\0";
	regex_t re;
	g_autofree gchar *msg = NULL;

	g_assert_true(pcsc_match_compile(&re, "Virtual PCD 00 0", &msg));
	/* unanchored: the first match in list order */
	g_assert_cmpstr(pcsc_match_reader(&re, readers, sizeof(readers)), ==, "Virtual PCD 00 00");
	regfree(&re);
	g_assert_true(pcsc_match_compile(&re, "^Virtual PCD [0-9]{2} 01$", &msg));
	g_assert_cmpstr(pcsc_match_reader(&re, readers, sizeof(readers)), ==, "Virtual PCD 00 01");
	regfree(&re);
	g_assert_true(pcsc_match_compile(&re, "Gemalto", &msg));
	g_assert_null(pcsc_match_reader(&re, readers, sizeof(readers)));
	g_assert_null(pcsc_match_reader(&re, NULL, 0));
	regfree(&re);
	/* a list cut short (no terminator inside the buffer) is not read past */
	g_assert_true(pcsc_match_compile(&re, "Reader", &msg));
	g_assert_null(pcsc_match_reader(&re, readers, 10));
	regfree(&re);
	g_assert_false(pcsc_match_compile(&re, "Reader (00", &msg));
	g_assert_nonnull(msg);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pcsc/error/codes", test_error_codes);
	g_test_add_func("/pcsc/error/message", test_error_message);
	g_test_add_func("/pcsc/match", test_match);
	return g_test_run();
}
