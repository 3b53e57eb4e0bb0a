// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replays the server and bank side of real osmo-remsim sessions
 * (vectors/remsim/decoded/NN-*.rspro.txt) against backend-remote and checks that
 * what it sends matches what upstream's client sent.
 *
 * Every RSPRO frame of a file must decode. The client's streams (connections
 * to 9998 that start with connectClientReq; every connection to 9999) are
 * merged in capture order. A peer->client PDU is sent on the matching link
 * (the k-th accepted connection plays the k-th stream; configClientBankReq is
 * pointed at the fake bank). For a client->peer PDU the test makes the
 * terminal do what upstream's user did (submit the TPDU, reset, power off),
 * then waits for backend-remote's PDU and compares: connectClientReq by
 * client slot (identities differ legitimately), everything else byte for byte
 * after DER re-encoding. Extra clientSlotStatusInds of ours are skipped (our
 * reset sends the power-off and power-on pair). A stream that ends in the
 * capture is closed when the next one of its kind is due.
 * Skipped (77) when the vectors are missing.
 */
#include <stdio.h>
#include <string.h>

#include "rspro-peer.h"
#include "test-slots.h"

typedef enum { KIND_SERVER, KIND_BANK } Kind;

typedef struct {
	Kind kind;
	guint stream;  /* capture stream number */
	guint ordinal; /* k-th stream of its kind */
	gboolean to_client;
	RsproMsg msg;
	guint line;
} Item;

typedef struct {
	Kind kind;
	RsproPeer *peer;
	GPtrArray *links; /* accepted, in order (borrowed refs held) */
	GHashTable *rx;   /* RsproLink* -> GQueue of RsproMsg* from our client */
} Side;

typedef struct {
	Side side[2];
	TestFrontend *fe;
	CrRouter *router;
} Replay;

static gchar *vectors_dir;

#define WAIT_FOR(cond, what)                                                                       \
	do {                                                                                       \
		gint64 deadline_ = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;                   \
		while (!(cond)) {                                                                  \
			if (g_get_monotonic_time() > deadline_)                                    \
				g_error("line %u: timed out waiting for %s", it->line, what);      \
			g_main_context_iteration(NULL, TRUE);                                      \
		}                                                                                  \
	} while (0)

static gboolean
tick(gpointer data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

/* ---- parsing ---- */

static GByteArray *
unhex(const gchar *s)
{
	GByteArray *out = g_byte_array_new();

	for (; g_ascii_isxdigit(s[0]) && g_ascii_isxdigit(s[1]); s += 2) {
		guint8 b = (guint8)(g_ascii_xdigit_value(s[0]) << 4 | g_ascii_xdigit_value(s[1]));

		g_byte_array_append(out, &b, 1);
	}
	return out;
}

static void
item_free(gpointer p)
{
	Item *it = p;

	if (it == NULL)
		return;
	rspro_msg_clear(&it->msg);
	g_free(it);
}

/* all RSPRO frames of the file decode; returns the client's items in order */
static GPtrArray *
parse_file(const gchar *path, guint *n_decoded)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GHashTable) first = g_hash_table_new(NULL, NULL); /* stream -> first type+1 */
	g_autoptr(GHashTable) ordinal = g_hash_table_new(NULL, NULL);
	GPtrArray *all = g_ptr_array_new_with_free_func(item_free);
	GPtrArray *items = g_ptr_array_new();
	guint n_kind[2] = {0, 0};

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) tok = NULL;
		guint src, dst;
		g_autoptr(GByteArray) frame = NULL;
		const gchar *der;
		Item *it;

		if (lines[i][0] != '#' || strstr(lines[i], " RSPRO ") == NULL)
			continue;
		tok = g_strsplit_set(lines[i], " ", -1);
		{
			/* tokens: #N rel abs stream S SRC->DST ... (empty ones skipped) */
			GPtrArray *t = g_ptr_array_new();

			for (guint j = 0; tok[j] != NULL; j++)
				if (tok[j][0] != '\0')
					g_ptr_array_add(t, tok[j]);
			g_assert_cmpuint(t->len, >, 6);
			g_assert_cmpint(sscanf(t->pdata[5], "%u->%u", &src, &dst), ==, 2);
			it = g_new0(Item, 1);
			it->stream = (guint)g_ascii_strtoull(t->pdata[4], NULL, 10);
			g_ptr_array_free(t, TRUE);
		}
		it->line = i + 1;
		it->to_client = src == 9998 || src == 9999;
		it->kind = (src == 9998 || dst == 9998) ? KIND_SERVER : KIND_BANK;
		der = strstr(lines[i + 1], "ipa+der: ");
		g_assert_nonnull(der);
		frame = unhex(der + 9);
		g_assert_cmpuint(frame->len, >, 4);
		if (!rspro_msg_decode(frame->data + 4, frame->len - 4, &it->msg, NULL))
			g_error("%s:%u: RSPRO PDU does not decode", path, i + 2);
		(*n_decoded)++;
		g_ptr_array_add(all, it);
		if (!it->to_client && !g_hash_table_contains(first, GUINT_TO_POINTER(it->stream)))
			g_hash_table_insert(first, GUINT_TO_POINTER(it->stream),
			                    GINT_TO_POINTER(it->msg.type + 2));
	}
	/* the client's streams: every bank stream, server streams opened by a client */
	for (guint i = 0; i < all->len; i++) {
		Item *it = all->pdata[i];
		gint t = GPOINTER_TO_INT(g_hash_table_lookup(first, GUINT_TO_POINTER(it->stream)));

		if (t - 2 != RSPRO_MSG_CONNECT_CLIENT_REQ)
			continue;
		if (!g_hash_table_contains(ordinal, GUINT_TO_POINTER(it->stream)))
			g_hash_table_insert(ordinal, GUINT_TO_POINTER(it->stream),
			                    GUINT_TO_POINTER(n_kind[it->kind]++));
		it->ordinal = GPOINTER_TO_UINT(
		        g_hash_table_lookup(ordinal, GUINT_TO_POINTER(it->stream)));
		g_ptr_array_add(items, all->pdata[i]);
		all->pdata[i] = NULL;
	}
	g_ptr_array_set_free_func(items, item_free);
	g_ptr_array_unref(all);
	return items;
}

/* ---- the peers ---- */

static void
side_msg(RsproPeer *peer, RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	Side *side = user_data;
	GQueue *q = g_hash_table_lookup(side->rx, link);
	RsproMsg *copy = g_new0(RsproMsg, 1);
	g_autoptr(GByteArray) der = g_byte_array_new();

	(void)peer;
	g_assert_nonnull(q);
	/* copy by re-encoding: RsproMsg has no deep copy */
	g_assert_true(rspro_msg_encode(msg, der, NULL));
	g_assert_true(rspro_msg_decode(der->data, der->len, copy, NULL));
	g_queue_push_tail(q, copy);
}

static void
msg_free(gpointer p)
{
	rspro_msg_clear(p);
	g_free(p);
}

static void
queue_free(gpointer p)
{
	g_queue_free_full(p, msg_free);
}

static void
side_link(RsproPeer *peer, RsproLink *link, const GError *error, gpointer user_data)
{
	Side *side = user_data;

	(void)peer;
	if (error != NULL)
		return;
	g_ptr_array_add(side->links, rspro_link_ref(link));
	g_hash_table_insert(side->rx, link, g_queue_new());
}

static void
side_init(Side *side, Kind kind)
{
	g_autoptr(GError) error = NULL;

	side->kind = kind;
	side->peer =
	        rspro_peer_new(kind == KIND_SERVER ? RSPRO_LINK_ROLE_SERVER : RSPRO_LINK_ROLE_BANK,
	                       kind == KIND_SERVER ? "replay-server" : "replay-bank", 0, &error);
	g_assert_no_error(error);
	rspro_peer_set_keepalive(side->peer, 0, 0);
	side->links = g_ptr_array_new_with_free_func((GDestroyNotify)rspro_link_unref);
	side->rx = g_hash_table_new_full(NULL, NULL, NULL, queue_free);
	rspro_peer_set_callbacks(side->peer, side_msg, side_link, side);
}

static void
side_clear(Side *side)
{
	rspro_peer_free(side->peer);
	g_ptr_array_unref(side->links);
	g_hash_table_unref(side->rx);
}

/* ---- comparison ---- */

static gboolean
same_der(const RsproMsg *a, const RsproMsg *b)
{
	g_autoptr(GByteArray) x = g_byte_array_new();
	g_autoptr(GByteArray) y = g_byte_array_new();

	g_assert_true(rspro_msg_encode(a, x, NULL));
	g_assert_true(rspro_msg_encode(b, y, NULL));
	return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
}

static gboolean
matches(const RsproMsg *want, const RsproMsg *got)
{
	if (want->type != got->type)
		return FALSE;
	if (want->type == RSPRO_MSG_CONNECT_CLIENT_REQ)
		return want->u.connect_client_req.has_client_slot ==
		               got->u.connect_client_req.has_client_slot &&
		       want->u.connect_client_req.client_slot.client_id ==
		               got->u.connect_client_req.client_slot.client_id &&
		       want->u.connect_client_req.client_slot.slot_nr ==
		               got->u.connect_client_req.client_slot.slot_nr;
	return same_der(want, got);
}

/* pops our PDUs until one matches @want; our extra status indications are
 * skipped, anything else that differs fails */
static gboolean
take_match(GQueue *q, const Item *it)
{
	while (!g_queue_is_empty(q)) {
		RsproMsg *got = g_queue_pop_head(q);
		gboolean ok = matches(&it->msg, got);
		g_autofree gchar *g = rspro_msg_describe(got);
		g_autofree gchar *w = rspro_msg_describe(&it->msg);

		msg_free(got);
		if (ok)
			return TRUE;
		if (g_str_has_prefix(g, "clientSlotStatusInd"))
			continue;
		g_error("line %u: backend-remote sent %s, upstream sent %s", it->line, g, w);
	}
	return FALSE;
}

/* ---- the replay ---- */

static gboolean
queued_match(GQueue *q, const Item *it)
{
	for (GList *l = q->head; l != NULL; l = l->next)
		if (matches(&it->msg, l->data))
			return TRUE;
	return FALSE;
}

static void
act_for(Replay *rp, const Item *it, GQueue *q)
{
	CrFrontendSlot *fe = CR_FRONTEND_SLOT(rp->fe);

	if (it->msg.type == RSPRO_MSG_TPDU_MODEM_TO_CARD) {
		gsize len;
		const guint8 *d = g_bytes_get_data(it->msg.u.tpdu_modem_to_card.data, &len);

		WAIT_FOR(!cr_frontend_slot_is_busy(fe), "the previous command");
		cr_frontend_slot_submit(fe, d, len);
	} else if (it->msg.type == RSPRO_MSG_CLIENT_SLOT_STATUS_IND) {
		const RsproSlotPhysStatus *st = &it->msg.u.client_slot_status_ind.status;
		gboolean vcc = !st->has_vcc_present || st->vcc_present;

		if (st->reset_active && !vcc)
			cr_frontend_slot_power_off(fe);
		else if (st->reset_active)
			cr_frontend_slot_reset(fe, CR_RESET_WARM);
		else if (!queued_match(q, it))
			/* power on: our cold reset sends it (after a power-off pair if
			 * the card was on); a warm reset sent it already */
			cr_frontend_slot_reset(fe, CR_RESET_COLD);
	}
}

static void
send_to_client(Replay *rp, Side *side, RsproLink *link, Item *it)
{
	g_autoptr(GError) error = NULL;

	if (it->msg.type == RSPRO_MSG_CONFIG_CLIENT_BANK_REQ &&
	    it->msg.u.config_client_bank_req.bankd.port != 0) {
		RsproIpPort *ip = &it->msg.u.config_client_bank_req.bankd;

		memset(ip, 0, sizeof(*ip));
		ip->addr[0] = 127;
		ip->addr[3] = 1;
		ip->port = rspro_peer_get_port(rp->side[KIND_BANK].peer);
	}
	(void)side;
	if (rspro_link_is_up(link) && !rspro_link_send(link, &it->msg, &error))
		g_error("line %u: %s", it->line, error->message);
}

static void
replay_file(const gchar *name)
{
	g_autofree gchar *path = g_build_filename(vectors_dir, "remsim", "decoded", name, NULL);
	g_autoptr(GPtrArray) items = NULL;
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = NULL;
	CrRoutePolicy policy = CR_ROUTE_POLICY_INIT;
	Replay rp = {0};
	guint n_decoded = 0, compared = 0;
	const RsproClientSlot *cs = NULL;
	Item *it = NULL;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("capture missing");
		return;
	}
	items = parse_file(path, &n_decoded);
	g_test_message("%s: %u RSPRO frames decoded, %u in the client's streams", name, n_decoded,
	               items->len);
	for (guint i = 0; i < items->len && cs == NULL; i++) {
		Item *x = items->pdata[i];

		if (x->msg.type == RSPRO_MSG_CONNECT_CLIENT_REQ)
			cs = &x->msg.u.connect_client_req.client_slot;
	}
	if (cs == NULL || ((Item *)items->pdata[0])->kind != KIND_SERVER) {
		/* 07: the client's server connection predates the capture */
		g_test_message("%s: no whole client session in it (frames decoded only)", name);
		return;
	}
	side_init(&rp.side[KIND_SERVER], KIND_SERVER);
	side_init(&rp.side[KIND_BANK], KIND_BANK);
	ini = g_strdup_printf("[backend:remote]\nplugin = remote\nserver = 127.0.0.1:%u\n"
	                      "client-id = %u\nclient-slot = %u\nreconnect-delay-ms = 5\n",
	                      rspro_peer_get_port(rp.side[KIND_SERVER].peer), cs->client_id,
	                      cs->slot_nr);
	rp.router = cr_router_new();
	cr_router_set_plugin_dir(rp.router, BUILD_PLUGIN_DIR);
	g_assert_true(cr_router_load_config_data(rp.router, ini, strlen(ini), name, &error));
	rp.fe = test_frontend_new("fe");
	g_assert_true(
	        cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(rp.fe), &error));
	g_assert_true(cr_router_add_instance(rp.router, CR_INSTANCE(inst), "test", "test",
	                                     CR_PLUGIN_KIND_FRONTEND, &error));
	g_assert_nonnull(cr_router_add_route(rp.router, "r", "fe", "remote", &policy, &error));
	g_assert_true(cr_router_start(rp.router, &error));
	g_assert_no_error(error);

	for (guint i = 0; i < items->len; i++) {
		Side *side;
		RsproLink *link;

		it = items->pdata[i];
		side = &rp.side[it->kind];
		/* the stream before this one ended in the capture: close it */
		if (it->ordinal > 0 && side->links->len == it->ordinal) {
			RsproLink *prev = side->links->pdata[it->ordinal - 1];

			if (rspro_link_is_up(prev))
				rspro_link_close(prev);
		}
		WAIT_FOR(side->links->len > it->ordinal, "the client to connect");
		link = side->links->pdata[it->ordinal];
		if (it->to_client) {
			send_to_client(&rp, side, link, it);
			continue;
		}
		act_for(&rp, it, g_hash_table_lookup(side->rx, link));
		WAIT_FOR(take_match(g_hash_table_lookup(side->rx, link), it), "a PDU of ours");
		compared++;
		if (it->msg.type == RSPRO_MSG_TPDU_MODEM_TO_CARD) {
			/* the answer follows in the capture; wait for the terminal to get it */
			guint before = rp.fe->done_count;

			if (i + 1 < items->len && ((Item *)items->pdata[i + 1])->msg.type ==
			                                  RSPRO_MSG_TPDU_CARD_TO_MODEM) {
				it = items->pdata[++i];
				send_to_client(&rp, side, link, it);
				WAIT_FOR(rp.fe->done_count > before, "the terminal's answer");
				if (g_bytes_get_size(it->msg.u.tpdu_card_to_modem.data) >= 2) {
					g_assert_no_error(rp.fe->last_error);
					g_assert_cmpmem(
					        rp.fe->last_response->data,
					        rp.fe->last_response->len,
					        g_bytes_get_data(it->msg.u.tpdu_card_to_modem.data,
					                         NULL),
					        g_bytes_get_size(
					                it->msg.u.tpdu_card_to_modem.data));
				}
			}
		}
	}
	g_test_message("%s: %u PDUs of backend-remote compared", name, compared);
	g_assert_cmpuint(compared, >, 0);
	g_object_unref(rp.router);
	g_object_unref(rp.fe);
	side_clear(&rp.side[KIND_SERVER]);
	side_clear(&rp.side[KIND_BANK]);
	for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

static void
test_file(gconstpointer data)
{
	replay_file(data);
}

int
main(int argc, char **argv)
{
	static const gchar *const files[] = {
	        "01-normal-session.rspro.txt",
	        "02-slotmap-delete-in-use.rspro.txt",
	        "03-bankd-restart.rspro.txt",
	        "04-server-kill-restart.rspro.txt",
	        "05-normal-session-tag-1.0.0.rspro.txt",
	        "06-ifdhandler-client.rspro.txt",
	        "07-rest-api-misc.rspro.txt",
	};

	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	if (argc < 2 || !g_file_test(argv[1], G_FILE_TEST_IS_DIR)) {
		g_printerr("vectors directory missing: skipped\n");
		return 77;
	}
	vectors_dir = argv[1];
	g_timeout_add(50, tick, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree gchar *name = g_strdup_printf("/remote-replay/%.2s", files[i]);

		g_test_add_data_func(name, files[i], test_file);
	}
	return g_test_run();
}
