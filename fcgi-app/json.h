/* json.h: the response writer, and UTF-8 checks. (Request bodies are read in body.h.) */
#ifndef FROSTBYTE_JSON_H
#define FROSTBYTE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

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
