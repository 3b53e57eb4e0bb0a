// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replays the client side of every bankd connection (port 9999) of the
 * osmo-remsim captures (../shared/vectors/remsim/decoded/) against the
 * rspro-bank plugin, byte for byte, and checks every frame the bank sends
 * against upstream bankd's: PONGs, connectClientRes (result and tag 2342;
 * the identity strings are ours), setAtrReq and every tpduCardToModem. The
 * card is a replay backend that answers what the captured card answered; the
 * mapping each connection found (ok or cardNotPresent) is set up through a
 * scripted server first. Skipped (77) without the captures.
 *
 * With --vpcd-port PORT --reader NAME (run by test-bank-replay-pcsc.py with
 * a private pcscd), the bank is configured as a bankd user would: slots-csv
 * and no backend section, so it opens the PC/SC readers itself, and the
 * replay card sits behind vpcd: this program is the card side of vpcd's
 * slot (the vpcd protocol), answering what the captured card answered.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "bank-test.h"
#include "test-slots.h"

static const gchar *vectors_dir;
static gint vpcd_port;
static gchar *vpcd_reader;
static gchar *tls_dir; /* --tls-dir: the bank also has listen-tls */

typedef struct {
	gboolean to_bank;
	GByteArray *bytes;
	guint frame_no;
} Frame;

static void
frame_free(gpointer data)
{
	Frame *f = data;
	g_byte_array_unref(f->bytes);
	g_free(f);
}

/* The replay card: answers the queued responses, checks the commands. */
#define REPLAY_TYPE_CARD (replay_card_get_type())
G_DECLARE_FINAL_TYPE(ReplayCard, replay_card, REPLAY, CARD, CrBackendSlot)
struct _ReplayCard {
	CrBackendSlot parent_instance;
	GQueue cmds, resps; /* GByteArray * */
	GBytes *atr;
	guint transmits;
};
G_DEFINE_TYPE(ReplayCard, replay_card, CR_TYPE_BACKEND_SLOT)

static void
replay_card_transmit(CrBackendSlot *slot, CrTransaction *tx)
{
	ReplayCard *self = REPLAY_CARD(slot);
	g_autoptr(GByteArray) want = g_queue_pop_head(&self->cmds);
	g_autoptr(GByteArray) resp = g_queue_pop_head(&self->resps);
	gsize len;
	const guint8 *cmd = cr_transaction_get_command(tx, &len);

	g_assert_nonnull(want);
	g_assert_cmpmem(cmd, len, want->data, want->len);
	self->transmits++;
	cr_transaction_complete(tx, resp->data, resp->len);
}

static void
replay_card_cancel(CrBackendSlot *slot, CrTransaction *tx)
{
	g_error("the replay card never holds a command");
}

static void
replay_card_reset(CrBackendSlot *slot, CrResetKind kind)
{
	ReplayCard *self = REPLAY_CARD(slot);
	cr_backend_slot_set_card(slot, g_bytes_get_data(self->atr, NULL),
	                         g_bytes_get_size(self->atr));
}

static void
replay_card_finalize(GObject *obj)
{
	ReplayCard *self = REPLAY_CARD(obj);
	g_queue_clear_full(&self->cmds, (GDestroyNotify)g_byte_array_unref);
	g_queue_clear_full(&self->resps, (GDestroyNotify)g_byte_array_unref);
	g_bytes_unref(self->atr);
	G_OBJECT_CLASS(replay_card_parent_class)->finalize(obj);
}

static void
replay_card_class_init(ReplayCardClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = replay_card_finalize;
	CR_BACKEND_SLOT_CLASS(klass)->transmit = replay_card_transmit;
	CR_BACKEND_SLOT_CLASS(klass)->cancel = replay_card_cancel;
	CR_BACKEND_SLOT_CLASS(klass)->reset = replay_card_reset;
}

static void
replay_card_init(ReplayCard *self)
{
	g_queue_init(&self->cmds);
	g_queue_init(&self->resps);
}

/* The card side of a vpcd slot (protocols/vpcd.md): 2-byte big-endian length
 * and payload; 00/01/02 power off/on/reset get no answer, 04 the ATR, an
 * APDU the replay card's next response. */
typedef struct {
	GSocketConnection *conn;
	GSource *source;
	GByteArray *in;
	ReplayCard *card;
} VpcdCard;

static void
vpcd_card_send(VpcdCard *v, const guint8 *data, gsize len)
{
	guint8 hdr[2] = {(guint8)(len >> 8), (guint8)len};
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(v->conn));
	g_assert_cmpuint(len, >, 0);
	g_assert_true(g_output_stream_write_all(out, hdr, 2, NULL, NULL, NULL));
	g_assert_true(g_output_stream_write_all(out, data, len, NULL, NULL, NULL));
}

static void
vpcd_card_frame(VpcdCard *v, const guint8 *p, gsize n)
{
	if (n == 1) {
		if (p[0] == 0x04)
			vpcd_card_send(v, g_bytes_get_data(v->card->atr, NULL),
			               g_bytes_get_size(v->card->atr));
		return;
	}
	{
		g_autoptr(GByteArray) want = g_queue_pop_head(&v->card->cmds);
		g_autoptr(GByteArray) resp = g_queue_pop_head(&v->card->resps);
		if (want == NULL || resp == NULL)
			g_error("vpcd card: a command the capture does not have");
		g_assert_cmpmem(p, n, want->data, want->len);
		v->card->transmits++;
		vpcd_card_send(v, resp->data, resp->len);
	}
}

static gboolean
vpcd_card_readable(GSocket *sock, GIOCondition cond, gpointer user_data)
{
	VpcdCard *v = user_data;
	guint8 buf[4096];
	gssize n = g_socket_receive_with_blocking(sock, (gchar *)buf, sizeof(buf), FALSE, NULL,
	                                          NULL);
	g_assert_cmpint(n, !=, 0); /* vpcd dropped the card */
	if (n < 0)
		return G_SOURCE_CONTINUE;
	g_byte_array_append(v->in, buf, (guint)n);
	while (v->in->len >= 2) {
		guint len = (guint)v->in->data[0] << 8 | v->in->data[1];
		if (v->in->len < 2 + len)
			break;
		vpcd_card_frame(v, v->in->data + 2, len);
		g_byte_array_remove_range(v->in, 0, 2 + len);
	}
	return G_SOURCE_CONTINUE;
}

static VpcdCard *
vpcd_card_new(ReplayCard *card, guint16 port)
{
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GError) error = NULL;
	VpcdCard *v = g_new0(VpcdCard, 1);
	GSocket *sock;

	v->card = card;
	v->in = g_byte_array_new();
	g_socket_client_set_enable_proxy(sc, FALSE);
	v->conn = g_socket_client_connect_to_host(sc, "127.0.0.1", port, NULL, &error);
	g_assert_no_error(error);
	sock = g_socket_connection_get_socket(v->conn);
	g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
	v->source = g_socket_create_source(sock, G_IO_IN, NULL);
	g_source_set_callback(v->source, (GSourceFunc)(GCallback)vpcd_card_readable, v, NULL);
	g_source_attach(v->source, NULL);
	return v;
}

static void
vpcd_card_free(VpcdCard *v)
{
	g_source_destroy(v->source);
	g_source_unref(v->source);
	g_object_unref(v->conn);
	g_byte_array_unref(v->in);
	g_free(v);
}

/* "#88  3.52 13:48:32.03 stream 7   38501->9999  IPA CCM PING 00" and the
 * "ipa+der:" line after RSPRO frames: every frame of each bankd stream */
static GHashTable *
read_streams(const gchar *path)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	GHashTable *streams = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	                                            (GDestroyNotify)g_ptr_array_unref);

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) tok = g_strsplit_set(lines[i], " ", -1);
		g_autoptr(GPtrArray) words = g_ptr_array_new();
		const gchar *dir;
		guint stream;
		Frame *f;
		GPtrArray *frames;

		if (lines[i][0] != '#')
			continue;
		for (guint k = 0; tok[k] != NULL; k++)
			if (tok[k][0] != '\0')
				g_ptr_array_add(words, tok[k]);
		if (words->len < 7 || strcmp(words->pdata[3], "stream") != 0)
			continue;
		dir = words->pdata[5];
		if (!g_str_has_suffix(dir, "->9999") && !g_str_has_prefix(dir, "9999->"))
			continue;
		stream = (guint)atoi(words->pdata[4]);
		f = g_new0(Frame, 1);
		f->to_bank = g_str_has_suffix(dir, "->9999");
		f->frame_no = (guint)atoi((const gchar *)words->pdata[0] + 1);
		if (strcmp(words->pdata[6], "IPA") == 0) {
			g_autofree gchar *hex =
			        g_strdup_printf("0001FE%s", (const gchar *)words->pdata[words->len - 1]);
			f->bytes = bank_test_hex(hex);
		} else {
			const gchar *der = strstr(lines[i + 1], "ipa+der:");
			g_assert_nonnull(der);
			f->bytes = bank_test_hex(g_strstrip(lines[i + 1]) + strlen("ipa+der:"));
		}
		frames = g_hash_table_lookup(streams, GUINT_TO_POINTER(stream));
		if (frames == NULL) {
			frames = g_ptr_array_new_with_free_func(frame_free);
			g_hash_table_insert(streams, GUINT_TO_POINTER(stream), frames);
		}
		g_ptr_array_add(frames, f);
	}
	return streams;
}

static gboolean
decode_frame(const GByteArray *b, RsproMsg *msg)
{
	if (b->len < 5 || b->data[2] != 0xEE)
		return FALSE;
	g_assert_true(rspro_msg_decode(b->data + 4, b->len - 4, msg, NULL));
	return TRUE;
}

/* reads one whole IPA frame from @conn (bounded wait) */
static GByteArray *
read_frame(GSocketConnection *conn, GByteArray *pending)
{
	GSocket *sock = g_socket_connection_get_socket(conn);
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	GByteArray *frame;
	guint len;

	for (;;) {
		guint8 buf[4096];
		gssize n;

		if (pending->len >= 3) {
			len = 3u + (pending->data[0] << 8 | pending->data[1]);
			if (pending->len >= len)
				break;
		}
		n = g_socket_receive_with_blocking(sock, (gchar *)buf, sizeof(buf), FALSE, NULL,
		                                   NULL);
		g_assert_cmpint(n, !=, 0); /* EOF: the bank closed */
		if (n > 0) {
			g_byte_array_append(pending, buf, (guint)n);
			continue;
		}
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, FALSE);
		g_usleep(200);
	}
	frame = g_byte_array_new();
	g_byte_array_append(frame, pending->data, len);
	g_byte_array_remove_range(pending, 0, len);
	return frame;
}

typedef struct {
	CrRouter *router;
	TestServer *server;
	ReplayCard *card;
	guint16 port;
	gboolean mapped;
	RsproClientSlot mapped_client;
	guint n_results;
	guint compared;
	guint tpdus;
} Replay;

static void
set_mapping(Replay *r, gboolean want, RsproClientSlot client)
{
	if (r->mapped && (!want || r->mapped_client.client_id != client.client_id ||
	                  r->mapped_client.slot_nr != client.slot_nr)) {
		test_server_send_mapping(r->server, FALSE, r->mapped_client.client_id,
		                         r->mapped_client.slot_nr, 1, 0);
		g_assert_cmpint(test_server_result(r->server, ++r->n_results), ==, RSPRO_RESULT_OK);
		r->mapped = FALSE;
	}
	if (want && !r->mapped) {
		test_server_send_mapping(r->server, TRUE, client.client_id, client.slot_nr, 1, 0);
		g_assert_cmpint(test_server_result(r->server, ++r->n_results), ==, RSPRO_RESULT_OK);
		r->mapped = TRUE;
		r->mapped_client = client;
	}
}

static gboolean
no_clients(Replay *r)
{
	return bank_test_describe_uint(r->router, "bank", "clients") == 0;
}

static void
replay_stream(Replay *r, const gchar *file, guint stream, GPtrArray *frames)
{
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GByteArray) pending = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	RsproClientSlot client = {0, 0};
	gboolean want_map = FALSE;

	/* what the captured bankd had for this client, and the card's answers */
	for (guint i = 0; i < frames->len; i++) {
		Frame *f = frames->pdata[i];
		RsproMsg m = {0};

		if (!decode_frame(f->bytes, &m))
			continue;
		if (m.type == RSPRO_MSG_CONNECT_CLIENT_REQ)
			client = m.u.connect_client_req.client_slot;
		if (m.type == RSPRO_MSG_CONNECT_CLIENT_RES)
			want_map = m.u.connect_client_res.result == RSPRO_RESULT_OK;
		if (m.type == RSPRO_MSG_SET_ATR_REQ) {
			if (vpcd_port != 0)
				g_assert_true(g_bytes_equal(r->card->atr, m.u.set_atr_req.atr));
			g_clear_pointer(&r->card->atr, g_bytes_unref);
			r->card->atr = g_bytes_ref(m.u.set_atr_req.atr);
			if (vpcd_port == 0)
				cr_backend_slot_set_card(CR_BACKEND_SLOT(r->card),
				                         g_bytes_get_data(r->card->atr, NULL),
				                         g_bytes_get_size(r->card->atr));
		}
		if (m.type == RSPRO_MSG_TPDU_MODEM_TO_CARD) {
			GByteArray *c = g_byte_array_new();
			g_byte_array_append(c, g_bytes_get_data(m.u.tpdu_modem_to_card.data, NULL),
			                    (guint)g_bytes_get_size(m.u.tpdu_modem_to_card.data));
			g_queue_push_tail(&r->card->cmds, c);
		}
		if (m.type == RSPRO_MSG_TPDU_CARD_TO_MODEM) {
			GByteArray *c = g_byte_array_new();
			g_byte_array_append(c, g_bytes_get_data(m.u.tpdu_card_to_modem.data, NULL),
			                    (guint)g_bytes_get_size(m.u.tpdu_card_to_modem.data));
			g_queue_push_tail(&r->card->resps, c);
		}
		rspro_msg_clear(&m);
	}
	g_assert_cmpuint(g_queue_get_length(&r->card->cmds), ==,
	                 g_queue_get_length(&r->card->resps));
	set_mapping(r, want_map, client);
	g_test_message("%s stream %u: client %u:%u, %u frames, mapping %s", file, stream,
	               client.client_id, client.slot_nr, frames->len, want_map ? "yes" : "no");

	g_socket_client_set_enable_proxy(sc, FALSE);
	conn = g_socket_client_connect_to_host(sc, "127.0.0.1", r->port, NULL, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < frames->len; i++) {
		Frame *f = frames->pdata[i];
		g_autoptr(GByteArray) got = NULL;
		RsproMsg want = {0}, ours = {0};

		if (f->to_bank) {
			g_assert_true(g_output_stream_write_all(
			        g_io_stream_get_output_stream(G_IO_STREAM(conn)), f->bytes->data,
			        f->bytes->len, NULL, NULL, &error));
			continue;
		}
		got = read_frame(conn, pending);
		r->compared++;
		if (decode_frame(f->bytes, &want) && want.type == RSPRO_MSG_CONNECT_CLIENT_RES) {
			g_autoptr(GByteArray) expected = g_byte_array_new();
			g_assert_true(decode_frame(got, &ours));
			g_assert_cmpint(ours.type, ==, RSPRO_MSG_CONNECT_CLIENT_RES);
			g_assert_cmpint(ours.u.connect_client_res.identity.type, ==,
			                RSPRO_COMPONENT_BANKD);
			/* the same PDU with our identity strings */
			rspro_identity_clear(&want.u.connect_client_res.identity);
			want.u.connect_client_res.identity = ours.u.connect_client_res.identity;
			memset(&ours.u.connect_client_res.identity, 0, sizeof(RsproIdentity));
			g_assert_true(rspro_msg_encode_ipa(&want, expected, NULL));
			g_assert_cmpmem(got->data, got->len, expected->data, expected->len);
		} else {
			if (want.type == RSPRO_MSG_TPDU_CARD_TO_MODEM)
				r->tpdus++;
			if (got->len != f->bytes->len ||
			    memcmp(got->data, f->bytes->data, got->len) != 0) {
				g_autofree gchar *g = bank_test_to_hex(got->data, got->len);
				g_autofree gchar *w = bank_test_to_hex(f->bytes->data, f->bytes->len);
				g_error("%s stream %u frame #%u: bank sent %s, bankd sent %s", file,
				        stream, f->frame_no, g, w);
			}
		}
		rspro_msg_clear(&want);
		rspro_msg_clear(&ours);
	}
	g_assert_true(g_queue_is_empty(&r->card->cmds));
	g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
	WAIT_FOR(no_clients(r));
}

static gint
cmp_uint(gconstpointer a, gconstpointer b)
{
	guint x = GPOINTER_TO_UINT(*(gconstpointer *)a), y = GPOINTER_TO_UINT(*(gconstpointer *)b);
	return x < y ? -1 : x > y;
}

static void
test_replay(void)
{
	g_autofree gchar *decoded = g_build_filename(vectors_dir, "remsim", "decoded", NULL);
	g_autoptr(GDir) dir = g_dir_open(decoded, 0, NULL);
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = NULL;
	Replay r = {0};
	const gchar *name;
	g_autofree gchar *csv = NULL;
	VpcdCard *vpcd = NULL;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL)
		if (g_str_has_suffix(name, ".rspro.txt"))
			g_ptr_array_add(files, g_strdup(name));
	g_ptr_array_sort(files, (GCompareFunc)g_strcmp0);
	g_assert_cmpuint(files->len, >, 0);

	r.server = test_server_new();
	r.card = g_object_new(REPLAY_TYPE_CARD, "name", "replay", NULL);
	if (vpcd_port != 0) {
		/* a bankd user's configuration: slots-csv, no backend section */
		csv = g_build_filename(g_get_tmp_dir(), "cr-replay-slots-XXXXXX.csv", NULL);
		gint fd = g_mkstemp(csv);
		g_autofree gchar *line = g_strdup_printf("\"1\",\"0\",\"^%s$\"\n", vpcd_reader);
		g_assert_cmpint(fd, >=, 0);
		close(fd);
		g_assert_true(g_file_set_contents(csv, line, -1, NULL));
		/* every capture's card has this ATR (checked per stream) */
		r.card->atr = g_bytes_new_static("\x3b\x15\x13\x80\x73\xff\x01\x00", 8);
		vpcd = vpcd_card_new(r.card, (guint16)vpcd_port);
		ini = g_strdup_printf("[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\n"
		                      "bank-id = 1\nslots = 2\nserver = 127.0.0.1:%u\n"
		                      "resync-ms = 0\nslots-csv = %s\n",
		                      test_server_port(r.server), csv);
		r.router = bank_test_router(ini);
		r.port = bank_test_port(r.router, "bank");
		WAIT_FOR(cr_router_lookup_backend(r.router, "bank-readers.0") != NULL &&
		         cr_backend_slot_get_state(cr_router_lookup_backend(
		                 r.router, "bank-readers.0")) == CR_SLOT_STATE_PRESENT);
	} else {
		/* with --tls-dir the same bank also listens for TLS clients: the
		 * plain clients' bytes must not change */
		g_autofree gchar *tls =
		        tls_dir == NULL
		                ? g_strdup("")
		                : g_strdup_printf("listen-tls = 127.0.0.1:0\ntls-ca = %s/ca.pem\n"
		                                  "tls-cert = %s/bank1.pem\ntls-key = %s/bank1.key\n",
		                                  tls_dir, tls_dir, tls_dir);
		ini = g_strdup_printf("[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\n"
		                      "bank-id = 1\nslots = 2\nserver = 127.0.0.1:%u\n"
		                      "resync-ms = 0\n%s",
		                      test_server_port(r.server), tls);
		r.router = bank_test_router(ini);
		r.port = bank_test_port(r.router, "bank");
		g_assert_true(cr_instance_add_backend_slot(CR_INSTANCE(inst),
		                                           CR_BACKEND_SLOT(r.card), &error));
		g_assert_true(cr_router_add_instance(r.router, CR_INSTANCE(inst), "test", "test",
		                                     CR_PLUGIN_KIND_BACKEND, &error));
		g_assert_nonnull(
		        cr_router_add_route(r.router, "r", "bank.0", "replay", NULL, &error));
	}
	WAIT_FOR(r.server->hellos == 1);

	for (guint i = 0; i < files->len; i++) {
		g_autofree gchar *path = g_build_filename(decoded, files->pdata[i], NULL);
		g_autoptr(GHashTable) streams = read_streams(path);
		g_autoptr(GPtrArray) keys = g_ptr_array_new();
		GHashTableIter it;
		gpointer key;

		g_hash_table_iter_init(&it, streams);
		while (g_hash_table_iter_next(&it, &key, NULL))
			g_ptr_array_add(keys, key);
		g_ptr_array_sort(keys, cmp_uint);
		for (guint k = 0; k < keys->len; k++)
			replay_stream(&r, files->pdata[i], GPOINTER_TO_UINT(keys->pdata[k]),
			              g_hash_table_lookup(streams, keys->pdata[k]));
	}
	g_test_message("%u bank frames compared, %u of them tpduCardToModem", r.compared, r.tpdus);
	g_assert_cmpuint(r.tpdus, ==, 34);
	g_assert_cmpuint(r.card->transmits, ==, 34);
	/* the card leaves first: pcscd would wait for it while the bank's
	 * PC/SC threads are joined */
	if (vpcd != NULL)
		vpcd_card_free(vpcd);
	g_object_unref(r.router);
	if (csv != NULL)
		g_unlink(csv);
	g_object_unref(r.card);
	test_server_free(r.server);
}

int
main(int argc, char **argv)
{
	g_autofree gchar *probe = NULL;

	GOptionEntry entries[] = {
	        {"vpcd-port", 0, 0, G_OPTION_ARG_INT, &vpcd_port, "card side of this vpcd slot",
	         "PORT"},
	        {"reader", 0, 0, G_OPTION_ARG_STRING, &vpcd_reader, "its PC/SC reader name", "NAME"},
	        {"tls-dir", 0, 0, G_OPTION_ARG_FILENAME, &tls_dir,
	         "also listen-tls with DIR/bank1.pem (tools/make-test-pki.sh)", "DIR"},
	        {NULL},
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("VECTORS_DIR");

	g_test_init(&argc, &argv, NULL);
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, NULL) || (vpcd_port != 0 && vpcd_reader == NULL))
		return 2;
	vectors_dir = argc > 1 ? argv[1] : "../shared/vectors";
	probe = g_build_filename(vectors_dir, "remsim", "decoded", NULL);
	if (!g_file_test(probe, G_FILE_TEST_IS_DIR)) {
		g_printerr("no captures in %s: skipped\n", probe);
		return 77;
	}
	g_test_add_func("/bank/replay-captures", test_replay);
	return g_test_run();
}
