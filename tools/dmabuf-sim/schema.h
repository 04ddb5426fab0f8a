/* SPDX-License-Identifier: MIT */
/*
 * schema.h - walk a YAML mapping against a table of typed keys.
 *
 * Each mapping of the scenario format is described by a table: the key's
 * name, its type, where its value goes (an offset into the object being
 * filled), whether it is required and its range. The walker rejects what
 * the table does not allow: unknown and duplicate keys, missing required
 * ones, values of the wrong type or out of range. Each error says which key
 * at which line and what was expected, so the format's rules live in one
 * place per mapping, next to docs/scenarios.md.
 */
#ifndef DMABUF_SIM_SCHEMA_H
#define DMABUF_SIM_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yaml-doc.h"

enum sim_key_type {
	SIM_KEY_NAME,		/* char[]: 1..max letters, digits, '-', '_' */
	SIM_KEY_TEXT,		/* char[]: free text, may be empty */
	SIM_KEY_DURATION,	/* int64_t ns in [min, max] */
	SIM_KEY_SIZE,		/* uint64_t bytes in [min, max] */
	SIM_KEY_UINT,		/* unsigned int in [min, max] */
	SIM_KEY_INT,		/* int in [min, max] */
	SIM_KEY_U64,		/* uint64_t in [min, max] */
	SIM_KEY_BOOL,		/* bool: true or false */
	SIM_KEY_ERRNO,		/* int: 0 or -errno, from 0 or a name */
	SIM_KEY_ENUM,		/* an enum: the index of the value in names[] */
	SIM_KEY_CUSTOM,		/* parse() does it */
};

struct sim_key {
	const char *name;
	enum sim_key_type type;
	size_t offset;		/* of the field in the object */
	size_t size;		/* of the field */
	bool required;
	int64_t min, max;	/* numbers; NAME: max length */
	const char *const *names;	/* ENUM */
	unsigned int nr_names;
	int (*parse)(struct sim_yaml *y, yaml_node_t *node, void *obj);	/* CUSTOM */
	const char *expected;	/* what is expected, if not generated from the type */
};

/*
 * A key stored in field @field_ of struct type @obj_, then any more
 * initialisers. The empty argument SIM_KEY adds keeps the variadic part of
 * SIM_KEY_ non-empty when there are none, as ISO C wants.
 */
#define SIM_KEY(...)	SIM_KEY_(__VA_ARGS__, )
#define SIM_KEY_(key_, kind_, obj_, field_, ...)				\
	{ .name = (key_), .type = (kind_), .offset = offsetof(obj_, field_),	\
	  .size = sizeof(((obj_ *)0)->field_), __VA_ARGS__ }

/**
 * sim_schema_mapping - fill @obj from mapping @node by @keys
 *
 * The path of each key is pushed while its value is parsed, so errors name
 * it. Return: 0, or -EINVAL with the error in @y.
 */
int sim_schema_mapping(struct sim_yaml *y, yaml_node_t *node,
		       const struct sim_key *keys, unsigned int nr, void *obj);

/** sim_schema_value - parse one value by @key into @obj (for lists of values) */
int sim_schema_value(struct sim_yaml *y, yaml_node_t *node,
		     const struct sim_key *key, void *obj);

/** sim_schema_expected - what @key accepts, in words */
const char *sim_schema_expected(const struct sim_key *key, char *buf, size_t len);

/** sim_schema_list - "a, b or c" from @nr @names (NULL entries skipped) */
const char *sim_schema_list(const char *const *names, unsigned int nr,
			    char *buf, size_t len);

/** sim_schema_duration_text / _size_text - an exact value as one would write it */
const char *sim_schema_duration_text(int64_t ns, char *buf, size_t len);
const char *sim_schema_size_text(uint64_t bytes, char *buf, size_t len);

/** sim_schema_is_name - @s is 1..@max of letters, digits, '-', '_' */
bool sim_schema_is_name(const char *s, size_t max);

#endif /* DMABUF_SIM_SCHEMA_H */
