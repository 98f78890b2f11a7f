/* test_router.c: route matching, captures, 404/405 and Allow, and the :id parser. */
#include <string.h>

#include "harness.h"
#include "router.h"
#include "util.h"

static struct arena a;
static struct request rq;
static char allow[128];

static const struct route *
match(const char *method, const char *path)
{
	request_init(&rq, &a);
	rq.method = method_parse(method);
	rq.path = path;
	return router_match(&rq, allow, sizeof(allow));
}

static void
test_route_matches_whole_segments(void)
{
	const struct route *r = match("GET", "/api/parks");
	ok(r != NULL && strcmp(r->pattern, "/api/parks") == 0, "GET /api/parks matches its route");
	r = match("GET", "/api/parks/yellowstone");
	ok(r != NULL && strcmp(r->pattern, "/api/parks/:park") == 0, "a slug matches /api/parks/:park");
	is_str(rq.captures[0], "yellowstone", "... and is captured");
	match("GET", "/api/parks/42");
	is_str(rq.captures[0], "42", "a numeric segment is captured as text too");
	ok(match("GET", "/api/parks/") == NULL, "an empty segment does not match");
	is_str(allow, "", "... and is a 404 (no Allow)");
	ok(match("GET", "/api/parks/a/b") == NULL, "an extra segment does not match");
	ok(match("GET", "/api/parksx") == NULL, "a longer segment does not match");
	ok(match("GET", "/api") == NULL, "a prefix does not match");
	ok(match("GET", "/api/health/") == NULL, "a trailing slash does not match");
}

static void
test_head_is_served_by_get(void)
{
	const struct route *r = match("HEAD", "/api/health");
	ok(r != NULL && r->method == M_GET, "HEAD is served by the GET route");
}

static void
test_wrong_method_lists_allow(void)
{
	ok(match("PUT", "/api/users/me") == NULL, "PUT /api/users/me has no route");
	is_str(allow, "GET, HEAD, PATCH, DELETE", "... and Allow lists the methods the path takes");
	ok(match("POST", "/api/health") == NULL, "POST /api/health has no route");
	is_str(allow, "GET, HEAD", "... Allow: GET, HEAD");
	ok(match("GET", "/api/session") == NULL, "GET /api/session has no route");
	is_str(allow, "POST, DELETE", "... Allow: POST, DELETE");
}

static void
test_parse_id_takes_positive_decimals_only(void)
{
	is_int(parse_id("1", 1), 1, "1 is an id");
	is_int(parse_id("123456789012345678", 18), 123456789012345678LL, "18 digits are an id");
	is_int(parse_id("1234567890123456789", 19), 0, "19 digits are refused (overflow guard)");
	is_int(parse_id("0", 1), 0, "0 is not an id");
	is_int(parse_id("01", 2), 0, "a leading zero is refused");
	is_int(parse_id("-1", 2), 0, "a sign is refused");
	is_int(parse_id("1a", 2), 0, "trailing letters are refused");
	is_int(parse_id("", 0), 0, "an empty id is refused");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_route_matches_whole_segments),
	TAP_CASE(test_head_is_served_by_get),
	TAP_CASE(test_wrong_method_lists_allow),
	TAP_CASE(test_parse_id_takes_positive_decimals_only),
};

int
main(int argc, char **argv)
{
	arena_init(&a);
	int rc = tap_main(cases, TAP_COUNT(cases), argc, argv);
	arena_destroy(&a);
	return rc;
}
