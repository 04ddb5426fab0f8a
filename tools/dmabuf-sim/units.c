// SPDX-License-Identifier: MIT
/*
 * units.c - parse and print durations, sizes and errno names.
 *
 * The parsers are strict on purpose: a scenario file is a specification,
 * and "5" where "5ms" was meant must be an error, not a run a million times
 * shorter than intended. Arithmetic is integral (no strtod), so "1.5ms" is
 * exactly 1500000 ns and overflow is detected, never wrapped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

struct unit {
	const char *suffix;
	uint64_t scale;
};

static const struct unit duration_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "ms", 1000000 },
	{ "s", 1000000000 },
};

static const struct unit size_units[] = {
	{ "", 1 },
	{ "B", 1 },
	{ "KiB", 1ULL << 10 },
	{ "MiB", 1ULL << 20 },
	{ "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Leading decimal digits of @s into @out; @end past them. */
static int parse_digits(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -ERANGE;
	}
	*out = v;
	*end = p;
	return 0;
}

static const struct unit *find_unit(const struct unit *units, size_t nr,
				    const char *suffix)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(units[i].suffix, suffix))
			return &units[i];
	return NULL;
}

int sim_parse_uint(const char *s, uint64_t *out)
{
	const char *end;
	int ret = parse_digits(s, out, &end);

	if (ret)
		return ret;
	return *end ? -EINVAL : 0;
}

int sim_parse_duration(const char *s, int64_t *out)
{
	uint64_t whole = 0, frac = 0, frac_scale = 1, ns, part;
	const struct unit *unit;
	const char *p;
	int ret;

	ret = parse_digits(s, &whole, &p);
	if (ret)
		return ret;
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			if (frac_scale == 1000000000)	/* finer than any unit needs */
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_scale *= 10;
		}
	}
	if (!*p) {
		/* Only a plain zero may go without a unit. */
		if (whole || strchr(s, '.'))
			return -EINVAL;
		*out = 0;
		return 0;
	}
	unit = find_unit(duration_units, sizeof(duration_units) / sizeof(duration_units[0]), p);
	if (!unit)
		return -EINVAL;
	/* frac < frac_scale <= 1e9 and scale <= 1e9: the product fits. */
	part = frac * unit->scale;
	if (part % frac_scale)
		return -EINVAL;	/* not a whole number of nanoseconds */
	if (__builtin_mul_overflow(whole, unit->scale, &ns) ||
	    __builtin_add_overflow(ns, part / frac_scale, &ns) || ns > INT64_MAX)
		return -ERANGE;
	*out = (int64_t)ns;
	return 0;
}

int sim_parse_size(const char *s, uint64_t *out)
{
	const struct unit *unit;
	const char *p;
	uint64_t v = 0;
	int ret;

	ret = parse_digits(s, &v, &p);
	if (ret)
		return ret;
	unit = find_unit(size_units, sizeof(size_units) / sizeof(size_units[0]), p);
	if (!unit)
		return -EINVAL;
	if (__builtin_mul_overflow(v, unit->scale, out))
		return -ERANGE;
	return 0;
}

static const struct {
	const char *name;
	int err;
} errno_table[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR },
	{ "EIO", EIO }, { "ENXIO", ENXIO }, { "E2BIG", E2BIG },
	{ "EBADF", EBADF }, { "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
	{ "ENOSPC", ENOSPC }, { "ERANGE", ERANGE }, { "EDEADLK", EDEADLK },
	{ "ENOSYS", ENOSYS }, { "EALREADY", EALREADY },
	/* EOPNOTSUPP before its Linux alias ENOTSUP: it is the name printed. */
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ENOTSUP", ENOTSUP },
	{ "ETIMEDOUT", ETIMEDOUT }, { "ECANCELED", ECANCELED },
	{ "ENOLINK", ENOLINK }, { "EPROTO", EPROTO },
};

const char sim_errno_names_hint[] =
	"0 or an errno name such as EOPNOTSUPP, ENODEV, EINVAL, EBUSY";

int sim_parse_errno(const char *s, int *out)
{
	const char *name = s[0] == '-' ? s + 1 : s;

	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(errno_table) / sizeof(errno_table[0]); i++) {
		if (!strcmp(errno_table[i].name, name)) {
			*out = -errno_table[i].err;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sim_errno_name(int err)
{
	if (!err)
		return "0";
	for (size_t i = 0; i < sizeof(errno_table) / sizeof(errno_table[0]); i++)
		if (-errno_table[i].err == err)
			return errno_table[i].name;
	return NULL;
}

const char *sim_format_duration(int64_t ns, char *buf, size_t len)
{
	if (ns < 0)
		snprintf(buf, len, "-");
	else if (ns < 1000)
		snprintf(buf, len, "%lld ns", (long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	return buf;
}

const char *sim_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const suffix[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, suffix[i]);
	else
		snprintf(buf, len, "%.1f %s", v, suffix[i]);
	return buf;
}
