// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * In-process slots for the engine tests: a frontend that records every
 * outcome and card change, and a backend whose answers the test controls
 * (at once, later, never, failing).
 */
#pragma once

#include <cardroute/cardroute.h>

G_BEGIN_DECLS

#define TEST_TYPE_FRONTEND (test_frontend_get_type())
G_DECLARE_FINAL_TYPE(TestFrontend, test_frontend, TEST, FRONTEND, CrFrontendSlot)

struct _TestFrontend {
	CrFrontendSlot parent_instance;
	guint done_count;
	GByteArray *last_response; /* NULL when the last outcome had none */
	GError *last_error;
	guint card_changes;
	GBytes *card; /* last card_changed() argument */
	guint route_changes;
	gboolean resubmit; /* submit once more from inside transaction_done() */
};

TestFrontend *test_frontend_new(const gchar *name);

typedef enum {
	TEST_BACKEND_ANSWER_NOW,   /* complete inside transmit() */
	TEST_BACKEND_ANSWER_LATER, /* the test calls test_backend_answer() */
	TEST_BACKEND_FAIL_NOW,	   /* fail inside transmit() with CR_ERROR_CARD */
} TestBackendMode;

#define TEST_TYPE_BACKEND (test_backend_get_type())
G_DECLARE_FINAL_TYPE(TestBackend, test_backend, TEST, BACKEND, CrBackendSlot)

struct _TestBackend {
	CrBackendSlot parent_instance;
	TestBackendMode mode;
	CrTransaction *pending;
	guint transmits;
	guint cancels;
	guint resets;
	guint power_offs;
	gboolean reset_reports_card; /* a reset re-reports the ATR at once */
};

TestBackend *test_backend_new(const gchar *name);
/* answers the pending transaction with the command's INS and 90 00 */
void test_backend_answer(TestBackend *self);

#define TEST_TYPE_INSTANCE (test_instance_get_type())
G_DECLARE_FINAL_TYPE(TestInstance, test_instance, TEST, INSTANCE, CrInstance)

TestInstance *test_instance_new(void);

G_END_DECLS
