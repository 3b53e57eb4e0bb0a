// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a measured side costs: CPU time from getrusage() (the process, and the
 * calling thread alone) and a count of heap allocations. The counter wraps
 * glibc's allocator: malloc, calloc and realloc defined in this executable
 * take precedence over libc's for every library and plugin of the process
 * (ELF symbol interposition) and forward to __libc_malloc and friends. Each
 * call is counted process-wide and per thread, so a scenario subtracts its
 * load generator's thread from the total. Not available under a sanitizer
 * (it brings its own allocator): bench_allocs_available() says so and the
 * figure is left out.
 */
#define _GNU_SOURCE 1
#include <stdlib.h>
#include <sys/resource.h>

#include "bench.h"

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_NO_ALLOC_COUNT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BENCH_NO_ALLOC_COUNT 1
#endif
#endif

static guint64
tv_us(const struct timeval *tv)
{
	return (guint64)tv->tv_sec * 1000000u + (guint64)tv->tv_usec;
}

static guint64
cpu_us(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0)
		return 0;
	return tv_us(&ru.ru_utime) + tv_us(&ru.ru_stime);
}

guint64
bench_cpu_us_process(void)
{
	return cpu_us(RUSAGE_SELF);
}

guint64
bench_cpu_us_thread(void)
{
	return cpu_us(RUSAGE_THREAD);
}

#ifdef BENCH_NO_ALLOC_COUNT

gboolean
bench_allocs_available(void)
{
	return FALSE;
}

guint64
bench_allocs_process(void)
{
	return 0;
}

guint64
bench_allocs_thread(void)
{
	return 0;
}

#else

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

static guint64 allocs_total;
static __thread guint64 allocs_here;

static inline void
count_one(void)
{
	__atomic_add_fetch(&allocs_total, 1, __ATOMIC_RELAXED);
	allocs_here++;
}

void *
malloc(size_t size)
{
	count_one();
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	count_one();
	return __libc_calloc(n, size);
}

void *
realloc(void *ptr, size_t size)
{
	/* a resize is an allocation too: it may move the block */
	count_one();
	return __libc_realloc(ptr, size);
}

gboolean
bench_allocs_available(void)
{
	return TRUE;
}

guint64
bench_allocs_process(void)
{
	return __atomic_load_n(&allocs_total, __ATOMIC_RELAXED);
}

guint64
bench_allocs_thread(void)
{
	return allocs_here;
}

#endif
