// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers shared by the RSPRO tests: hex parsing and deep comparison of messages. */
#pragma once

#include <glib.h>

#include "rspro-msg.h"

/* parses hex with optional spaces/newlines; aborts the test on bad input */
GByteArray *test_hex(const gchar *hex);
/* fails the test (with @what in the message) if the two messages differ */
void test_assert_msg_equal(const RsproMsg *a, const RsproMsg *b, const gchar *what);
/* asserts the bytes are equal, printing both in hex if not */
void test_assert_bytes(const guint8 *got, gsize got_len, const guint8 *want, gsize want_len,
                       const gchar *what);
