/* SPDX-License-Identifier: MIT */
/*
 * trace.h - a dmabuf-sim run as a Chrome trace-event file, which the
 * Perfetto UI (ui.perfetto.dev) and chrome://tracing open.
 *
 * Each play is a process; each device or importer (each distinct track of
 * the result) is a thread of it, named by metadata events, so the UI shows
 * one track per device/importer. DMA jobs and revoke phases are complete
 * events ("X"), invalidations, faults and violations are instants ("i").
 * Timestamps are microseconds on the scenario clock.
 */
#ifndef DMABUF_SIM_TRACE_H
#define DMABUF_SIM_TRACE_H

#include <stddef.h>
#include <jansson.h>

#include "result.h"

/** sim_trace_json - the trace as a jansson object; NULL with errno = ENOMEM */
json_t *sim_trace_json(const struct sim_result *const *res, unsigned int n);

/**
 * sim_trace_write - write the trace to @path
 *
 * Return: 0, or -errno with @err saying what went wrong.
 */
int sim_trace_write(const char *path, const struct sim_result *const *res,
		    unsigned int n, char *err, size_t err_len);

#endif /* DMABUF_SIM_TRACE_H */
