/* cache.h: each worker keeps the answers of recent public GETs (the park list, a park, a page of
 * reviews) for as long as the database has not changed. Any commit, by any worker, empties it:
 * a cached answer is always the one the handler would give now. */
#ifndef FROSTBYTE_CACHE_H
#define FROSTBYTE_CACHE_H

#include <stdbool.h>

#include "http.h"

/* Fills rs with the cached answer to this GET (path and query) and returns true, or false. */
bool cache_get(struct request *rq, struct response *rs);
/* Keeps rs (a 200 JSON answer) for later requests with the same path and query, when the database
 * has not changed since the cache_get that preceded it. */
void cache_put(const struct request *rq, const struct response *rs);
/* Frees every entry (at exit, so leak checkers see a clean heap). */
void cache_clear(void);

#endif
