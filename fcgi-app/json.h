/* json.h: strict, typed reading of request bodies over cJSON, and small builders for responses.
 *
 * Every reader returns 0 on success, or writes the contract's 400 error into rs and returns 400,
 * so a handler reads: if ((status = json_str(...)) != 0) return status; */
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
/* Text shown to other people: json_str of 1..max characters, not blank, and no control characters
 * (newlines and tabs allowed when multiline). */
int json_text(struct request *rq, struct response *rs, const char *name, size_t max_chars,
	      bool required, bool multiline, const char **out);
/* An integral JSON number in min..max (4.5, "4", true are refused). *present tells if it was given. */
int json_int(struct request *rq, struct response *rs, const char *name, int64_t min, int64_t max,
	     bool required, int64_t *out, bool *present);
/* A finite JSON number in min..max. */
int json_num(struct request *rq, struct response *rs, const char *name, double min, double max,
	     bool required, double *out, bool *present);
int json_bool(struct request *rq, struct response *rs, const char *name, bool required, bool *out,
	      bool *present);

/* The response writer: JSON text appended straight into the arena, commas placed for the caller.
 * cJSON reads request bodies; responses never build a tree (printing one costs several times
 * the query that fills it). Nesting: jw_object/jw_array ... jw_end. */
#define JW_DEPTH 16

struct jw {
	struct arena *a;
	char *buf;
	size_t len, cap;
	int depth;
	bool after_key;
	bool comma[JW_DEPTH];
	char closer[JW_DEPTH];
};

void jw_init(struct jw *w, struct arena *a);
void jw_object(struct jw *w);
void jw_array(struct jw *w);
void jw_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_string(struct jw *w, const char *s);         /* NULL writes null */
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);             /* %.15g, or %.17g if needed to read back v */
void jw_fixed(struct jw *w, double v, int decimals); /* rounded, trailing zeros dropped */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_raw(struct jw *w, const char *json);        /* trusted JSON text, e.g. stored traits */
/* Key and value in one call. */
void jw_kstring(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);
void jw_knull(struct jw *w, const char *key);

/* UTF-8 helpers (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t len);
size_t utf8_chars(const char *s);

#endif
