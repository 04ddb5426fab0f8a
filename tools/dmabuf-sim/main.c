// SPDX-License-Identifier: MIT
/*
 * main.c - dmabuf-sim, the command line: play a scenario of the seed
 * thread on the reference drivers and show what the protocol did.
 *
 *	dmabuf-sim                   the default scenario (vfio-revoke)
 *	dmabuf-sim list              the built-in scenarios
 *	dmabuf-sim show NAME         a built-in's YAML, to start a file from
 *	dmabuf-sim run NAME|FILE     a built-in, or a scenario file
 *
 * Exit status: 0 when every play met the scenario's expectations, 1 when
 * one did not (or could not be played), 2 for usage errors: a bad option,
 * an unknown scenario, a file that cannot be read or does not parse, a
 * report that cannot be written. Options are parsed with glibc's argp,
 * which provides --help, --usage and --version.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/clock.h>

#include "builtin.h"
#include "override.h"
#include "proc-msg.h"
#include "progress.h"
#include "report-html.h"
#include "report.h"
#include "run.h"
#include "scenario.h"
#include "schema.h"
#include "seeds.h"
#include "trace.h"
#include "units.h"

#ifndef SIM_VERSION
#define SIM_VERSION "unknown"
#endif

#define EXIT_PASS	0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define SHOW_PROGRESS_AFTER_NS	1000000000LL
#define SIM_MAX_SEEDS		100000u
#define LIST_DESC_MAX		60	/* "  NAME(16) " + 60 < 80 columns */

const char *argp_program_version = "dmabuf-sim " SIM_VERSION;

enum {
	OPT_UNMAP_BOUND = 0x100,
	OPT_FENCE_BOUND,
	OPT_CLOCK,
	OPT_VARIANT,
	OPT_HTML,
	OPT_SEEDS,
	OPT_REPEAT,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "What to play:", 1 },
	{ "seed", 's', "N", 0, "seed the run's decisions with N (default: the scenario's)", 1 },
	{ "duration", 'd', "TIME", 0, "play for TIME, e.g. 250ms or 2s", 1 },
	{ "importers", 'n', "N", 0, "N instances of each importer line", 1 },
	{ "clock", OPT_CLOCK, "CLOCK", 0, "virtual (default) or real", 1 },
	{ "variant", OPT_VARIANT, "NAME", 0, "play only this variant", 1 },
	{ "seeds", OPT_SEEDS, "A..B", 0,
	  "play once per seed from A to B and summarise (pass or fail per seed, "
	  "revoke latencies, the seeds to re-play)", 1 },
	{ "repeat", OPT_REPEAT, "N", 0,
	  "as --seeds, for N seeds from the scenario's (or --seed's)", 1 },
	{ NULL, 0, NULL, 0, "Revoke policy:", 2 },
	{ "policy", 'p', "WAIT", 0,
	  "at the bound: warn-then-wait (default), wait or deadline-force", 2 },
	{ "unmap-bound", OPT_UNMAP_BOUND, "TIME", 0, "how long importers may take to unmap", 2 },
	{ "fence-bound", OPT_FENCE_BOUND, "TIME", 0, "how long fences may take to signal", 2 },
	{ NULL, 0, NULL, 0, "Output:", 3 },
	{ "json", 'j', "FILE", 0, "write the JSON report to FILE", 3 },
	{ "trace", 't', "FILE", 0, "write a Chrome trace (opens in ui.perfetto.dev) to FILE", 3 },
	{ "html", OPT_HTML, "FILE", 0,
	  "write a self-contained HTML page with the run's timeline to FILE", 3 },
	{ "quiet", 'q', NULL, 0, "print the verdict line only", 3 },
	{ NULL, 0, NULL, 0, "Help:", -1 },
	{ 0 },
};

static const char doc[] =
	"Play the situations of the dma-buf revoke series on the reference drivers "
	"and show what the protocol does.\v"
	"Without a command, plays the default scenario, vfio-revoke.\n"
	"\n"
	"Commands:\n"
	"  list              the built-in scenarios\n"
	"  show NAME         print a built-in scenario's YAML\n"
	"  run NAME|FILE     play a built-in scenario or a scenario file\n"
	"\n"
	"TIME is a number and a unit: ns, us, ms or s (250ns, 20us, 5ms, 1.5s).\n"
	"The scenario format and the reports: man 5 dmabuf-sim-scenario.\n"
	"\n"
	"Exit status: 0 when the run matched the scenario's expectations, 1 when "
	"it did not, 2 for usage errors (bad options, unreadable or malformed "
	"scenario files).";

struct cli {
	const char *command;
	const char *target;
	const char *json;
	const char *trace;
	const char *html;
	const char *variant;
	bool quiet;
	struct sim_overrides ov;
	uint64_t seeds_first;	/* --seeds A..B or --repeat N: a range of seeds */
	uint64_t nr_seeds;	/* 0: one run */
	bool repeat;		/* the range starts at the scenario's seed */
};

static int64_t parse_time_arg(struct argp_state *state, const char *opt, const char *arg)
{
	int64_t ns;

	if (sim_parse_duration(arg, &ns) || ns <= 0 || ns > SIM_MAX_DURATION_NS)
		argp_error(state, "--%s: '%s' is not a duration from 1ns to 3600s "
			   "(expected e.g. 250ms or 2s)", opt, arg);
	return ns;
}

static uint64_t parse_uint_arg(struct argp_state *state, const char *opt, const char *arg,
			       uint64_t min, uint64_t max)
{
	uint64_t v;

	if (sim_parse_uint(arg, &v) || v < min || v > max)
		argp_error(state, "--%s: '%s' is not an integer from %llu to %llu", opt, arg,
			   (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* "A..B": every seed from A to B, at most SIM_MAX_SEEDS of them. */
static void parse_seeds(struct argp_state *state, struct cli *cli, const char *arg)
{
	const char *dots = strstr(arg, "..");
	char first[32];
	uint64_t a = 0, b = 0;	/* argp_error() returns under ARGP_NO_EXIT */

	if (!dots || (size_t)(dots - arg) >= sizeof(first))
		argp_error(state, "--seeds: '%s' is not a range (expected A..B, like 1..100)", arg);
	memcpy(first, arg, (size_t)(dots - arg));
	first[dots - arg] = '\0';
	if (sim_parse_uint(first, &a) || sim_parse_uint(dots + 2, &b) || a > b ||
	    b > INT64_MAX || b - a >= SIM_MAX_SEEDS)
		argp_error(state, "--seeds: '%s' is not a range of 1 to %u seeds from 0 up "
			   "(expected A..B with A <= B, like 1..100)", arg, SIM_MAX_SEEDS);
	cli->seeds_first = a;
	cli->nr_seeds = b - a + 1;
	cli->repeat = false;
}

static void take_command(struct argp_state *state, struct cli *cli, const char *arg)
{
	if (!cli->command) {
		if (strcmp(arg, "list") && strcmp(arg, "show") && strcmp(arg, "run"))
			argp_error(state, "unknown command '%s' (expected list, show or run)", arg);
		cli->command = arg;
	} else if (!cli->target && strcmp(cli->command, "list")) {
		cli->target = arg;
	} else {
		argp_error(state, "unexpected argument '%s'", arg);
	}
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct cli *cli = state->input;
	int i;

	switch (key) {
	case 's':
		cli->ov.seed = parse_uint_arg(state, "seed", arg, 0, INT64_MAX);
		cli->ov.seed_set = true;
		break;
	case 'd':
		cli->ov.duration_ns = parse_time_arg(state, "duration", arg);
		break;
	case 'n':
		cli->ov.importers = (unsigned int)parse_uint_arg(state, "importers", arg, 1,
								 SIM_MAX_IMPORTERS);
		break;
	case OPT_CLOCK:
		if (strcmp(arg, "virtual") && strcmp(arg, "real"))
			argp_error(state, "--clock: '%s' (expected virtual or real)", arg);
		cli->ov.clock = !strcmp(arg, "real");
		break;
	case OPT_VARIANT:
		cli->variant = arg;
		break;
	case OPT_SEEDS:
		parse_seeds(state, cli, arg);
		break;
	case OPT_REPEAT:
		cli->nr_seeds = parse_uint_arg(state, "repeat", arg, 1, SIM_MAX_SEEDS);
		cli->repeat = true;
		break;
	case 'p':
		i = sim_name_lookup(sim_wait_names, SIM_NR_WAITS, arg);
		if (i < 0)
			argp_error(state, "--policy: '%s' (expected wait, warn-then-wait or "
				   "deadline-force)", arg);
		cli->ov.wait = (enum dmb_revoke_wait)i;
		cli->ov.wait_set = true;
		break;
	case OPT_UNMAP_BOUND:
		cli->ov.unmap_bound_ns = parse_time_arg(state, "unmap-bound", arg);
		break;
	case OPT_FENCE_BOUND:
		cli->ov.fence_bound_ns = parse_time_arg(state, "fence-bound", arg);
		break;
	case 'j':
		cli->json = arg;
		break;
	case 't':
		cli->trace = arg;
		break;
	case OPT_HTML:
		cli->html = arg;
		break;
	case 'q':
		cli->quiet = true;
		break;
	case ARGP_KEY_ARG:
		take_command(state, cli, arg);
		break;
	case ARGP_KEY_END:
		if (cli->command && strcmp(cli->command, "list") && !cli->target)
			argp_error(state, "%s needs a scenario: a built-in name or a file",
				   cli->command);
		if (cli->nr_seeds && (cli->json || cli->trace || cli->html))
			argp_error(state, "--seeds and --repeat summarise many runs: write the "
				   "reports of one (expected --seed N instead)");
		if (cli->nr_seeds && !cli->repeat && cli->ov.seed_set)
			argp_error(state, "--seeds names its seeds: --seed goes with --repeat");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char *builtin_names(char *buf, size_t len)
{
	const char *names[32];
	unsigned int n = sim_nr_builtins < 32 ? sim_nr_builtins : 32;

	for (unsigned int i = 0; i < n; i++)
		names[i] = sim_builtins[i].name;
	return sim_schema_list(names, n, buf, len);
}

/*
 * The first sentence of a description, what `list` shows: cut to @max
 * characters so that a line of the list fits 80 columns.
 */
static void first_sentence(const char *text, char *buf, size_t max)
{
	const char *end = strstr(text, ". ");
	size_t n = end ? (size_t)(end - text) + 1 : strlen(text);

	if (n > max) {
		snprintf(buf, max + 1, "%.*s...", (int)(max - 3), text);
		return;
	}
	memcpy(buf, text, n);
	buf[n] = '\0';
}

static int cmd_list(void)
{
	struct sim_scenario *sc = malloc(sizeof(*sc));
	char err[512], label[96], line[SIM_DESC_LEN];
	int status = EXIT_PASS;

	if (!sc)
		return EXIT_FAIL;
	printf("Built-in scenarios (dmabuf-sim run NAME; dmabuf-sim show NAME for the YAML):\n");
	for (unsigned int i = 0; i < sim_nr_builtins; i++) {
		const struct sim_builtin *b = &sim_builtins[i];

		if (sim_scenario_parse(b->text, b->len, sim_builtin_label(b, label, sizeof(label)),
				       sc, err, sizeof(err))) {
			fprintf(stderr, "dmabuf-sim: %s\n", err);
			status = EXIT_FAIL;
			continue;
		}
		first_sentence(sc->description, line, LIST_DESC_MAX);
		printf("  %-16s %s\n", b->name, line);
	}
	printf("Without a command, dmabuf-sim plays %s.\n", sim_builtin_default()->name);
	free(sc);
	return status;
}

static int cmd_show(const char *name)
{
	const struct sim_builtin *b = sim_builtin_find(name);
	char names[256];

	if (!b) {
		fprintf(stderr, "dmabuf-sim: no built-in scenario '%s' (expected %s)\n", name,
			builtin_names(names, sizeof(names)));
		return EXIT_USAGE;
	}
	fwrite(b->text, 1, b->len, stdout);
	return EXIT_PASS;
}

/* A built-in by name, else a file. Return: 0 or an exit status. */
static int load_scenario(const char *target, struct sim_scenario *sc)
{
	const struct sim_builtin *b = sim_builtin_find(target);
	char err[768], label[96], names[256];
	int ret;

	if (b)
		ret = sim_scenario_parse(b->text, b->len, sim_builtin_label(b, label, sizeof(label)),
					 sc, err, sizeof(err));
	else
		ret = sim_scenario_load(target, sc, err, sizeof(err));
	if (!ret)
		return 0;
	if (ret == -ENOENT && !strchr(target, '/') && !strstr(target, ".y"))
		fprintf(stderr, "dmabuf-sim: no built-in scenario or file named '%s' "
			"(expected %s, or a scenario file)\n", target,
			builtin_names(names, sizeof(names)));
	else
		fprintf(stderr, "dmabuf-sim: %s\n", err);
	return EXIT_USAGE;
}

/* Which plays: every variant, or the one --variant names. */
static int select_plays(const struct cli *cli, const struct sim_scenario *sc,
			unsigned int *first, unsigned int *n)
{
	*first = 0;
	*n = sim_scenario_nr_plays(sc);
	if (!cli->variant)
		return 0;
	for (unsigned int i = 0; i < sc->nr_variants; i++) {
		if (!strcmp(sc->variants[i].name, cli->variant)) {
			*first = i;
			*n = 1;
			return 0;
		}
	}
	fprintf(stderr, "dmabuf-sim: --variant %s: %s has %s", cli->variant, sc->name,
		sc->nr_variants ? "the variants" : "no variants\n");
	for (unsigned int i = 0; i < sc->nr_variants; i++)
		fprintf(stderr, "%s %s", i ? "," : "", sc->variants[i].name);
	if (sc->nr_variants)
		fputc('\n', stderr);
	return EXIT_USAGE;
}

static void play(struct sim_scenario *sc, struct sim_run_options *opt,
		 struct sim_result *res, bool show_progress)
{
	struct sim_progress progress;
	char label[2 * SIM_NAME_LEN + 2];
	int64_t start;
	int ret;

	snprintf(label, sizeof(label), "%s%s%s", sc->name, sc->variant[0] ? "/" : "",
		 sc->variant);
	sim_result_init(res, sc);
	opt->progress = NULL;
	if (show_progress &&
	    !sim_progress_start(&progress, stderr, label, false, SHOW_PROGRESS_AFTER_NS)) {
		opt->progress = sim_progress_update;
		opt->progress_data = &progress;
	}
	start = dmb_ktime_get_ns();
	ret = sim_run(sc, opt, res);
	if (!res->wall_ns)
		res->wall_ns = dmb_ktime_get_ns() - start;
	if (opt->progress)
		sim_progress_stop(&progress);
	if (ret) {
		res->pass = false;
		snprintf(res->verdict_reason, sizeof(res->verdict_reason),
			 "could not be played: %s", strerror(-ret));
		return;
	}
	sim_result_judge(res);
}

static int write_outputs(const struct cli *cli, const struct sim_result *const *res,
			 unsigned int n)
{
	char err[512];

	if (cli->json && sim_report_json_write(cli->json, res, n, err, sizeof(err))) {
		fprintf(stderr, "dmabuf-sim: %s\n", err);
		return EXIT_USAGE;
	}
	if (cli->trace && sim_trace_write(cli->trace, res, n, err, sizeof(err))) {
		fprintf(stderr, "dmabuf-sim: %s\n", err);
		return EXIT_USAGE;
	}
	if (cli->html && sim_report_html_write(cli->html, res, n, err, sizeof(err))) {
		fprintf(stderr, "dmabuf-sim: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

/* The command that plays one seed of a --seeds run alone, but its --seed. */
static void replay_command(const struct cli *cli, const char *target, char *buf, size_t len)
{
	const struct sim_overrides *ov = &cli->ov;
	size_t used = (size_t)snprintf(buf, len, "dmabuf-sim");
	char t[32];

#define ADD(...) (used += used < len ? (size_t)snprintf(buf + used, len - used, __VA_ARGS__) : 0)
	if (ov->wait_set)
		ADD(" -p %s", sim_wait_name(ov->wait));
	if (ov->unmap_bound_ns)
		ADD(" --unmap-bound %s", sim_schema_duration_text(ov->unmap_bound_ns, t, sizeof(t)));
	if (ov->fence_bound_ns)
		ADD(" --fence-bound %s", sim_schema_duration_text(ov->fence_bound_ns, t, sizeof(t)));
	if (ov->duration_ns)
		ADD(" -d %s", sim_schema_duration_text(ov->duration_ns, t, sizeof(t)));
	if (ov->importers)
		ADD(" -n %u", ov->importers);
	if (ov->clock >= 0)
		ADD(" --clock %s", ov->clock ? "real" : "virtual");
	if (cli->variant)
		ADD(" --variant %s", cli->variant);
	ADD(" run %s", target);
#undef ADD
}

static int cmd_run(const struct cli *cli, const char *target)
{
	struct sim_scenario *sc = malloc(sizeof(*sc)), *plays = NULL;
	struct sim_run_options *opts = NULL;
	struct sim_result **res = NULL;
	unsigned int first, n = 0;
	char err[512];
	int status;

	if (!sc)
		return EXIT_FAIL;
	status = load_scenario(target, sc);
	if (!status)
		status = select_plays(cli, sc, &first, &n);
	if (status)
		goto out;

	status = EXIT_FAIL;
	plays = calloc(n, sizeof(*plays));
	opts = calloc(n, sizeof(*opts));
	res = calloc(n, sizeof(*res));
	if (!plays || !opts || !res)
		goto out;
	/* Every play is checked before the first runs: a usage error costs nothing. */
	for (unsigned int i = 0; i < n; i++) {
		sim_scenario_variant(sc, first + i, &plays[i]);
		if (sim_overrides_apply(&plays[i], &cli->ov, &opts[i], err, sizeof(err))) {
			fprintf(stderr, "dmabuf-sim: %s\n", err);
			status = EXIT_USAGE;
			goto out;
		}
		res[i] = malloc(sizeof(*res[i]));
		if (!res[i])
			goto out;
	}
	if (!cli->quiet && sc->nr_variants)
		sim_report_intro(stdout, sc);
	if (cli->nr_seeds) {
		char replay[512];

		replay_command(cli, target, replay, sizeof(replay));
		status = sim_seeds_run(&(struct sim_seeds){
			.plays = plays, .opts = opts, .res = res, .n = n,
			.first = cli->repeat ? (cli->ov.seed_set ? cli->ov.seed : sc->seed) :
					       cli->seeds_first,
			.count = cli->nr_seeds, .replay = replay,
			.quiet = cli->quiet, .play = play,
		});
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		play(&plays[i], &opts[i], res[i], true);
		if (!cli->quiet) {
			sim_report_text(stdout, res[i]);
			fputc('\n', stdout);
		}
	}
	if (!cli->quiet && n > 1) {
		sim_report_compare(stdout, (const struct sim_result *const *)res, n);
		fputc('\n', stdout);
	}
	sim_report_verdict(stdout, (const struct sim_result *const *)res, n);
	fflush(stdout);
	status = write_outputs(cli, (const struct sim_result *const *)res, n);
	if (!status)
		status = sim_report_pass((const struct sim_result *const *)res, n) ?
			EXIT_PASS : EXIT_FAIL;
out:
	for (unsigned int i = 0; res && i < n; i++)
		free(res[i]);
	free(res);
	free(opts);
	free(plays);
	free(sc);
	return status;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		options, parse_opt, "[list | show NAME | run NAME|FILE]", doc,
		NULL, NULL, NULL,
	};
	struct cli cli = { .ov.clock = -1 };

	/* An importer process the runner started (run-procs.c): internal, not in --help. */
	if (argc > 1 && !strcmp(argv[1], SIM_CHILD_ARG))
		return sim_importer_child(argc, argv);
	argp_err_exit_status = EXIT_USAGE;
	argp_parse(&argp, argc, argv, 0, NULL, &cli);

	if (!cli.command)
		return cmd_run(&cli, sim_builtin_default()->name);
	if (!strcmp(cli.command, "list"))
		return cmd_list();
	if (!strcmp(cli.command, "show"))
		return cmd_show(cli.target);
	return cmd_run(&cli, cli.target);
}
