/* cache.h: each worker keeps the answers of recent public GETs (the park list, a park, a page of
 * reviews, the analytics) for as long as what they show has not changed: a handler names the
 * scope its answer depends on, and schema/006_cache_scopes.sql's triggers give the scope a new
 * version with every change to it, by any writer. A cached answer is always the one the handler
 * would give now. */
#ifndef FROSTBYTE_CACHE_H
#define FROSTBYTE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The scope of answers built from the figures across parks (the park list, the site summary);
 * a park's own answers (its page, reviews, analytics) take its id. */
#define CACHE_FIGURES 0

/* The cached answer body for this path and query, while the versions it was kept under still hold
 * in the current snapshot: true with *body and *len set (valid until the next call into the
 * cache), or false. With gzip (the reader takes it), the body's gzip form where one was kept,
 * and *gzipped says which. Call it, the handler and cache_put in one read transaction
 * (router.c). */
bool cache_get(const char *path, const char *query, bool gzip, const char **body, size_t *len,
	       bool *gzipped);
/* Keeps body (a 200 JSON answer whose handler named scope, a park id or CACHE_FIGURES, with
 * resp_cache_scope in http.h) and gz, its gzip form or NULL, for later requests with the same
 * path and query, under the versions of scope and of "everything" in the current snapshot. Larger
 * answers are not kept. */
void cache_put(const char *path, const char *query, int64_t scope, const char *body, size_t len,
	       const char *gz, size_t gz_len);
/* Frees every entry (at exit, so leak checkers see a clean heap). */
void cache_clear(void);

#endif
