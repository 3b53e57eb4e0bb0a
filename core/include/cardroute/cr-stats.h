// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Counters and a latency histogram, kept per route and per slot. Buckets are
 * quarter powers of two of microseconds (about 19% wide), so percentiles are
 * good to one bucket with no allocation on the hot path.
 */
#define CR_STATS_BUCKETS 112

typedef struct {
	guint64 transactions;
	guint64 errors;
	guint64 timeouts;
	gint64 last_activity_us; /* monotonic */
	gchar *last_error;
	guint64 buckets[CR_STATS_BUCKETS];
	guint64 latency_sum_us;
} CrStats;

void cr_stats_record(CrStats *stats, gint64 latency_us, gboolean error);
void cr_stats_set_last_error(CrStats *stats, const gchar *message);
/* @quantile in [0, 1]; 0 when empty. */
gint64 cr_stats_percentile(const CrStats *stats, gdouble quantile);
/* Upper bound in µs of bucket @index (for Prometheus histograms). */
gint64 cr_stats_bucket_upper_us(guint index);
void cr_stats_clear(CrStats *stats);

G_END_DECLS
