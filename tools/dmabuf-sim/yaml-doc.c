// SPDX-License-Identifier: MIT
/*
 * yaml-doc.c - load a YAML document with libyaml and point errors into it.
 *
 * The document API (yaml_parser_load) rather than the event API: the schema
 * walk needs random access (expectations refer to importers, events to the
 * duration, in any key order), and the tree keeps every node's start mark
 * for messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "yaml-doc.h"

/* libyaml reports reader errors (bad UTF-8) by byte offset only. */
static unsigned int line_of_offset(const char *text, size_t len, size_t offset)
{
	unsigned int line = 1;

	for (size_t i = 0; i < offset && i < len; i++)
		line += text[i] == '\n';
	return line;
}

static int syntax_error(struct sim_yaml *y, const yaml_parser_t *parser,
			const char *text, size_t len)
{
	unsigned int line;

	if (parser->error == YAML_READER_ERROR)
		line = line_of_offset(text, len, parser->problem_offset);
	else
		line = (unsigned int)parser->problem_mark.line + 1;
	if (parser->error == YAML_MEMORY_ERROR) {
		snprintf(y->err, y->err_len, "%s: out of memory while parsing", y->file);
		return -ENOMEM;
	}
	snprintf(y->err, y->err_len, "%s:%u: YAML syntax error: %s%s%s (expected well-formed YAML)",
		 y->file, line, parser->problem ? parser->problem : "unknown problem",
		 parser->context ? " " : "", parser->context ? parser->context : "");
	return -EINVAL;
}

int sim_yaml_load(struct sim_yaml *y, const char *text, size_t len,
		  const char *file, char *err, size_t err_len)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	int ret = 0;

	memset(y, 0, sizeof(*y));
	y->file = file;
	y->err = err;
	y->err_len = err_len;
	if (err_len)
		err[0] = '\0';

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, err_len, "%s: out of memory", file);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		ret = syntax_error(y, &parser, text, len);
		goto out_parser;
	}
	y->loaded = true;
	if (!sim_yaml_root(y)) {
		ret = sim_yaml_fail(y, NULL, "a mapping with at least name, exporter and importers",
				    "the file is empty");
		goto out_parser;
	}
	/* A scenario is one document: a second one is a mistake, not ignored. */
	if (!yaml_parser_load(&parser, &extra)) {
		ret = syntax_error(y, &parser, text, len);
		goto out_parser;
	}
	if (yaml_document_get_root_node(&extra))
		ret = sim_yaml_fail(y, yaml_document_get_root_node(&extra),
				    "one scenario per file", "a second YAML document");
	yaml_document_delete(&extra);
out_parser:
	yaml_parser_delete(&parser);
	return ret;
}

void sim_yaml_free(struct sim_yaml *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
}

yaml_node_t *sim_yaml_root(struct sim_yaml *y)
{
	return yaml_document_get_root_node(&y->doc);
}

yaml_node_t *sim_yaml_node(struct sim_yaml *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

unsigned int sim_yaml_line(const yaml_node_t *node)
{
	return node ? (unsigned int)node->start_mark.line + 1 : 1;
}

const char *sim_yaml_scalar(const yaml_node_t *node)
{
	return node && node->type == YAML_SCALAR_NODE ?
		(const char *)node->data.scalar.value : NULL;
}

bool sim_yaml_is_null(const yaml_node_t *node)
{
	const char *v = sim_yaml_scalar(node);

	if (!v || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

const char *sim_yaml_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return sim_yaml_is_null(node) ? "nothing" : "a value";
	}
}

yaml_node_t *sim_yaml_get(struct sim_yaml *y, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const char *k = sim_yaml_scalar(sim_yaml_node(y, pair->key));

		if (k && !strcmp(k, key))
			return sim_yaml_node(y, pair->value);
	}
	return NULL;
}

yaml_node_t *sim_yaml_item(struct sim_yaml *y, yaml_node_t *seq, unsigned int i)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE ||
	    i >= (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start))
		return NULL;
	return sim_yaml_node(y, seq->data.sequence.items.start[i]);
}

size_t sim_yaml_path_push(struct sim_yaml *y, const char *fmt, ...)
{
	size_t len = strlen(y->path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(y->path + len, sizeof(y->path) - len, fmt, ap);
	va_end(ap);
	return len;
}

void sim_yaml_path_pop(struct sim_yaml *y, size_t len)
{
	y->path[len] = '\0';
}

void sim_yaml_path_set(struct sim_yaml *y, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(y->path, sizeof(y->path), fmt, ap);
	va_end(ap);
}

int sim_yaml_fail(struct sim_yaml *y, const yaml_node_t *node,
		  const char *expected, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	if (!y->err_len || y->err[0])
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(y->err, y->err_len, "%s:%u: %s%s%s (expected %s)", y->file,
		 sim_yaml_line(node), y->path, y->path[0] ? ": " : "", what, expected);
	return -EINVAL;
}
