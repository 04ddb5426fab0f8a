/* SPDX-License-Identifier: MIT */
/*
 * report-html.h - the picture of a run: a self-contained HTML page with an
 * SVG timeline (a lane per device) and the summary tables, per play.
 */
#ifndef DMABUF_SIM_REPORT_HTML_H
#define DMABUF_SIM_REPORT_HTML_H

#include <stdio.h>

#include "report.h"

/**
 * sim_report_html - write the page for the plays @res[0..@n) to @out
 * Return: 0, -ENOMEM, or -EIO if @out failed.
 */
int sim_report_html(FILE *out, const struct sim_result *const *res, unsigned int n);

/**
 * sim_report_html_write - write the page to @path
 * Return: 0, or -errno with @err saying what went wrong.
 */
int sim_report_html_write(const char *path, const struct sim_result *const *res,
			  unsigned int n, char *err, size_t err_len);

#endif /* DMABUF_SIM_REPORT_HTML_H */
