/* SPDX-License-Identifier: MIT */
/*
 * json-str.h - strings for jansson from text the simulator did not write.
 *
 * jansson refuses invalid UTF-8, and a refused string would make a whole
 * report fail to build. Texts come from drivers and the checker; whatever
 * they contain, the report is written, with bad bytes shown as '?'.
 */
#ifndef DMABUF_SIM_JSON_STR_H
#define DMABUF_SIM_JSON_STR_H

#include <jansson.h>

/** sim_json_str - @s as a JSON string; NULL only when out of memory */
json_t *sim_json_str(const char *s);

/** sim_json_str_or_null - as above, but "" (not said) is null */
json_t *sim_json_str_or_null(const char *s);

#endif /* DMABUF_SIM_JSON_STR_H */
