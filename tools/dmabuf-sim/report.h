/* SPDX-License-Identifier: MIT */
/*
 * report.h - the readable account and the JSON report of dmabuf-sim runs.
 *
 * A scenario is played once, or once per variant; every function takes the
 * results of all plays (@res[0..@n)), judged, so one report covers a whole
 * `dmabuf-sim run`. docs/scenarios.md documents the JSON schema.
 */
#ifndef DMABUF_SIM_REPORT_H
#define DMABUF_SIM_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "result.h"

/* The width the text report keeps to. */
#define SIM_REPORT_WIDTH	80

/**
 * sim_report_wrapped - print @text from the current column @col, wrapping
 * at spaces before SIM_REPORT_WIDTH; continuation lines start at @indent
 */
void sim_report_wrapped(FILE *out, unsigned int col, unsigned int indent, const char *text);

/** sim_report_pass - every play met its expectations */
bool sim_report_pass(const struct sim_result *const *res, unsigned int n);

/**
 * sim_report_intro - what a scenario with variants is about, printed once
 * before the plays (each play's section then describes its variant)
 */
void sim_report_intro(FILE *out, const struct sim_scenario *sc);

/**
 * sim_report_text - the account of one play: header, attachments,
 * timeline, revokes with phase durations and per-importer unmap latency,
 * DMA and CPU counts, violations with attribution; a variant's section ends
 * with its own verdict line (the run's is sim_report_verdict())
 */
void sim_report_text(FILE *out, const struct sim_result *res);

/** sim_report_compare - the plays of a scenario with variants, side by side */
void sim_report_compare(FILE *out, const struct sim_result *const *res, unsigned int n);

/** sim_report_verdict - the one-line verdict of the whole run */
void sim_report_verdict(FILE *out, const struct sim_result *const *res, unsigned int n);

/**
 * sim_report_json - the JSON report as a jansson object
 *
 * Return: a new reference, or NULL with errno = ENOMEM.
 */
json_t *sim_report_json(const struct sim_result *const *res, unsigned int n);

/**
 * sim_report_json_write - write the JSON report to @path
 *
 * Return: 0, or -errno with @err saying what went wrong.
 */
int sim_report_json_write(const char *path, const struct sim_result *const *res,
			  unsigned int n, char *err, size_t err_len);

#endif /* DMABUF_SIM_REPORT_H */
