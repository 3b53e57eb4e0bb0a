// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers of the bank tests: a router with the rspro-bank plugin loaded from
 * build/plugins, scripted RSPRO clients (RsproLink, client role) and a
 * scripted server (RsproPeer, server role). Every wait is bounded (10 s).
 */
#pragma once

#include <cardroute/cardroute.h>

#include "rspro-link.h"
#include "rspro-peer.h"

G_BEGIN_DECLS

#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		gint64 deadline_ = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;                   \
		while (!(cond)) {                                                                  \
			if (g_get_monotonic_time() > deadline_)                                    \
				g_error("%s:%d: timed out waiting for %s", __FILE__, __LINE__,     \
				        #cond);                                                    \
			g_main_context_iteration(NULL, TRUE);                                      \
		}                                                                                  \
	} while (0)

/* runs the main loop for @ms (lets things happen that must NOT happen) */
void bank_test_spin(guint ms);

/* router from INI text (plugins from build/plugins and the test plugins), started */
CrRouter *bank_test_router(const gchar *ini);
/* the port the bank instance @name listens on */
guint16 bank_test_port(CrRouter *router, const gchar *name);
/* an integer of the instance's describe() */
guint64 bank_test_describe_uint(CrRouter *router, const gchar *name, const gchar *key);

/* "[backend:card]" with @n_cards vcard slots (at least 2: card.0, card.1 ...) */
gchar *bank_test_vcard_ini(guint n_cards);
/* "[route:rI]" bank.I -> card.I for I < @n */
gchar *bank_test_routes_ini(guint n);

GByteArray *bank_test_hex(const gchar *hex);
gchar *bank_test_to_hex(const guint8 *data, gsize len);

/* A scripted client: every PDU it receives is queued (deep copies). */
typedef struct {
	RsproLink *link;
	GQueue msgs; /* RsproMsg * */
	gboolean down;
	gchar *down_reason;
	RsproClientSlot slot;
	RsproBankSlot bank;
} TestClient;

TestClient *test_client_new(guint16 port, guint16 client_id, guint16 slot_nr);
void test_client_free(TestClient *self);
void test_client_send(TestClient *self, const RsproMsg *msg);
/* connectClientReq with the client's slot */
void test_client_hello(TestClient *self);
/* waits for the next PDU; asserts its type; free with test_msg_free() */
RsproMsg *test_client_expect(TestClient *self, RsproMsgType type);
/* hello, then connectClientRes ok and setAtrReq (answered); returns the ATR */
GBytes *test_client_attach(TestClient *self, guint16 bank_slot);
/* sends tpduModemToCard (hex) without waiting */
void test_client_send_tpdu(TestClient *self, const gchar *hex);
/* sends one command and returns the answer's data as hex */
gchar *test_client_transact(TestClient *self, const gchar *hex);
void test_client_wait_down(TestClient *self);
void test_msg_free(RsproMsg *msg);

/* A scripted server: answers connectBankReq with ok, records the results of
 * createMappingRes / removeMappingRes in order. */
typedef struct {
	RsproPeer *peer;
	GArray *results; /* RsproResult */
	guint hellos;
	guint16 bank_id;
	GPtrArray *push_on_hello; /* RsproMappingReq * sent after connectBankRes */
	/* clients: connectClientRes ok, then configClientBankReq to this bank
	 * (when bank_port is set) for bank slot 0 */
	guint16 bank_port;
	guint client_hellos;
} TestServer;

TestServer *test_server_new(void);
void test_server_free(TestServer *self);
guint16 test_server_port(TestServer *self);
void test_server_send_mapping(TestServer *self, gboolean create, guint16 client_id,
                              guint16 client_slot, guint16 bank_id, guint16 bank_slot);
/* waits for the @n-th mapping result (1-based) and returns it */
RsproResult test_server_result(TestServer *self, guint n);
void test_server_push_on_hello(TestServer *self, guint16 client_id, guint16 client_slot,
                               guint16 bank_slot);

G_END_DECLS
