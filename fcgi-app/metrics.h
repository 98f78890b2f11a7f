/* metrics.h: counters for GET /api/metrics (Prometheus text format), shared by every worker of a
 * pool through one small file mapped MAP_SHARED, so a scrape sees the pool's totals whichever
 * worker answers it. */
#ifndef FROSTBYTE_METRICS_H
#define FROSTBYTE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* The histogram's upper bounds in seconds (Prometheus' default buckets); +Inf is implied. */
#define METRICS_BUCKETS 11
extern const double metrics_bounds[METRICS_BUCKETS];

/* Maps path (created 0600 when missing) for this process's counters; "" or NULL gives counters
 * private to the process (tests, a single worker). A file of another layout is not touched: the
 * worker logs it and keeps private counters. Returns 0, or -1 with a message in err. */
int metrics_open(const char *path, char *err, size_t errlen);
void metrics_close(void);

/* Requests are counted per route id: 1 + the route's index in the router's table, 0 when none
 * matched. The table must stay below this (router.c asserts it). */
#define METRICS_ROUTES 96

/* One finished request: its route id, status (counted by class) and latency. */
void metrics_request(int route_id, int status, double ms);
/* A write or read that failed with SQLITE_BUSY/LOCKED (answered 503), or with another error. */
void metrics_db_busy(void);
/* A cacheable GET answered from the worker's cache (hit) or by its handler. */
void metrics_cache(bool hit);
void metrics_db_error(void);

enum metrics_upstream { MU_OK, MU_BLOCKED, MU_ERROR, MU_TIMEOUT, MU_COUNT };
/* One call to the chat upstream (Gemini), its outcome and duration. */
void metrics_upstream(enum metrics_upstream outcome, double ms);

/* What labels a route id's counters: route id i counts the requests of routes[i - 1]. */
struct metrics_route {
	const char *pattern, *method;
};
/* The counters in Prometheus' text format, in the arena (*len bytes); NULL when metrics_open has
 * not succeeded. Route patterns are literals with no quote, backslash or newline, so they need no
 * escaping as labels. */
const char *metrics_text(struct arena *a, const struct metrics_route *routes, size_t nroutes,
			 size_t *len);

#endif
