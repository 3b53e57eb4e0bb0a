// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "cardroute/cr-stats.h"

static guint
bucket_index(gint64 us)
{
	guint64 x = us < 0 ? 0 : (guint64)us;
	guint b, q, idx;
	if (x < 4)
		return (guint)x;
	b = 63 - (guint)__builtin_clzll(x);
	q = (guint)(x >> (b - 2)) & 3;
	idx = 4 * (b - 1) + q;
	return idx < CR_STATS_BUCKETS ? idx : CR_STATS_BUCKETS - 1;
}

gint64
cr_stats_bucket_upper_us(guint index)
{
	guint b, q;
	if (index < 4)
		return index + 1;
	b = index / 4 + 1;
	q = index % 4;
	return (gint64)(5 + q) << (b - 2);
}

void
cr_stats_record(CrStats *stats, gint64 latency_us, gboolean error)
{
	stats->transactions++;
	if (error)
		stats->errors++;
	stats->buckets[bucket_index(latency_us)]++;
	stats->latency_sum_us += latency_us > 0 ? (guint64)latency_us : 0;
}

void
cr_stats_set_last_error(CrStats *stats, const gchar *message)
{
	if (g_strcmp0(stats->last_error, message) == 0)
		return;
	g_free(stats->last_error);
	stats->last_error = g_strdup(message);
}

gint64
cr_stats_percentile(const CrStats *stats, gdouble quantile)
{
	guint64 total = 0, rank, seen = 0;
	for (guint i = 0; i < CR_STATS_BUCKETS; i++)
		total += stats->buckets[i];
	if (total == 0)
		return 0;
	rank = (guint64)(quantile * (gdouble)total + 0.5);
	if (rank < 1)
		rank = 1;
	for (guint i = 0; i < CR_STATS_BUCKETS; i++) {
		seen += stats->buckets[i];
		if (seen >= rank)
			return cr_stats_bucket_upper_us(i);
	}
	return cr_stats_bucket_upper_us(CR_STATS_BUCKETS - 1);
}

void
cr_stats_clear(CrStats *stats)
{
	g_clear_pointer(&stats->last_error, g_free);
	memset(stats, 0, sizeof(*stats));
}
