/* json.h: strict, typed reading of request bodies over cJSON, and small builders for responses.
 *
 * Every reader returns 0 on success, or writes the contract's 400 error into rs and returns 400,
 * so a handler reads: if ((st = json_str(...)) != 0) return st; */
#ifndef FROSTBYTE_JSON_H
#define FROSTBYTE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "http.h"

/* Parses rq->body into rq->json: must be a JSON object whose keys are all in `fields` (NULL-ended),
 * each at most once. Strings may not contain NUL. */
int json_parse_body(struct request *rq, struct response *rs, const char *const fields[]);

/* A string of min..max characters (code points), valid UTF-8. Absent or null: NULL when optional. */
int json_str(struct request *rq, struct response *rs, const char *name, size_t min_chars,
	     size_t max_chars, bool required, const char **out);
/* An integral JSON number in min..max (4.5, "4", true are refused). *present tells if it was given. */
int json_int(struct request *rq, struct response *rs, const char *name, int64_t min, int64_t max,
	     bool required, int64_t *out, bool *present);
/* A finite JSON number in min..max. */
int json_num(struct request *rq, struct response *rs, const char *name, double min, double max,
	     bool required, double *out, bool *present);
int json_bool(struct request *rq, struct response *rs, const char *name, bool required, bool *out,
	      bool *present);

/* Builders that never fail silently: cJSON allocation failure ends the worker (see arena.h). */
cJSON *json_obj(void);
cJSON *json_arr(void);
void json_add_str(cJSON *o, const char *name, const char *value);   /* NULL value -> null */
void json_add_int(cJSON *o, const char *name, int64_t value);
void json_add_num(cJSON *o, const char *name, double value);
void json_add_bool(cJSON *o, const char *name, bool value);
void json_add_null(cJSON *o, const char *name);
void json_add(cJSON *o, const char *name, cJSON *item);             /* moves item into o */
void json_push(cJSON *arr, cJSON *item);                            /* moves item into arr */

/* UTF-8 helpers (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t len);
size_t utf8_chars(const char *s);

#endif
