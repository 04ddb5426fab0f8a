/* SPDX-License-Identifier: MIT */
/*
 * progress.h - a one-line progress indicator for long runs.
 *
 * Shown on stderr, and only when stderr is a terminal and the run has
 * taken more than a second of real time: short runs and runs whose output
 * goes to a file or a pipe stay clean. A small thread redraws the line, so
 * the elapsed time keeps moving even while the run is blocked in a revoke
 * that waits for a broken importer, which is when a reader most needs to
 * see that something is still happening.
 */
#ifndef DMABUF_SIM_PROGRESS_H
#define DMABUF_SIM_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sim_progress {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running;		/* the redraw thread exists */
	bool stop;
	FILE *out;
	bool shown;		/* something is on the line, to be cleared */
	double fraction;	/* the last the runner reported */
	int64_t start_ns;	/* real time the run began */
	int64_t show_after_ns;
	char label[96];
};

/**
 * sim_progress_start - a progress line for a run called @label on @out
 * @force: draw even if @out is not a terminal (tests)
 * @show_after_ns: how long a run must take before it shows (1 s for users)
 *
 * Return: 0, or -errno if the redraw thread could not start (the run goes
 * on without a progress line).
 */
int sim_progress_start(struct sim_progress *p, FILE *out, const char *label,
		       bool force, int64_t show_after_ns);

/**
 * sim_progress_update - the run is @fraction (0..1) done
 *
 * Matches sim_run_options.progress, with the struct sim_progress as data.
 * Context: any thread.
 */
void sim_progress_update(double fraction, void *data);

/** sim_progress_stop - stop redrawing and clear the line, if one was drawn */
void sim_progress_stop(struct sim_progress *p);

#endif /* DMABUF_SIM_PROGRESS_H */
