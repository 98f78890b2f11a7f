/* router.c: the one route table, read top to bottom, and the checks every route shares. */
#include "router.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analytics.h"
#include "arena.h"
#include "auth.h"
#include "cache.h"
#include "channels.h"
#include "chat.h"
#include "db.h"
#include "gzip.h"
#include "health.h"
#include "locations.h"
#include "metrics.h"
#include "parks.h"
#include "photos.h"
#include "posts.h"
#include "quiz.h"
#include "ratings.h"
#include "reports.h"
#include "reviews.h"
#include "users.h"
#include "util.h"

static const struct route routes[] = {
	{ M_GET,    "/api/health",       health_get,        0 },
	/* No auth here: nginx lets only loopback in. /api/chat/metrics reaches the chat pool,
	 * /api/write/metrics the write pool and /api/auth/metrics the auth pool, whose counters are
	 * their own. */
	{ M_GET,    "/api/metrics",      metrics_get,       0 },
	{ M_GET,    "/api/chat/metrics", metrics_get,       0 },
	{ M_GET,    "/api/write/metrics", metrics_get,      0 },
	{ M_GET,    "/api/auth/metrics", metrics_get,       0 },
	{ M_GET,    "/api/media/metrics", metrics_get,      0 },

	{ M_POST,   "/api/users",        users_create,      R_JSON },
	{ M_GET,    "/api/users/me",     users_me_get,      R_AUTH },
	{ M_PATCH,  "/api/users/me",     users_me_patch,    R_AUTH | R_JSON },
	{ M_DELETE, "/api/users/me",     users_me_delete,   R_AUTH | R_JSON },
	{ M_GET,    "/api/users/me/reviews", reviews_mine,  R_AUTH },
	{ M_POST,   "/api/session",      session_create,    R_JSON },
	{ M_DELETE, "/api/session",      session_delete,    R_AUTH },

	{ M_GET,    "/api/parks",        parks_list,        R_CACHE | R_PUBLIC },
	{ M_GET,    "/api/parks/:park",  parks_get,         R_CACHE | R_PUBLIC },
	{ M_GET,    "/api/park-filters", parks_filters,     R_CACHE | R_PUBLIC },
	{ M_GET,    "/api/parks/:id/visit-months", analytics_visit_months, R_CACHE | R_PUBLIC },

	{ M_PUT,    "/api/parks/:id/rating",     ratings_put,      R_AUTH | R_JSON },
	{ M_GET,    "/api/parks/:id/rating",     ratings_get,      R_AUTH },
	{ M_DELETE, "/api/parks/:id/rating",     ratings_delete,   R_AUTH },

	{ M_GET,    "/api/parks/:id/reviews",    reviews_list,     R_CACHE | R_PUBLIC },
	{ M_POST,   "/api/parks/:id/reviews",    reviews_create,   R_AUTH | R_JSON },
	{ M_GET,    "/api/reviews/:id",          reviews_get,      R_AUTH_OPT },
	{ M_PATCH,  "/api/reviews/:id",          reviews_patch,    R_AUTH | R_JSON },
	{ M_DELETE, "/api/reviews/:id",          reviews_delete,   R_AUTH },
	{ M_PUT,    "/api/reviews/:id/helpful",  helpful_put,      R_AUTH },
	{ M_DELETE, "/api/reviews/:id/helpful",  helpful_delete,   R_AUTH },
	{ M_GET,    "/api/users/me/helpful",     helpful_mine,     R_AUTH },
	{ M_POST,   "/api/reviews/:id/reports",  reports_create,   R_AUTH | R_JSON },
	{ M_GET,    "/api/admin/reports",        reports_queue,    R_AUTH },
	{ M_GET,    "/api/admin/reviews",        reports_hidden,   R_AUTH },
	{ M_PATCH,  "/api/admin/reviews/:id",    reports_moderate, R_AUTH | R_JSON },

	/* The upload is served by the media pool (nginx-conf/media-pool.conf); the rest as usual. */
	{ M_POST,   "/api/reviews/:id/photos",   photos_upload,      R_AUTH | R_UPLOAD },
	{ M_GET,    "/api/reviews/:id/photos",   photos_review_list, R_AUTH_OPT },
	{ M_GET,    "/api/parks/:id/photos",     photos_park_list,   R_CACHE | R_PUBLIC },
	{ M_PATCH,  "/api/photos/:id",           photos_patch,       R_AUTH | R_JSON },
	{ M_DELETE, "/api/photos/:id",           photos_delete,      R_AUTH },
	{ M_PATCH,  "/api/admin/photos/:id",     photos_moderate,    R_AUTH | R_JSON },

	{ M_GET,    "/api/analytics/parks/:id",  analytics_park,    R_CACHE | R_PUBLIC },
	{ M_GET,    "/api/analytics/summary",    analytics_summary, R_CACHE | R_PUBLIC },

	{ M_GET,    "/api/channels",                  channels_list,       R_PUBLIC },
	{ M_GET,    "/api/channels/:id",              channels_get,        R_PUBLIC },
	{ M_GET,    "/api/channels/:id/posts",        posts_list,          R_PUBLIC },
	{ M_POST,   "/api/channels/:id/posts",        posts_create,        R_AUTH | R_JSON },
	{ M_GET,    "/api/posts/:id",                 posts_get,           R_PUBLIC },
	{ M_PATCH,  "/api/posts/:id",                 posts_patch,         R_AUTH | R_JSON },
	{ M_DELETE, "/api/posts/:id",                 posts_delete,        R_AUTH },

	{ M_GET,    "/api/users/me/locations",        locations_list,      R_AUTH },
	{ M_POST,   "/api/users/me/locations",        locations_create,    R_AUTH | R_JSON },
	{ M_GET,    "/api/users/me/locations/:id",    locations_get,       R_AUTH },
	{ M_PATCH,  "/api/users/me/locations/:id",    locations_patch,     R_AUTH | R_JSON },
	{ M_DELETE, "/api/users/me/locations/:id",    locations_delete,    R_AUTH },

	{ M_GET,    "/api/quiz",                      quiz_get,            R_PUBLIC },
	{ M_POST,   "/api/quiz/results",              quiz_results_create, R_AUTH_OPT | R_JSON },
	{ M_GET,    "/api/users/me/quiz-results",     quiz_results_list,   R_AUTH },
	{ M_DELETE, "/api/users/me/quiz-results/:id", quiz_results_delete, R_AUTH },

	{ M_POST,   "/api/chat/conversations",              chat_create, R_AUTH | R_JSON },
	{ M_GET,    "/api/chat/conversations",              chat_list,   R_AUTH },
	{ M_GET,    "/api/chat/conversations/:id",          chat_get,    R_AUTH },
	{ M_DELETE, "/api/chat/conversations/:id",          chat_delete, R_AUTH },
	{ M_POST,   "/api/chat/conversations/:id/messages", chat_send,   R_AUTH | R_JSON },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))
_Static_assert(NROUTES < METRICS_ROUTES, "raise METRICS_ROUTES (metrics.h): a route id each");

const struct route *
router_table(size_t *n)
{
	*n = NROUTES;
	return routes;
}

int
metrics_get(struct request *rq, struct response *rs)
{
	struct metrics_route labels[NROUTES];
	for (size_t i = 0; i < NROUTES; i++)
		labels[i] = (struct metrics_route){ routes[i].pattern, method_name(routes[i].method) };
	size_t len;
	const char *text = metrics_text(rq->a, labels, NROUTES, &len);
	if (text == NULL)
		return resp_error(rq, rs, 503, "unavailable", NULL, "Metrics are not enabled.");
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4";
	rs->body = text;
	rs->body_len = len;
	return 200;
}

/* Matches path against pattern segment by segment, filling captures. */
static bool
match_path(struct request *rq, const char *pattern, const char *path)
{
	int ncap = 0;
	const char *p = pattern, *s = path;
	while (*p != '\0' && *s != '\0') {
		if (*p != '/' || *s != '/')
			return false;
		p++, s++;
		size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
		if (*p == ':') {
			if (slen == 0 || ncap == HTTP_MAX_CAPTURES)
				return false;
			int64_t id = 0;
			if (plen == 3 && memcmp(p, ":id", 3) == 0 && (id = parse_id(s, slen)) == 0)
				return false;
			rq->captures[ncap] = arena_strndup(rq->a, s, slen);
			rq->ids[ncap] = id;
			ncap++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		p += plen, s += slen;
	}
	return *p == '\0' && *s == '\0';
}

const struct route *
router_match(struct request *rq, char *allow, size_t allowlen)
{
	enum method want = rq->method == M_HEAD ? M_GET : rq->method;
	size_t n = 0;
	if (allow != NULL && allowlen > 0)
		allow[0] = '\0';
	for (size_t i = 0; i < NROUTES; i++) {
		const struct route *r = &routes[i];
		if (!match_path(rq, r->pattern, rq->path))
			continue;
		if (r->method == want)
			return r;
		if (allow != NULL && n < allowlen) {
			n += (size_t)snprintf(allow + n, allowlen - n, "%s%s%s", n ? ", " : "",
					      method_name(r->method), r->method == M_GET ? ", HEAD" : "");
		}
	}
	return NULL;
}

uint64_t
router_body_max(struct request *rq)
{
	const struct route *r = router_match(rq, NULL, 0);
	return r != NULL && (r->flags & R_UPLOAD) ? HTTP_UPLOAD_MAX : HTTP_BODY_MAX;
}

static bool
is_json_type(const char *ct)
{
	if (ct == NULL)
		return false;
	size_t n = strlen("application/json");
	return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int
router_precheck(struct request *rq, struct response *rs, const struct route **route)
{
	char allow[128];
	const struct route *r = *route = router_match(rq, allow, sizeof(allow));
	if (r == NULL) {
		if (allow[0] != '\0') {
			resp_header(rs, "Allow", arena_strdup(rq->a, allow));
			return resp_error(rq, rs, 405, "method_not_allowed", NULL,
					  arena_printf(rq->a, "This address takes %s.", allow));
		}
		return resp_error(rq, rs, 404, "not_found", NULL, "There is nothing at this address.");
	}
	rq->route = r->pattern;
	rq->route_id = (int)(r - routes) + 1;

	if ((r->flags & R_UPLOAD) && rq->content_length > HTTP_UPLOAD_MAX)
		return resp_error(rq, rs, 413, "payload_too_large", NULL,
				  "The photo is larger than 10 MiB.");
	if (!(r->flags & R_UPLOAD) && rq->content_length > HTTP_BODY_MAX)
		return resp_error(rq, rs, 413, "payload_too_large", NULL,
				  "The request body is larger than 64 KiB.");
	if (r->flags & (R_AUTH | R_AUTH_OPT)) {
		int status = auth_token(rq, rs, (r->flags & R_AUTH) != 0);
		if (status != 0)
			return status;
	}
	return 0;
}

static int run(struct request *rq, struct response *rs, const struct route *r);

int
router_run(struct request *rq, struct response *rs, const struct route *r)
{
	int status = run(rq, rs, r);
	/* What nginx's micro-cache may keep: a public route's 200 to a reader with no session, for a
	 * second (s-maxage); a browser must ask again (max-age=0), or a camper who signs in could be
	 * shown the copy it kept while signed out, without their own write. nginx also bypasses the
	 * cache for such requests (nginx-conf/micro-cache.conf); this is the app's own half of the
	 * rule. Everything else stays "private, no-store" (response_init).
	 * nginx keeps a copy's expiry in whole seconds, so s-maxage=1 would keep it to the end of the
	 * next second: up to 2 s old. X-Accel-Expires, which nginx reads before Cache-Control and never
	 * passes on, ends it with this second instead: never more than a second old, and a page read
	 * all the time still costs the pool one request a second. The second is read from the precise
	 * clock: time() lags it by up to a scheduler tick, and a copy made in the first milliseconds of
	 * a second would then come out already expired for nginx and be made again. */
	if ((r->flags & R_PUBLIC) && status == 200 && rq->authorization == NULL &&
	    cookie_get(rq, AUTH_COOKIE) == NULL) {
		rs->cache_control = "public, max-age=0, s-maxage=1";
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		resp_header(rs, "X-Accel-Expires", arena_printf(rq->a, "@%lld", (long long)now.tv_sec));
		/* nginx keeps the copy for each reader who takes gzip in that form (its key says which):
		 * compressed here once, rather than by nginx for every one of them. */
		if (rq->gzip && rq->method == M_GET)
			gzip_answer(rq, rs);
	}
	return status;
}

/* The caller's session, CSRF, the media type, then the handler (through the answer cache for
 * R_CACHE). */
static int
run(struct request *rq, struct response *rs, const struct route *r)
{
	int status = auth_session(rq, rs);
	if (status != 0)
		return status;
	/* via_cookie is set only with a token, and a token without a live session stopped above. */
	if (rq->via_cookie && rq->method != M_GET && rq->method != M_HEAD && !auth_same_site(rq))
		return resp_error(rq, rs, 403, "csrf_rejected", NULL,
				  "This request came from another site and was refused.");
	if ((r->flags & R_JSON) && rq->content_length > 0 && !is_json_type(rq->content_type))
		return resp_error(rq, rs, 415, "unsupported_media_type", NULL,
				  "Send the request body as JSON with Content-Type: application/json.");

	if (!((r->flags & R_CACHE) && rq->method == M_GET))
		return r->handler(rq, rs);
	/* The cache's versions, the handler's reads and the versions again in one read transaction:
	 * a kept answer is of the snapshot its versions name, and SQLite takes its shared lock once
	 * per request rather than once per statement. */
	if (db_snapshot_begin() != SQLITE_OK)
		return r->handler(rq, rs); /* no snapshot: the cache could not vouch for its versions */
	bool gzipped;
	bool hit = cache_get(rq->path, rq->query, rq->gzip, &rs->body, &rs->body_len, &gzipped);
	metrics_cache(hit);
	if (hit) {
		rs->content_type = "application/json";
		status = rs->status = 200;
		if (gzipped)
			gzip_use(rs, rs->body, rs->body_len);
	} else {
		status = r->handler(rq, rs);
		/* The cache keeps the body alone: an answer with headers of its own is not kept. It is
		 * compressed here once for every reader who takes gzip until it changes, signed in or
		 * not, rather than by nginx for each (nginx-conf/gzip.conf). */
		if (rs->status == 200 && rs->cacheable && rs->nheaders == 0) {
			size_t gz_len;
			const char *gz = gzip_compress(rq->a, rs->body, rs->body_len, &gz_len);
			cache_put(rq->path, rq->query, rs->cache_scope, rs->body, rs->body_len, gz, gz_len);
			if (gz != NULL && rq->gzip)
				gzip_use(rs, gz, gz_len);
		}
	}
	db_snapshot_end();
	return status;
}

int
router_dispatch(struct request *rq, struct response *rs)
{
	const struct route *r;
	int status = router_precheck(rq, rs, &r);
	return status != 0 ? status : router_run(rq, rs, r);
}
