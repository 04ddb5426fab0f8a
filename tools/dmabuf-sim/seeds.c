// SPDX-License-Identifier: MIT
/*
 * seeds.c - a scenario over many seeds, summarised.
 *
 * Every seed plays every play of the run; a seed passes when all of them
 * do. What is kept of a seed is small (its verdict, its first reason, its
 * revokes' total times), so a range of many thousand seeds needs no more
 * memory than the results of one run. The table of seeds is printed for up
 * to SEEDS_TABLE_MAX seeds; the failing ones are always listed, each with
 * the command that plays it alone (on the virtual clock, a seed replays
 * exactly).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "seeds.h"
#include "units.h"

#define SEEDS_TABLE_MAX		200
#define HIST_BUCKETS		8
#define HIST_BAR		40
#define BAR_W			30

#define DUR(ns)		sim_format_duration((ns), (char[24]){ 0 }, 24)

struct seed_outcome {
	uint64_t seed;
	bool pass;
	unsigned int revokes;
	unsigned int violations;
	int64_t revoke_ns;		/* the revokes' total time */
	char reason[sizeof(((struct sim_result *)0)->verdict_reason) + SIM_NAME_LEN + 2];
};

static void draw_bar(uint64_t done, uint64_t count, unsigned long failed, const char *name)
{
	int fill = (int)(done * BAR_W / count);

	fprintf(stderr, "\r  %s [%.*s%*s] %llu/%llu seeds, %lu failed", name, fill,
		"##############################", BAR_W - fill, "",
		(unsigned long long)done, (unsigned long long)count, failed);
	fflush(stderr);
}

static int cmp_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* min, median, p90, max and a histogram of @lat (sorted here). */
static void print_distribution(int64_t *lat, size_t n)
{
	unsigned long hist[HIST_BUCKETS] = { 0 }, most = 0;
	int64_t lo, hi, width;

	if (!n) {
		printf("\nNo revokes, so no revoke latency.\n");
		return;
	}
	qsort(lat, n, sizeof(*lat), cmp_ns);
	lo = lat[0];
	hi = lat[n - 1];
	printf("\nRevoke latency (first revoke to last unmap), %zu revoke%s:\n"
	       "  min %s, median %s, p90 %s, max %s\n", n, n == 1 ? "" : "s",
	       DUR(lo), DUR(lat[n / 2]), DUR(lat[n * 9 / 10]), DUR(hi));
	width = (hi - lo) / HIST_BUCKETS + 1;
	for (size_t i = 0; i < n; i++)
		hist[(lat[i] - lo) / width]++;
	for (int b = 0; b < HIST_BUCKETS; b++)
		if (hist[b] > most)
			most = hist[b];
	for (int b = 0; b < HIST_BUCKETS && hi > lo; b++)
		printf("  %10s .. %-10s %-*.*s %lu\n", DUR(lo + b * width),
		       DUR(lo + (b + 1) * width), HIST_BAR,
		       (int)(hist[b] * HIST_BAR / (most ? most : 1)),
		       "########################################", hist[b]);
}

/* Play every play of the run with @seed; note what the summary needs. */
static void play_seed(const struct sim_seeds *s, uint64_t seed, struct seed_outcome *o,
		      int64_t *lat, size_t *nr_lat)
{
	memset(o, 0, sizeof(*o));
	o->seed = seed;
	o->pass = true;
	for (unsigned int i = 0; i < s->n; i++) {
		struct sim_result *res = s->res[i];

		s->plays[i].seed = seed;
		s->opts[i].seed = seed;
		s->opts[i].seed_set = true;
		s->play(&s->plays[i], &s->opts[i], res, false);
		if (!res->pass && o->pass) {
			o->pass = false;
			snprintf(o->reason, sizeof(o->reason), "%s%s%s", res->scenario->variant,
				 res->scenario->variant[0] ? ": " : "", res->verdict_reason);
		}
		o->violations += res->nr_violations;
		for (unsigned int k = 0; k < res->nr_revokes; k++) {
			o->revoke_ns += res->revokes[k].total_ns;
			lat[(*nr_lat)++] = res->revokes[k].total_ns;
		}
		o->revokes += res->nr_revokes;
	}
}

int sim_seeds_run(const struct sim_seeds *s)
{
	const char *name = s->plays[0].name;
	bool tty = isatty(fileno(stderr));
	struct seed_outcome *out = calloc(s->count, sizeof(*out));
	int64_t *lat = calloc(s->count * s->n * SIM_MAX_REVOKES, sizeof(*lat));
	unsigned long failed = 0;
	size_t nr_lat = 0;

	if (!out || !lat) {
		free(out);
		free(lat);
		fprintf(stderr, "dmabuf-sim: out of memory for %llu seeds\n",
			(unsigned long long)s->count);
		return 1;
	}
	for (uint64_t i = 0; i < s->count; i++) {
		if (tty)
			draw_bar(i, s->count, failed, name);
		play_seed(s, s->first + i, &out[i], lat, &nr_lat);
		failed += !out[i].pass;
	}
	if (tty)
		fputs("\r\033[K", stderr);

	if (!s->quiet) {
		printf("%s over seeds %llu..%llu: %llu passed, %lu failed\n", name,
		       (unsigned long long)s->first,
		       (unsigned long long)(s->first + s->count - 1),
		       (unsigned long long)(s->count - failed), failed);
		if (s->count <= SEEDS_TABLE_MAX) {
			/* The seed column as wide as the largest seed. */
			int w = snprintf(NULL, 0, "%llu",
					 (unsigned long long)(s->first + s->count - 1));

			if (w < 4)
				w = 4;
			printf("\n  %*s  %-7s  %7s  %-14s  %10s\n", w, "seed", "verdict", "revokes",
			       "revoke time", "violations");
			for (uint64_t i = 0; i < s->count; i++)
				printf("  %*llu  %-7s  %7u  %-14s  %10u\n", w,
				       (unsigned long long)out[i].seed,
				       out[i].pass ? "pass" : "FAIL", out[i].revokes,
				       out[i].revokes ? DUR(out[i].revoke_ns) : "-",
				       out[i].violations);
		}
		print_distribution(lat, nr_lat);
		if (failed)
			printf("\nFailing seeds, each played alone by the command after it:\n");
		for (uint64_t i = 0; i < s->count; i++) {
			if (out[i].pass)
				continue;
			int col = printf("  seed %llu: ", (unsigned long long)out[i].seed);

			sim_report_wrapped(stdout, (unsigned int)col, 6, out[i].reason);
			printf("      %s --seed %llu\n", s->replay,
			       (unsigned long long)out[i].seed);
		}
		putchar('\n');
	}
	printf("%s %s: %llu of %llu seeds as expected", failed ? "FAIL" : "PASS", name,
	       (unsigned long long)(s->count - failed), (unsigned long long)s->count);
	for (uint64_t i = 0, shown = 0; i < s->count && shown < 10; i++) {
		if (out[i].pass)
			continue;
		printf("%s%llu", shown++ ? ", " : " (failed: ", (unsigned long long)out[i].seed);
	}
	printf(failed > 10 ? ", ...)\n" : failed ? ")\n" : "\n");
	free(lat);
	free(out);
	return failed ? 1 : 0;
}
