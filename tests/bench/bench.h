// SPDX-License-Identifier: GPL-2.0-or-later
/* cardroute-bench: scenarios and the helpers they share. */
#pragma once

#include <cardroute/cardroute.h>

G_BEGIN_DECLS

typedef struct {
	const gchar *name;
	const gchar *summary;
	/* parses its own options from argv (argv[0] is the scenario name) */
	gint (*run)(gint argc, gchar **argv);
} BenchScenario;

/* Latencies of one measured path. */
typedef struct {
	GArray *ns; /* guint64 per transaction */
	guint64 total_ns;
	guint64 errors;
} BenchSeries;

void bench_series_init(BenchSeries *s, guint expected);
void bench_series_clear(BenchSeries *s);
void bench_series_add(BenchSeries *s, guint64 ns);
/* in microseconds, from the sorted samples */
gdouble bench_series_percentile_us(BenchSeries *s, gdouble q);
gdouble bench_series_tps(const BenchSeries *s);
void bench_series_print(BenchSeries *s, const gchar *label);

guint64 bench_now_ns(void);

/* user + system CPU in microseconds: the whole process, the calling thread */
guint64 bench_cpu_us_process(void);
guint64 bench_cpu_us_thread(void);
/* heap allocations (malloc, calloc, realloc) since start: the whole process,
 * the calling thread; FALSE when they are not counted (sanitizer builds) */
gboolean bench_allocs_available(void);
guint64 bench_allocs_process(void);
guint64 bench_allocs_thread(void);

/* Common options: --transactions N, --json, --plugin-dir DIRS. */
typedef struct {
	gint64 transactions;
	gboolean json;
	gchar *plugin_dir;
} BenchOptions;

gboolean bench_parse_options(gint *argc, gchar ***argv, const gchar *scenario,
			     GOptionEntry *extra, BenchOptions *opts);
void bench_options_clear(BenchOptions *opts);
/* A hex command-line argument; NULL (and a message naming @what) if bad. */
GBytes *bench_hex_arg(const gchar *hex, const gchar *what);
/* Orderly shutdown: instances are stopped (taps flush their files). */
void bench_router_shutdown(CrRouter *router);
/* A router loaded from an INI text written to a temporary file. */
CrRouter *bench_router_from_ini(const gchar *ini, const gchar *plugin_dir, GError **error);

/* A frontend slot driven by the benchmark itself: no plugin, no I/O. */
#define BENCH_TYPE_FRONTEND (bench_frontend_get_type())
G_DECLARE_FINAL_TYPE(BenchFrontend, bench_frontend, BENCH, FRONTEND, CrFrontendSlot)

struct _BenchFrontend {
	CrFrontendSlot parent_instance;
	gboolean done;
	gboolean failed;
	guint8 last_sw[2];
};

/* Adds a "bench" instance with one frontend slot named @name to @router. */
BenchFrontend *bench_frontend_add(CrRouter *router, const gchar *name, GError **error);

gint bench_core(gint argc, gchar **argv);
gint bench_simtrace2(gint argc, gchar **argv);
gint bench_pcsc(gint argc, gchar **argv);
gint bench_rspro(gint argc, gchar **argv);
gint bench_bank(gint argc, gchar **argv);
gint bench_server(gint argc, gchar **argv);

G_END_DECLS
