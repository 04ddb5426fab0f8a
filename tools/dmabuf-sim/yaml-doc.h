/* SPDX-License-Identifier: MIT */
/*
 * yaml-doc.h - a YAML document loaded with libyaml, and the errors that
 * point into it.
 *
 * libyaml does the parsing (yaml_parser_load builds the node tree); this
 * layer adds what a schema walk needs: typed access to nodes, the path of
 * the node being walked ("importers[1].driver"), and one error format for
 * everything wrong with a file:
 *
 *	FILE:LINE: PATH: what is wrong (expected what)
 *
 * LINE is 1-based (libyaml's marks are 0-based).
 */
#ifndef DMABUF_SIM_YAML_DOC_H
#define DMABUF_SIM_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define SIM_YAML_PATH_LEN	128

struct sim_yaml {
	yaml_document_t doc;
	bool loaded;
	const char *file;
	char *err;
	size_t err_len;
	char path[SIM_YAML_PATH_LEN];	/* where the walk is; "" at the top */
};

/**
 * sim_yaml_load - parse @text (one YAML document) into @y
 * @file: the name used in messages
 * @err: receives the message on failure (kept in @y for later errors)
 *
 * Syntax errors are reported at libyaml's problem mark; an empty text and a
 * second document are errors too (a scenario is one mapping).
 * Return: 0, or -EINVAL with @err filled. Call sim_yaml_free() either way.
 */
int sim_yaml_load(struct sim_yaml *y, const char *text, size_t len,
		  const char *file, char *err, size_t err_len);

void sim_yaml_free(struct sim_yaml *y);

yaml_node_t *sim_yaml_root(struct sim_yaml *y);
yaml_node_t *sim_yaml_node(struct sim_yaml *y, int id);

/** sim_yaml_line - the 1-based line @node starts on */
unsigned int sim_yaml_line(const yaml_node_t *node);

/** sim_yaml_scalar - @node's text, or NULL if it is not a scalar */
const char *sim_yaml_scalar(const yaml_node_t *node);

/** sim_yaml_is_null - an empty or "~"/"null" plain scalar: no value */
bool sim_yaml_is_null(const yaml_node_t *node);

/** sim_yaml_kind - "a mapping", "a list" or "a value", for messages */
const char *sim_yaml_kind(const yaml_node_t *node);

/** sim_yaml_get - the value of @key in mapping @map, or NULL */
yaml_node_t *sim_yaml_get(struct sim_yaml *y, yaml_node_t *map, const char *key);

/** sim_yaml_item - item @i of list @seq, or NULL */
yaml_node_t *sim_yaml_item(struct sim_yaml *y, yaml_node_t *seq, unsigned int i);

/**
 * sim_yaml_path_push - append to the path ("exporter", ".size", "[2]")
 * Return: the previous length, for sim_yaml_path_pop().
 */
size_t sim_yaml_path_push(struct sim_yaml *y, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_yaml_path_pop(struct sim_yaml *y, size_t len);
void sim_yaml_path_set(struct sim_yaml *y, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * sim_yaml_fail - report what is wrong at @node (NULL: line 1)
 * @expected: what would have been right
 *
 * Only the first failure is kept: later ones, from unwinding, are dropped.
 * Return: -EINVAL, for "return sim_yaml_fail(...)".
 */
int sim_yaml_fail(struct sim_yaml *y, const yaml_node_t *node,
		  const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* DMABUF_SIM_YAML_DOC_H */
