/* SPDX-License-Identifier: MIT */
/*
 * fuzz-scenario.c - libFuzzer target: the scenario parser and the runner.
 *
 * Each input is parsed as a scenario file. A file the parser refuses must
 * say why as "FILE:LINE: ..."; a file it accepts must be playable as
 * written (docs/scenarios.md: "a scenario that parses is one the runner can
 * play"), so a set-up failure is a finding, as is any sanitizer report or a
 * hang; so is a report (text, JSON, trace, HTML) that cannot be made of
 * the run. Only small scenarios are played, on the virtual clock, so that a
 * run costs milliseconds: the budget's work and memory well under the
 * format's limits (the parser's own refusal of the big ones is what the
 * parse half checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "budget.h"
#include "report-html.h"
#include "report.h"
#include "run.h"
#include "scenario.h"
#include "trace.h"

#define FUZZ_MAX_WORK		100000ULL		/* work units, every play: 0.1 s */
#define FUZZ_MAX_MEMORY		(SIM_RAM_SIZE + (16ULL << 20))

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Refused: the one line names the file and a line of it. */
static void check_refusal(const char *err)
{
	static const char prefix[] = "fuzz.yaml:";
	const char *p = err + sizeof(prefix) - 1;

	if (strncmp(err, prefix, sizeof(prefix) - 1) || *p < '1' || *p > '9') {
		fprintf(stderr, "refused without FILE:LINE: %s\n", err);
		abort();
	}
}

static void reports(const struct sim_result *res, FILE *null)
{
	json_t *json = sim_report_json(&res, 1), *trace = sim_trace_json(&res, 1);

	if (!json || !trace || sim_report_html(null, &res, 1)) {
		fprintf(stderr, "no report of an accepted scenario's run\n");
		abort();
	}
	json_decref(trace);
	json_decref(json);
}

static void play(const struct sim_scenario *sc, unsigned int index)
{
	struct sim_run_options opt = { 0 };
	struct sim_scenario *one = malloc(sizeof(*one));
	struct sim_result *res = malloc(sizeof(*res));
	FILE *null = fopen("/dev/null", "w");
	int ret;

	if (!one || !res || !null)
		goto out;
	if (sim_scenario_variant(sc, index, one))
		abort();
	one->real_clock = false;
	sim_result_init(res, one);
	ret = sim_run(one, &opt, res);
	if (ret) {
		fprintf(stderr, "an accepted scenario could not be played: %s\n",
			strerror(-ret));
		abort();
	}
	sim_result_judge(res);
	sim_report_text(null, res);
	reports(res, null);
out:
	if (null)
		fclose(null);
	free(res);
	free(one);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct sim_scenario *sc = malloc(sizeof(*sc));
	char err[1024];

	if (!sc)
		return 0;
	if (sim_scenario_parse((const char *)data, size, "fuzz.yaml", sc, err, sizeof(err))) {
		check_refusal(err);
		goto out;
	}
	if (sim_budget_work(sc) > FUZZ_MAX_WORK || sim_budget_memory(sc) > FUZZ_MAX_MEMORY)
		goto out;
	/*
	 * Importer processes are exec()s of dmabuf-sim itself, in real time:
	 * their parse is fuzzed, their play is tests/tools' (test-scenarios).
	 */
	if (sc->processes)
		goto out;
	for (unsigned int i = 0; i < sim_scenario_nr_plays(sc); i++)
		play(sc, i);
out:
	free(sc);
	return 0;
}
