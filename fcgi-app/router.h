/* router.h: the route table and dispatch (404/405, body cap, auth, CSRF, media type). */
#ifndef FROSTBYTE_ROUTER_H
#define FROSTBYTE_ROUTER_H

#include "http.h"

typedef int (*handler_fn)(struct request *rq, struct response *rs);

enum route_flags {
	R_AUTH = 1 << 0,      /* a verified caller is required (401 otherwise) */
	R_AUTH_OPT = 1 << 1,  /* a caller is used when a valid token is presented */
	R_JSON = 1 << 2,      /* the request carries a JSON body (415 otherwise) */
	R_CACHE = 1 << 3,     /* a public GET whose answer depends only on path, query, data and the day;
	                       * kept only when its handler names a scope (cache_scope, cache.h) */
	R_PUBLIC = 1 << 4,    /* a GET that answers the same to every anonymous reader: its 200s say
	                       * Cache-Control: public, max-age=0, s-maxage=1 and X-Accel-Expires: nginx's
	                       * micro-cache may keep them to the end of the second (micro-cache.conf) */
	R_UPLOAD = 1 << 5,    /* the body is a file of up to HTTP_UPLOAD_MAX bytes (the media pool) */
};

struct route {
	enum method method;
	const char *pattern;  /* segments; ":id" captures a positive integer, ":name" any segment */
	handler_fn handler;
	unsigned flags;
};

/* Finds the route for method + path and fills rq->captures/ids. NULL when none; then *allow (when
 * not NULL) lists the methods the path does take ("" when the path is unknown). Exposed for tests. */
const struct route *router_match(struct request *rq, char *allow, size_t allowlen);
/* The largest body the route for rq's method and path takes: HTTP_UPLOAD_MAX for an upload,
 * HTTP_BODY_MAX for anything else. The FastCGI side reads no more than this. */
uint64_t router_body_max(struct request *rq);
/* The route table itself (*n entries), for the metrics' route labels. */
const struct route *router_table(size_t *n);
/* Runs the request through the table and its handler. Returns the response status. It is
 * router_precheck, then router_run. */
int router_dispatch(struct request *rq, struct response *rs);
/* The checks that need no database, so the write pool runs them on its accept thread, beside its
 * database thread: the route (404, 405), the body cap (413), the token's signature and claims
 * (401). Returns 0 with *route set, or the status of the answer written to rs. */
int router_precheck(struct request *rq, struct response *rs, const struct route **route);
/* The rest, on the thread that owns the connection: the token's session (401), the CSRF check
 * (403), the media type (415), then the handler, through the answer cache for R_CACHE routes.
 * Returns the status. */
int router_run(struct request *rq, struct response *rs, const struct route *r);

/* GET /api/metrics: the counters (metrics.h) labelled with the table's route patterns; 503 when
 * metrics are off. */
int metrics_get(struct request *rq, struct response *rs);

#endif
