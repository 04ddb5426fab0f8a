/* SPDX-License-Identifier: MIT */
/*
 * units.h - the units of dmabuf-sim's input and output: durations, sizes,
 * errno names. The scenario parser and the command line share them, so a
 * value means the same wherever it is written.
 *
 * Durations are a number and a unit: "250ns", "20us", "5ms", "1s", "1.5ms";
 * "0" is the only duration without a unit (a bare 5 could mean 5 ns or 5 s,
 * so it is refused). Sizes are bytes with an optional binary suffix: "4096",
 * "64KiB", "1MiB", "2GiB". Errno values are "0" or a name, optionally
 * negated: "EOPNOTSUPP", "-ENODEV".
 */
#ifndef DMABUF_SIM_UNITS_H
#define DMABUF_SIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

/**
 * sim_parse_duration - parse @s as a duration in nanoseconds
 * Return: 0; -EINVAL if it is not a duration; -ERANGE if it overflows.
 */
int sim_parse_duration(const char *s, int64_t *out);

/**
 * sim_parse_size - parse @s as a size in bytes
 * Return: 0; -EINVAL if it is not a size; -ERANGE if it overflows.
 */
int sim_parse_size(const char *s, uint64_t *out);

/**
 * sim_parse_uint - parse @s as a decimal integer without sign
 * Return: 0; -EINVAL if it is not one; -ERANGE above UINT64_MAX.
 */
int sim_parse_uint(const char *s, uint64_t *out);

/**
 * sim_parse_errno - parse @s as 0 or an errno name into 0 / -errno
 * Return: 0, or -EINVAL for an unknown name.
 */
int sim_parse_errno(const char *s, int *out);

/** sim_errno_name - "0", "EOPNOTSUPP", ... for 0 / -errno; NULL if unknown */
const char *sim_errno_name(int err);

/* The names sim_parse_errno() knows, for error messages. */
extern const char sim_errno_names_hint[];

/**
 * sim_format_duration - @ns for a reader: "850 ns", "12.5 us", "1.204 ms",
 * "2.000 s"; negative values print as "-"
 */
const char *sim_format_duration(int64_t ns, char *buf, size_t len);

/** sim_format_size - @bytes for a reader: "4096 B", "64 KiB", "1.5 MiB" */
const char *sim_format_size(uint64_t bytes, char *buf, size_t len);

#endif /* DMABUF_SIM_UNITS_H */
