/* cache.h: each worker keeps the answers of recent public GETs (the park list, a park, a page of
 * reviews, the analytics) for as long as what they show has not changed: a handler names the
 * scope its answer depends on, and schema/006_cache_scopes.sql's triggers give the scope a new
 * version with every change to it, by any writer. A cached answer is always the one the handler
 * would give now. */
#ifndef FROSTBYTE_CACHE_H
#define FROSTBYTE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

/* The scope of answers built from the figures across parks (the park list, the site summary);
 * a park's own answers (its page, reviews, analytics) take its id. */
#define CACHE_FIGURES 0

/* Marks rs as cacheable, valid while scope (a park id or CACHE_FIGURES) and "everything" keep the
 * versions they have in the handler's snapshot. An answer not marked is never kept. */
void cache_scope(struct response *rs, int64_t scope);
/* Fills rs with the cached answer to this GET (path and query) and returns true, or false. Call
 * it, the handler and cache_put in one read transaction. */
bool cache_get(struct request *rq, struct response *rs);
/* Keeps rs (a 200 JSON answer marked with cache_scope) for later requests with the same path and
 * query. */
void cache_put(const struct request *rq, const struct response *rs);
/* Frees every entry (at exit, so leak checkers see a clean heap). */
void cache_clear(void);

#endif
