// SPDX-License-Identifier: GPL-2.0-or-later
/* Slot capabilities and the route check: what one end cannot carry ends with
 * 6700 and one log line, never reaches the other end, never gets cut. */
#include <string.h>

#include "test-slots.h"

static const guint8 atr[] = {0x3B, 0x02, 0x14, 0x50};
/* READ BINARY, extended Le = 4096 */
static const guint8 read_ext[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00};
/* READ BINARY, short Le = 00 (256) and Le = 10 */
static const guint8 read_256[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
static const guint8 read_16[] = {0x00, 0xB0, 0x00, 0x00, 0x10};
/* SELECT MF, case 3 */
static const guint8 select_mf[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00};

static const CrSlotCaps t1_ext = {CR_PROTOCOL_T1, TRUE, CR_SLOT_CAPS_EXT_MAX_COMMAND,
				  CR_SLOT_CAPS_EXT_MAX_RESPONSE};

/* refusal lines seen, through the log writer */
static guint refusal_lines;
static gchar *last_refusal;

static GLogWriterOutput
count_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_str_equal(fields[i].key, "MESSAGE") && fields[i].length < 0 &&
		    strstr(fields[i].value, "refused with 6700") != NULL) {
			refusal_lines++;
			g_free(last_refusal);
			last_refusal = g_strdup(fields[i].value);
		}
		if (g_str_equal(fields[i].key, "MESSAGE") && fields[i].length < 0 &&
		    strstr(fields[i].value, "replaced by 6700") != NULL) {
			refusal_lines++;
			g_free(last_refusal);
			last_refusal = g_strdup(fields[i].value);
		}
	}
	return g_log_writer_default(level, fields, n_fields, user_data);
}

typedef struct {
	CrRouter *router;
	TestFrontend *fe;
	TestBackend *be;
	CrRoute *route;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(GError) error = NULL;
	f->router = cr_router_new();
	f->fe = test_frontend_new("fe");
	f->be = test_backend_new("be");
	g_assert_true(cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(f->fe),
						    &error));
	g_assert_true(cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(f->be),
						   &error));
	g_assert_true(cr_router_add_instance(f->router, CR_INSTANCE(inst), "test", "test",
					     CR_PLUGIN_KIND_BACKEND, &error));
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), atr, sizeof(atr));
	f->route = cr_router_add_route(f->router, "r1", "fe", "be", NULL, &error);
	g_assert_no_error(error);
	refusal_lines = 0;
	g_clear_pointer(&last_refusal, g_free);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->fe);
	g_object_unref(f->be);
	g_object_unref(f->router);
}

static void
submit(Fixture *f, const guint8 *cmd, gsize len)
{
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(f->fe), cmd, len);
}

/* the last outcome was the core's 6700 refusal, and the card saw nothing */
static void
assert_refused(Fixture *f, guint transmits_before)
{
	GByteArray *r = f->fe->last_response;
	g_assert_nonnull(r);
	g_assert_cmpuint(r->len, ==, 2);
	g_assert_cmphex(r->data[0], ==, 0x67);
	g_assert_cmphex(r->data[1], ==, 0x00);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_NOT_SUPPORTED);
	g_assert_cmpuint(f->be->transmits, ==, transmits_before);
}

static void
assert_forwarded(Fixture *f, guint transmits_before)
{
	g_assert_no_error(f->fe->last_error);
	g_assert_cmpuint(f->be->transmits, ==, transmits_before + 1);
	g_assert_nonnull(f->fe->last_response);
	g_assert_cmphex(f->fe->last_response->data[f->fe->last_response->len - 2], ==, 0x90);
}

static void
test_defaults_and_normalize(void)
{
	g_autoptr(TestFrontend) fe = test_frontend_new("fe");
	g_autoptr(TestBackend) be = test_backend_new("be");
	const CrSlotCaps *caps = cr_frontend_slot_get_caps(CR_FRONTEND_SLOT(fe));
	CrSlotCaps in = {0, FALSE, 5000, 9000};

	g_assert_cmpuint(caps->protocols, ==, CR_PROTOCOL_T0);
	g_assert_false(caps->extended);
	g_assert_cmpuint(caps->max_command, ==, 261);
	g_assert_cmpuint(caps->max_response, ==, 258);
	caps = cr_backend_slot_get_caps(CR_BACKEND_SLOT(be));
	g_assert_cmpuint(caps->max_command, ==, 261);

	/* short only: sizes clamped to short APDUs; no protocol means T=0 */
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(fe), &in);
	caps = cr_frontend_slot_get_caps(CR_FRONTEND_SLOT(fe));
	g_assert_cmpuint(caps->protocols, ==, CR_PROTOCOL_T0);
	g_assert_cmpuint(caps->max_command, ==, 261);
	g_assert_cmpuint(caps->max_response, ==, 258);
	in = (CrSlotCaps){CR_PROTOCOL_T0 | CR_PROTOCOL_T1 | 0x80, TRUE, 100000, 0};
	cr_backend_slot_set_caps(CR_BACKEND_SLOT(be), &in);
	caps = cr_backend_slot_get_caps(CR_BACKEND_SLOT(be));
	g_assert_cmpuint(caps->protocols, ==, CR_PROTOCOL_T0 | CR_PROTOCOL_T1);
	g_assert_true(caps->extended);
	g_assert_cmpuint(caps->max_command, ==, 65544);
	g_assert_cmpuint(caps->max_response, ==, 2);
	g_assert_cmpstr(cr_slot_caps_protocols_to_string(caps->protocols), ==, "T=0,T=1");
	g_assert_cmpstr(cr_slot_caps_protocols_to_string(CR_PROTOCOL_T1), ==, "T=1");
}

static void
test_short_between_defaults(Fixture *f, gconstpointer data)
{
	submit(f, select_mf, sizeof(select_mf));
	assert_forwarded(f, 0);
	submit(f, read_256, sizeof(read_256));
	assert_forwarded(f, 1);
	g_assert_cmpuint(refusal_lines, ==, 0);
}

static void
test_extended_to_t0_backend(Fixture *f, gconstpointer data)
{
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(f->fe), &t1_ext);
	submit(f, read_ext, sizeof(read_ext));
	assert_refused(f, 0);
	g_assert_cmpuint(refusal_lines, ==, 1);
	g_assert_nonnull(strstr(last_refusal, "r1: extended C-APDU of 7 bytes"));
	g_assert_nonnull(strstr(last_refusal, "backend slot be cannot carry extended length"));
	g_assert_nonnull(strstr(last_refusal, "(T=0, short APDUs, 261/258 bytes)"));
	g_assert_cmpuint(cr_route_get_stats(f->route)->errors, ==, 1);
	/* a terminal that repeats it: still one line in the window */
	for (guint i = 0; i < 5; i++)
		submit(f, read_ext, sizeof(read_ext));
	assert_refused(f, 0);
	g_assert_cmpuint(f->fe->done_count, ==, 6);
	g_assert_cmpuint(refusal_lines, ==, 1);
	/* short commands still go through */
	submit(f, read_16, sizeof(read_16));
	assert_forwarded(f, 0);
}

static void
test_extended_from_t0_frontend(Fixture *f, gconstpointer data)
{
	/* an extended UPDATE BINARY, Lc = 300 */
	g_autofree guint8 *cmd = g_malloc0(7 + 300);
	memcpy(cmd, (const guint8[]){0x00, 0xD6, 0x00, 0x00, 0x00, 0x01, 0x2C}, 7);
	cr_backend_slot_set_caps(CR_BACKEND_SLOT(f->be), &t1_ext);
	submit(f, cmd, 7 + 300);
	assert_refused(f, 0);
	g_assert_nonnull(strstr(last_refusal, "frontend slot fe cannot carry extended length"));
}

static void
test_extended_both_ends(Fixture *f, gconstpointer data)
{
	g_autofree guint8 *cmd = g_malloc0(9 + 3000);
	memcpy(cmd, (const guint8[]){0x00, 0xD6, 0x00, 0x00, 0x00, 0x0B, 0xB8}, 7);
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(f->fe), &t1_ext);
	cr_backend_slot_set_caps(CR_BACKEND_SLOT(f->be), &t1_ext);
	submit(f, read_ext, sizeof(read_ext));
	assert_forwarded(f, 0);
	/* Lc = 3000 and Le = 0000 (65536) */
	submit(f, cmd, 9 + 3000);
	assert_forwarded(f, 1);
	g_assert_cmpuint(refusal_lines, ==, 0);
}

static void
test_sizes(Fixture *f, gconstpointer data)
{
	/* extended, but 4 KiB at most each way at the backend */
	CrSlotCaps small = {CR_PROTOCOL_T1, TRUE, 4096 + 9, 4096 + 2};
	const guint8 read_0000[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00};
	const guint8 read_4097[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x01};
	g_autofree guint8 *cmd = g_malloc0(7 + 5000);
	memcpy(cmd, (const guint8[]){0x00, 0xD6, 0x00, 0x00, 0x00, 0x13, 0x88}, 7);

	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(f->fe), &t1_ext);
	cr_backend_slot_set_caps(CR_BACKEND_SLOT(f->be), &small);
	submit(f, read_ext, sizeof(read_ext));
	assert_forwarded(f, 0);
	submit(f, read_4097, sizeof(read_4097));
	assert_refused(f, 1);
	g_assert_nonnull(strstr(last_refusal, "(its Le asks 4099 bytes with SW1 SW2)"));
	g_assert_nonnull(strstr(last_refusal, "cannot carry the answer its Le asks for"));
	/* Le = 0000 asks as much as there is: the answer decides */
	submit(f, read_0000, sizeof(read_0000));
	assert_forwarded(f, 1);
	submit(f, cmd, 7 + 5000);
	assert_refused(f, 2);
	g_assert_nonnull(strstr(last_refusal, "cannot carry the command's length"));
	g_assert_cmpuint(refusal_lines, ==, 2);
}

static void
test_short_response_limit(Fixture *f, gconstpointer data)
{
	/* a frontend that carries 16 data bytes at most */
	CrSlotCaps tiny = {CR_PROTOCOL_T0, FALSE, 261, 18};
	const guint8 read_17[] = {0x00, 0xB0, 0x00, 0x00, 0x11};
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(f->fe), &tiny);
	submit(f, read_17, sizeof(read_17));
	assert_refused(f, 0);
	submit(f, read_16, sizeof(read_16));
	assert_forwarded(f, 0);
	/* Le = 00: as much as there is; the test card's 3 bytes fit */
	submit(f, read_256, sizeof(read_256));
	assert_forwarded(f, 1);
}

static void
test_response_too_long(Fixture *f, gconstpointer data)
{
	/* the test card answers INS 90 00: 3 bytes, one too many */
	CrSlotCaps two = {CR_PROTOCOL_T0, FALSE, 261, 2};
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(f->fe), &two);
	submit(f, select_mf, sizeof(select_mf));
	g_assert_cmpuint(f->be->transmits, ==, 1);
	g_assert_cmpuint(f->fe->last_response->len, ==, 2);
	g_assert_cmphex(f->fe->last_response->data[0], ==, 0x67);
	g_assert_error(f->fe->last_error, CR_ERROR, CR_ERROR_NOT_SUPPORTED);
	g_assert_cmpuint(refusal_lines, ==, 1);
	g_assert_nonnull(strstr(last_refusal, "the card's answer of 3 bytes replaced by 6700"));
}

static void
test_not_extended_left_to_card(Fixture *f, gconstpointer data)
{
	/* byte 4 = 00 but inconsistent extended lengths: the card judges it */
	const guint8 odd[] = {0x00, 0xD6, 0x00, 0x00, 0x00, 0x05, 0x01, 0x02};
	submit(f, odd, sizeof(odd));
	assert_forwarded(f, 0);
	g_assert_cmpuint(refusal_lines, ==, 0);
}

/* The protocols named by an ATR's TDi bytes. */
static void
test_atr_protocols(void)
{
	/* no TD1: T=0 implied */
	static const guint8 t0_plain[] = {0x3B, 0x02, 0x14, 0x50};
	/* the default vcard profile's: TD1 = 80 (T=0), TD2 = 1F (T=15) */
	static const guint8 t0_t15[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7};
	/* TD1 = 81 (T=1), TD2 = 31 (T=1, TA3 TB3 follow) */
	static const guint8 t1[] = {0x3B, 0x85, 0x81, 0x31, 0xFE, 0x45, 0x80};
	/* TD1 = 80 (T=0), TD2 = 01 (T=1) */
	static const guint8 both[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
	/* TD1 announces TD2, which is missing */
	static const guint8 cut[] = {0x3B, 0x81, 0x81};

	g_assert_cmpuint(cr_atr_protocols(NULL, 0), ==, CR_PROTOCOL_T0);
	g_assert_cmpuint(cr_atr_protocols(t0_plain, 1), ==, CR_PROTOCOL_T0);
	g_assert_cmpuint(cr_atr_protocols(t0_plain, sizeof(t0_plain)), ==, CR_PROTOCOL_T0);
	g_assert_cmpuint(cr_atr_protocols(t0_t15, sizeof(t0_t15)), ==, CR_PROTOCOL_T0);
	g_assert_cmpuint(cr_atr_protocols(t1, sizeof(t1)), ==, CR_PROTOCOL_T1);
	g_assert_cmpuint(cr_atr_protocols(both, sizeof(both)), ==, CR_PROTOCOL_T0 | CR_PROTOCOL_T1);
	g_assert_cmpuint(cr_atr_protocols(cut, sizeof(cut)), ==, CR_PROTOCOL_T1);
	g_assert_cmpuint(cr_atr_protocols(cut, 2), ==, CR_PROTOCOL_T0);
}

/* The extended-length announcement of an ATR's historical bytes. */
static void
test_atr_clear_extended(void)
{
	/* data/vcard/extended.ini: T=1, 80 73 C0 21 C0, TCK 5C */
	static const guint8 ext[] = {0x3B, 0x85, 0x81, 0x31, 0xFE, 0x45,
				     0x80, 0x73, 0xC0, 0x21, 0xC0, 0x5C};
	/* the same without b7 in the third byte: nothing to clear */
	static const guint8 short_only[] = {0x3B, 0x85, 0x81, 0x31, 0xFE, 0x45,
					    0x80, 0x73, 0xC0, 0x21, 0x80, 0x1C};
	/* T=0 only (no TCK), category 00 with status: 00 73 C0 21 C0 80 90 00 */
	static const guint8 t0_status[] = {0x3B, 0x08, 0x00, 0x73, 0xC0, 0x21, 0xC0, 0x80, 0x90, 0x00};
	/* the default vcard profile: category 80, no card capabilities object */
	static const guint8 sim[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73,
				     0xFE, 0x21, 0x1B, 0x63, 0x3A, 0x20, 0x4E, 0x83, 0x00, 0x90, 0x00, 0x93};
	/* an object running past the historical bytes */
	static const guint8 cut[] = {0x3B, 0x03, 0x80, 0x73, 0xC0};
	guint8 out[CR_ATR_MAX];
	guint8 x = 0;

	g_assert_true(cr_atr_clear_extended(ext, sizeof(ext), out));
	g_assert_cmpmem(out, sizeof(ext), short_only, sizeof(short_only));
	for (gsize k = 1; k < sizeof(ext); k++)
		x ^= out[k];
	g_assert_cmphex(x, ==, 0); /* the check byte holds */
	g_assert_false(cr_atr_clear_extended(short_only, sizeof(short_only), out));
	g_assert_true(cr_atr_clear_extended(t0_status, sizeof(t0_status), out));
	g_assert_cmphex(out[6], ==, 0x80);
	g_assert_cmphex(out[9], ==, 0x00); /* no TCK at T=0: the status stays */
	g_assert_false(cr_atr_clear_extended(sim, sizeof(sim), out));
	g_assert_false(cr_atr_clear_extended(cut, sizeof(cut), out));
	g_assert_false(cr_atr_clear_extended(ext, sizeof(ext) - 1, out)); /* TCK missing */
	g_assert_false(cr_atr_clear_extended(ext, 1, out));
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main(int argc, char **argv)
{
	g_log_set_writer_func(count_writer, NULL, NULL);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/slot-caps/defaults-and-normalize", test_defaults_and_normalize);
	g_test_add_func("/slot-caps/atr-protocols", test_atr_protocols);
	g_test_add_func("/slot-caps/atr-clear-extended", test_atr_clear_extended);
	ADD("/slot-caps/short-between-defaults", test_short_between_defaults);
	ADD("/slot-caps/extended-to-t0-backend", test_extended_to_t0_backend);
	ADD("/slot-caps/extended-from-t0-frontend", test_extended_from_t0_frontend);
	ADD("/slot-caps/extended-both-ends", test_extended_both_ends);
	ADD("/slot-caps/sizes", test_sizes);
	ADD("/slot-caps/short-response-limit", test_short_response_limit);
	ADD("/slot-caps/response-too-long", test_response_too_long);
	ADD("/slot-caps/not-extended-left-to-card", test_not_extended_left_to_card);
	return g_test_run();
}
