// SPDX-License-Identifier: MIT
/*
 * schema.c - the typed-key walker behind every mapping of the format.
 *
 * Values are checked where they are read, so each error carries the line
 * of the offending value; rules that relate two values (an event after the
 * duration) are the scenario's to check once the walk is done.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "units.h"

const char *sim_schema_list(const char *const *names, unsigned int nr,
			    char *buf, size_t len)
{
	unsigned int total = 0, done = 0;
	size_t used = 0;

	for (unsigned int i = 0; i < nr; i++)
		total += names[i] != NULL;
	buf[0] = '\0';
	for (unsigned int i = 0; i < nr && used < len; i++) {
		const char *sep = "";

		if (!names[i])
			continue;
		if (done)
			sep = done == total - 1 ? " or " : ", ";
		used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, names[i]);
		done++;
	}
	return buf;
}

const char *sim_schema_duration_text(int64_t ns, char *buf, size_t len)
{
	static const struct { const char *unit; int64_t scale; } units[] = {
		{ "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ns && ns % units[i].scale == 0) {
			snprintf(buf, len, "%lld%s", (long long)(ns / units[i].scale), units[i].unit);
			return buf;
		}
	}
	snprintf(buf, len, "%lldns", (long long)ns);
	return buf;
}

const char *sim_schema_size_text(uint64_t bytes, char *buf, size_t len)
{
	static const struct { const char *unit; uint64_t scale; } units[] = {
		{ "GiB", 1ULL << 30 }, { "MiB", 1ULL << 20 }, { "KiB", 1ULL << 10 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (bytes && bytes % units[i].scale == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(bytes / units[i].scale),
				 units[i].unit);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}

bool sim_schema_is_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static size_t name_max(const struct sim_key *key)
{
	return key->max ? (size_t)key->max : key->size - 1;
}

const char *sim_schema_expected(const struct sim_key *key, char *buf, size_t len)
{
	char lo[32], hi[32], list[256];

	if (key->expected)
		return key->expected;
	switch (key->type) {
	case SIM_KEY_NAME:
		snprintf(buf, len, "a name of 1 to %zu letters, digits, '-' or '_'", name_max(key));
		break;
	case SIM_KEY_TEXT:
		snprintf(buf, len, "text of at most %zu characters", key->size - 1);
		break;
	case SIM_KEY_DURATION:
		snprintf(buf, len, "a duration from %s to %s, like 250ns, 20us, 5ms or 1s",
			 sim_schema_duration_text(key->min, lo, sizeof(lo)),
			 sim_schema_duration_text(key->max, hi, sizeof(hi)));
		break;
	case SIM_KEY_SIZE:
		snprintf(buf, len, "a size from %s to %s, like 4096, 64KiB or 1MiB",
			 sim_schema_size_text((uint64_t)key->min, lo, sizeof(lo)),
			 sim_schema_size_text((uint64_t)key->max, hi, sizeof(hi)));
		break;
	case SIM_KEY_UINT:
	case SIM_KEY_INT:
	case SIM_KEY_U64:
		snprintf(buf, len, "an integer from %lld to %lld",
			 (long long)key->min, (long long)key->max);
		break;
	case SIM_KEY_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case SIM_KEY_ERRNO:
		snprintf(buf, len, "%s", sim_errno_names_hint);
		break;
	case SIM_KEY_ENUM:
		snprintf(buf, len, "one of %s",
			 sim_schema_list(key->names, key->nr_names, list, sizeof(list)));
		break;
	case SIM_KEY_CUSTOM:
		snprintf(buf, len, "a valid %s", key->name);
		break;
	}
	return buf;
}

/* A number already parsed, checked against the key's range. */
static int check_range(struct sim_yaml *y, yaml_node_t *node,
		       const struct sim_key *key, const char *exp, uint64_t v)
{
	const char *s = sim_yaml_scalar(node);

	if (v > (uint64_t)key->max)
		return sim_yaml_fail(y, node, exp, "'%s' is too large", s);
	if ((int64_t)v < key->min)
		return sim_yaml_fail(y, node, exp, "'%s' is too small", s);
	return 0;
}

static int parse_number(struct sim_yaml *y, yaml_node_t *node,
			const struct sim_key *key, const char *exp, void *field)
{
	const char *s = sim_yaml_scalar(node);
	const char *what = "an integer";
	uint64_t v = 0;
	int64_t d = 0;
	int ret;

	switch (key->type) {
	case SIM_KEY_DURATION:
		what = "a duration";
		ret = sim_parse_duration(s, &d);
		v = (uint64_t)d;
		break;
	case SIM_KEY_SIZE:
		what = "a size";
		ret = sim_parse_size(s, &v);
		break;
	default:
		ret = sim_parse_uint(s, &v);
		break;
	}
	if (ret == -ERANGE)
		return sim_yaml_fail(y, node, exp, "'%s' is too large", s);
	/* The classic mistake gets its own words: a bare number of unknown unit. */
	if (ret && key->type == SIM_KEY_DURATION && !sim_parse_uint(s, &v))
		return sim_yaml_fail(y, node, exp, "'%s' has no unit", s);
	if (ret)
		return sim_yaml_fail(y, node, exp, "'%s' is not %s", s, what);
	ret = check_range(y, node, key, exp, v);
	if (ret)
		return ret;

	switch (key->type) {
	case SIM_KEY_DURATION:
		assert(key->size == sizeof(int64_t));
		*(int64_t *)field = (int64_t)v;
		break;
	case SIM_KEY_SIZE:
	case SIM_KEY_U64:
		assert(key->size == sizeof(uint64_t));
		*(uint64_t *)field = v;
		break;
	case SIM_KEY_UINT:
		assert(key->size == sizeof(unsigned int));
		*(unsigned int *)field = (unsigned int)v;
		break;
	default:
		assert(key->size == sizeof(int));
		*(int *)field = (int)v;
		break;
	}
	return 0;
}

static int lookup_name(const char *const *names, unsigned int nr, const char *s)
{
	for (unsigned int i = 0; i < nr; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

static int parse_scalar(struct sim_yaml *y, yaml_node_t *node,
			const struct sim_key *key, const char *exp, char *field)
{
	const char *s = sim_yaml_scalar(node);
	int idx;

	switch (key->type) {
	case SIM_KEY_NAME:
		if (!sim_schema_is_name(s, name_max(key)))
			return sim_yaml_fail(y, node, exp, "'%s' is not a valid name", s);
		snprintf(field, key->size, "%s", s);
		return 0;
	case SIM_KEY_TEXT:
		if (strlen(s) >= key->size)
			return sim_yaml_fail(y, node, exp, "the text is %zu characters long",
					     strlen(s));
		snprintf(field, key->size, "%s", s);
		return 0;
	case SIM_KEY_BOOL:
		assert(key->size == sizeof(bool));
		if (strcmp(s, "true") && strcmp(s, "false"))
			return sim_yaml_fail(y, node, exp, "'%s' is not a boolean", s);
		*(bool *)field = !strcmp(s, "true");
		return 0;
	case SIM_KEY_ERRNO:
		assert(key->size == sizeof(int));
		if (sim_parse_errno(s, (int *)field))
			return sim_yaml_fail(y, node, exp, "unknown errno '%s'", s);
		return 0;
	case SIM_KEY_ENUM:
		assert(key->size == sizeof(int));
		idx = lookup_name(key->names, key->nr_names, s);
		if (idx < 0)
			return sim_yaml_fail(y, node, exp, "unknown %s '%s'", key->name, s);
		*(int *)field = idx;
		return 0;
	default:
		return parse_number(y, node, key, exp, field);
	}
}

int sim_schema_value(struct sim_yaml *y, yaml_node_t *node,
		     const struct sim_key *key, void *obj)
{
	char *field = (char *)obj + key->offset;
	char buf[512];
	const char *exp;

	if (key->type == SIM_KEY_CUSTOM)
		return key->parse(y, node, obj);
	exp = sim_schema_expected(key, buf, sizeof(buf));
	if (node->type != YAML_SCALAR_NODE)
		return sim_yaml_fail(y, node, exp, "%s where a value belongs",
				     sim_yaml_kind(node));
	if (sim_yaml_is_null(node)) {
		if (key->type == SIM_KEY_TEXT) {
			field[0] = '\0';
			return 0;
		}
		return sim_yaml_fail(y, node, exp, "no value");
	}
	return parse_scalar(y, node, key, exp, field);
}

static int find_key(const struct sim_key *keys, unsigned int nr, const char *name)
{
	for (unsigned int i = 0; i < nr; i++)
		if (!strcmp(keys[i].name, name))
			return (int)i;
	return -1;
}

static const char *key_list(const struct sim_key *keys, unsigned int nr,
			    char *buf, size_t len)
{
	const char *names[64];

	assert(nr <= 64);
	for (unsigned int i = 0; i < nr; i++)
		names[i] = keys[i].name;
	return sim_schema_list(names, nr, buf, len);
}

int sim_schema_mapping(struct sim_yaml *y, yaml_node_t *node,
		       const struct sim_key *keys, unsigned int nr, void *obj)
{
	char list[512], exp[600], what[512];
	yaml_node_pair_t *pair;
	uint64_t seen = 0;
	int ret;

	key_list(keys, nr, list, sizeof(list));
	if (node->type != YAML_MAPPING_NODE) {
		snprintf(exp, sizeof(exp), "a mapping with the keys %s", list);
		return sim_yaml_fail(y, node, exp, "%s where a mapping belongs",
				     sim_yaml_kind(node));
	}
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = sim_yaml_node(y, pair->key);
		const char *name = sim_yaml_scalar(key);
		size_t old;
		int i;

		snprintf(exp, sizeof(exp), "one of the keys %s", list);
		if (!name)
			return sim_yaml_fail(y, key, exp, "%s as a key", sim_yaml_kind(key));
		i = find_key(keys, nr, name);
		if (i < 0)
			return sim_yaml_fail(y, key, exp, "unknown key '%s'", name);
		if (seen & (1ULL << i))
			return sim_yaml_fail(y, key, "each key once", "duplicate key '%s'", name);
		seen |= 1ULL << i;

		old = sim_yaml_path_push(y, "%s%s", y->path[0] ? "." : "", name);
		ret = sim_schema_value(y, sim_yaml_node(y, pair->value), &keys[i], obj);
		sim_yaml_path_pop(y, old);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < nr; i++) {
		if (!keys[i].required || (seen & (1ULL << i)))
			continue;
		snprintf(exp, sizeof(exp), "%s: %s", keys[i].name,
			 sim_schema_expected(&keys[i], what, sizeof(what)));
		return sim_yaml_fail(y, node, exp, "'%s' is missing", keys[i].name);
	}
	return 0;
}
