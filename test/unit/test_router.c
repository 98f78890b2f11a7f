/* test_router.c: route matching, captures, 404/405 and Allow. */
#include <string.h>

#include "harness.h"
#include "router.h"
#include "util.h"

static struct arena a;

static const struct route *
match(const char *method, const char *path, struct request *rq, char *allow)
{
	request_init(rq, &a);
	rq->method = method_parse(method);
	rq->path = path;
	return router_match(rq, allow, 128);
}

int
main(void)
{
	struct request rq;
	char allow[128];
	arena_init(&a);

	const struct route *r = match("GET", "/api/parks", &rq, allow);
	ok(r != NULL && strcmp(r->pattern, "/api/parks") == 0, "GET /api/parks matches its route");
	r = match("GET", "/api/parks/yellowstone", &rq, allow);
	ok(r != NULL && strcmp(r->pattern, "/api/parks/:park") == 0, "a slug matches /api/parks/:park");
	is_str(rq.captures[0], "yellowstone", "... and is captured");
	r = match("GET", "/api/parks/42", &rq, allow);
	is_str(rq.captures[0], "42", "a numeric segment is captured as text too");
	ok(match("GET", "/api/parks/", &rq, allow) == NULL, "an empty segment does not match");
	is_str(allow, "", "... and is a 404 (no Allow)");
	ok(match("GET", "/api/parks/a/b", &rq, allow) == NULL, "an extra segment does not match");
	ok(match("GET", "/api/parksx", &rq, allow) == NULL, "a longer segment does not match");
	ok(match("GET", "/api", &rq, allow) == NULL, "a prefix does not match");
	ok(match("GET", "/api/health/", &rq, allow) == NULL, "a trailing slash does not match");

	r = match("HEAD", "/api/health", &rq, allow);
	ok(r != NULL && r->method == M_GET, "HEAD is served by the GET route");

	ok(match("PUT", "/api/users/me", &rq, allow) == NULL, "PUT /api/users/me has no route");
	is_str(allow, "GET, HEAD, PATCH, DELETE", "... and Allow lists the methods the path takes");
	ok(match("POST", "/api/health", &rq, allow) == NULL, "POST /api/health has no route");
	is_str(allow, "GET, HEAD", "... Allow: GET, HEAD");
	ok(match("GET", "/api/session", &rq, allow) == NULL, "GET /api/session has no route");
	is_str(allow, "POST, DELETE", "... Allow: POST, DELETE");

	/* :id captures */
	is_int(parse_id("1", 1), 1, "1 is an id");
	is_int(parse_id("123456789012345678", 18), 123456789012345678LL, "18 digits are an id");
	is_int(parse_id("1234567890123456789", 19), 0, "19 digits are refused (overflow guard)");
	is_int(parse_id("0", 1), 0, "0 is not an id");
	is_int(parse_id("01", 2), 0, "a leading zero is refused");
	is_int(parse_id("-1", 2), 0, "a sign is refused");
	is_int(parse_id("1a", 2), 0, "trailing letters are refused");
	is_int(parse_id("", 0), 0, "an empty id is refused");

	arena_destroy(&a);
	return tap_done();
}
