// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A replay driver for fuzz targets in builds without libFuzzer (gcc): runs every
 * seed file given on the command line (files or directories), then a fixed number
 * of deterministic mutations of each seed (bit flips, truncation, byte runs), so
 * the same target is exercised in every build, reproducibly.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t
rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
run_mutations(const uint8_t *seed, size_t len, unsigned rounds)
{
	static uint8_t buf[FUZZ_MAX_INPUT];
	for (unsigned i = 0; i < rounds; i++) {
		size_t n = len;
		memcpy(buf, seed, n);
		switch (rng_next() % 5) {
		case 0: /* flip a few bits */
			for (unsigned k = 0; n > 0 && k < 1 + rng_next() % 4; k++)
				buf[rng_next() % n] ^= (uint8_t)(1u << (rng_next() % 8));
			break;
		case 1: /* truncate */
			n = n ? rng_next() % n : 0;
			break;
		case 2: /* random bytes overwrite */
			for (unsigned k = 0; n > 0 && k < 1 + rng_next() % 8; k++)
				buf[rng_next() % n] = (uint8_t)rng_next();
			break;
		case 3: /* append random bytes */ {
			size_t extra = rng_next() % 64;
			for (size_t k = 0; k < extra && n < FUZZ_MAX_INPUT; k++)
				buf[n++] = (uint8_t)rng_next();
			break;
		}
		default: /* interesting values */
			if (n > 0) {
				static const uint8_t vals[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe};
				buf[rng_next() % n] = vals[rng_next() % sizeof(vals)];
			}
			break;
		}
		LLVMFuzzerTestOneInput(buf, n);
	}
}

static void
run_file(const char *path, unsigned rounds)
{
	static uint8_t seed[FUZZ_MAX_INPUT];
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	size_t len = fread(seed, 1, sizeof(seed), f);
	fclose(f);
	LLVMFuzzerTestOneInput(seed, len);
	run_mutations(seed, len, rounds);
}

int
main(int argc, char **argv)
{
	unsigned rounds = 2000;
	int files = 0;
	const char *env = getenv("FUZZ_ROUNDS");
	if (env != NULL)
		rounds = (unsigned)strtoul(env, NULL, 10);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (argv[i][0] == '-')
			continue; /* libFuzzer-style flags are ignored here */
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 2;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			while (d != NULL && (e = readdir(d)) != NULL) {
				char p[4096];
				if (e->d_name[0] == '.')
					continue;
				snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
				run_file(p, rounds);
				files++;
			}
			if (d != NULL)
				closedir(d);
		} else {
			run_file(argv[i], rounds);
			files++;
		}
	}
	/* with no seeds at all, fuzz from random bytes */
	if (files == 0) {
		uint8_t zero[1] = {0};
		run_mutations(zero, 0, rounds * 4);
	}
	printf("replayed %d seed(s) with %u mutations each\n", files, rounds);
	return 0;
}
