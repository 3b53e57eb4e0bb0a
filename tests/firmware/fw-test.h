// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tiny assertion helpers for the firmware's plain-C test programs.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int fw_test_failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                \
			fw_test_failures++;                                            \
		}                                                                      \
	} while (0)

#define CHECK_EQ(a, b)                                                                 \
	do {                                                                           \
		long long va_ = (long long)(a), vb_ = (long long)(b);                  \
		if (va_ != vb_) {                                                      \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",    \
				__FILE__, __LINE__, #a, va_, #b, vb_);                  \
			fw_test_failures++;                                            \
		}                                                                      \
	} while (0)

#define CHECK_MEM(got, got_len, exp, exp_len)                                          \
	do {                                                                           \
		size_t gl_ = (size_t)(got_len), el_ = (size_t)(exp_len);               \
		if (gl_ != el_ || memcmp((got), (exp), el_) != 0) {                    \
			fprintf(stderr, "%s:%d: bytes differ (%zu vs %zu):\n  got", __FILE__, \
				__LINE__, gl_, el_);                                   \
			for (size_t i_ = 0; i_ < gl_; i_++)                            \
				fprintf(stderr, " %02x", ((const unsigned char *)(got))[i_]); \
			fprintf(stderr, "\n  exp");                                    \
			for (size_t i_ = 0; i_ < el_; i_++)                            \
				fprintf(stderr, " %02x", ((const unsigned char *)(exp))[i_]); \
			fprintf(stderr, "\n");                                         \
			fw_test_failures++;                                            \
		}                                                                      \
	} while (0)

#define RUN(fn)                                                                        \
	do {                                                                           \
		int before_ = fw_test_failures;                                        \
		fn();                                                                  \
		printf("%s %s\n", fw_test_failures == before_ ? "ok  " : "FAIL", #fn); \
	} while (0)
