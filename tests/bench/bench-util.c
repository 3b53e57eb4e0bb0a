// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib/gstdio.h>
#include <unistd.h>
#include <time.h>

#include "bench.h"

guint64
bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (guint64)ts.tv_sec * 1000000000ull + (guint64)ts.tv_nsec;
}

void
bench_series_init(BenchSeries *s, guint expected)
{
	s->ns = g_array_sized_new(FALSE, FALSE, sizeof(guint64), expected);
	s->total_ns = 0;
	s->errors = 0;
}

void
bench_series_clear(BenchSeries *s)
{
	g_clear_pointer(&s->ns, g_array_unref);
}

void
bench_series_add(BenchSeries *s, guint64 ns)
{
	g_array_append_val(s->ns, ns);
}

static gint
cmp_u64(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
	return x < y ? -1 : x > y;
}

gdouble
bench_series_percentile_us(BenchSeries *s, gdouble q)
{
	guint idx;
	if (s->ns->len == 0)
		return 0;
	g_array_sort(s->ns, cmp_u64);
	idx = (guint)(q * (s->ns->len - 1) + 0.5);
	return g_array_index(s->ns, guint64, idx) / 1000.0;
}

gdouble
bench_series_tps(const BenchSeries *s)
{
	if (s->total_ns == 0)
		return 0;
	return s->ns->len * 1e9 / (gdouble)s->total_ns;
}

void
bench_series_print(BenchSeries *s, const gchar *label)
{
	g_print("%-28s %10u transactions  %12.0f tps  p50 %8.2f us  p99 %8.2f us  errors %" G_GUINT64_FORMAT
		"\n",
		label, s->ns->len, bench_series_tps(s), bench_series_percentile_us(s, 0.5),
		bench_series_percentile_us(s, 0.99), s->errors);
}

gboolean
bench_parse_options(gint *argc, gchar ***argv, const gchar *scenario, GOptionEntry *extra,
		    BenchOptions *opts)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *summary = g_strdup_printf("%s - cardroute benchmark", scenario);
	GOptionEntry common[] = {
		{"transactions", 'n', 0, G_OPTION_ARG_INT64, &opts->transactions,
		 "Transactions to measure per path", "N"},
		{"json", 0, 0, G_OPTION_ARG_NONE, &opts->json,
		 "End with one JSON object on the last line", NULL},
		{"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts->plugin_dir,
		 "Plugin directories (default: the build tree)", "DIRS"},
		{NULL},
	};
	ctx = g_option_context_new(summary);
	g_option_context_add_main_entries(ctx, common, NULL);
	if (extra != NULL)
		g_option_context_add_main_entries(ctx, extra, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		g_printerr("cardroute-bench %s: %s\n", scenario, error->message);
		return FALSE;
	}
	if (opts->plugin_dir == NULL)
		opts->plugin_dir = g_strdup(BENCH_PLUGIN_DIR);
	if (opts->transactions <= 0) {
		g_printerr("cardroute-bench %s: --transactions must be positive\n", scenario);
		return FALSE;
	}
	return TRUE;
}

GBytes *
bench_hex_arg(const gchar *hex, const gchar *what)
{
	g_autoptr(GError) error = NULL;
	GBytes *bytes = cr_hex_decode(hex, &error);
	if (bytes == NULL)
		g_printerr("cardroute-bench: %s '%s': %s\n", what, hex, error->message);
	return bytes;
}

void
bench_options_clear(BenchOptions *opts)
{
	g_clear_pointer(&opts->plugin_dir, g_free);
}

CrRouter *
bench_router_from_ini(const gchar *ini, const gchar *plugin_dir, GError **error)
{
	g_autoptr(CrRouter) router = cr_router_new();
	g_autofree gchar *path = NULL;
	gint fd = g_file_open_tmp("cardroute-bench-XXXXXX.ini", &path, error);
	gboolean ok;
	if (fd < 0)
		return NULL;
	close(fd);
	if (!g_file_set_contents(path, ini, -1, error))
		return NULL;
	cr_router_set_plugin_dir(router, plugin_dir);
	ok = cr_router_load_config(router, path, error);
	g_unlink(path);
	if (!ok)
		return NULL;
	return g_steal_pointer(&router);
}

static void
shutdown_done(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

void
bench_router_shutdown(CrRouter *router)
{
	gboolean done = FALSE;
	cr_router_shutdown(router, 5000, G_CALLBACK(shutdown_done), &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

G_DEFINE_TYPE(BenchFrontend, bench_frontend, CR_TYPE_FRONTEND_SLOT)

static void
bench_frontend_done(CrFrontendSlot *slot, CrTransaction *tx)
{
	BenchFrontend *self = BENCH_FRONTEND(slot);
	gsize len;
	const guint8 *r = cr_transaction_get_response(tx, &len);
	self->done = TRUE;
	self->failed = cr_transaction_get_error(tx) != NULL;
	if (r != NULL && len >= 2) {
		self->last_sw[0] = r[len - 2];
		self->last_sw[1] = r[len - 1];
	}
}

static void
bench_frontend_card_changed(CrFrontendSlot *slot, GBytes *atr)
{
}

static void
bench_frontend_class_init(BenchFrontendClass *klass)
{
	CR_FRONTEND_SLOT_CLASS(klass)->transaction_done = bench_frontend_done;
	CR_FRONTEND_SLOT_CLASS(klass)->card_changed = bench_frontend_card_changed;
}

static void
bench_frontend_init(BenchFrontend *self)
{
}

#define BENCH_TYPE_INSTANCE (bench_instance_get_type())
G_DECLARE_FINAL_TYPE(BenchInstance, bench_instance, BENCH, INSTANCE, CrInstance)
struct _BenchInstance {
	CrInstance parent_instance;
};
G_DEFINE_TYPE(BenchInstance, bench_instance, CR_TYPE_INSTANCE)

static void
bench_instance_class_init(BenchInstanceClass *klass)
{
}

static void
bench_instance_init(BenchInstance *self)
{
}

BenchFrontend *
bench_frontend_add(CrRouter *router, const gchar *name, GError **error)
{
	g_autoptr(BenchInstance) inst = g_object_new(BENCH_TYPE_INSTANCE, NULL);
	g_autoptr(BenchFrontend) slot = g_object_new(BENCH_TYPE_FRONTEND, "name", name, NULL);
	if (!cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(slot), error))
		return NULL;
	if (!cr_router_add_instance(router, CR_INSTANCE(inst), name, "bench",
				    CR_PLUGIN_KIND_FRONTEND, error))
		return NULL;
	return slot; /* owned by the instance, which the router owns */
}
