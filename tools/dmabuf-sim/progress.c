// SPDX-License-Identifier: MIT
/*
 * progress.c - "dmabuf-sim: low-power/blocking  42%  3.1 s" on a terminal.
 *
 * The line is redrawn in place (\r and erase-to-end) ten times a second by
 * its own thread and erased when the run ends, so the report that follows
 * starts on a clean line. Locking: one mutex covers the state; the runner's
 * update only stores the fraction.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_NS	100000000LL

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void draw(struct sim_progress *p, int64_t now)
{
	double f = p->fraction < 0 ? 0 : p->fraction > 1 ? 1 : p->fraction;

	fprintf(p->out, "\rdmabuf-sim: %s %3d%%  %.1f s\033[K", p->label, (int)(f * 100),
		(double)(now - p->start_ns) / 1e9);
	fflush(p->out);
	p->shown = true;
}

static void *redraw(void *arg)
{
	struct sim_progress *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		int64_t next = now_ns() + REDRAW_NS;
		struct timespec ts = { next / 1000000000LL, next % 1000000000LL };

		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		if (!p->stop && now_ns() - p->start_ns >= p->show_after_ns)
			draw(p, now_ns());
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int sim_progress_start(struct sim_progress *p, FILE *out, const char *label,
		       bool force, int64_t show_after_ns)
{
	pthread_condattr_t attr;
	int ret;

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->start_ns = now_ns();
	p->show_after_ns = show_after_ns;
	snprintf(p->label, sizeof(p->label), "%s", label);
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (!force && !isatty(fileno(out)))
		return 0;
	ret = pthread_create(&p->thread, NULL, redraw, p);
	if (ret)
		return -ret;
	p->running = true;
	return 0;
}

void sim_progress_update(double fraction, void *data)
{
	struct sim_progress *p = data;

	pthread_mutex_lock(&p->lock);
	p->fraction = fraction;
	pthread_mutex_unlock(&p->lock);
}

void sim_progress_stop(struct sim_progress *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->running)
		pthread_join(p->thread, NULL);
	if (p->shown) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
}
