/* test_ratings.c: a user's star rating of a park, in-process: one per user and park, every
 * refusal, and the rating a review shares with it. */
#include <string.h>

#include "harness.h"

static void
test_rating_absent_is_404_not_rated(void)
{
	struct reply r = call("GET", "/api/parks/4/rating", NULL, "Authorization", bearer("alice"), NULL);
	is_int(r.status, 404, "GET rating before rating: 404");
	is_str(err_code(&r), "not_rated", "... not_rated");
}

static void
test_rating_put_twice_keeps_one(void)
{
	const char *a = bearer("alice"), *b = bearer("bob");
	struct reply r = call("PUT", "/api/parks/3/rating", "{\"stars\":4}", "Authorization", a, NULL);
	is_int(r.status, 201, "PUT rating: 201 when created");
	is_int(jint(r.json, "park_id"), 3, "... park_id");
	is_int(jint(r.json, "stars"), 4, "... stars");
	cJSON *at = jget(r.json, "updated_at");
	ok(cJSON_IsString(at) && strlen(at->valuestring) == 20, "... updated_at is a UTC timestamp");
	r = call("PUT", "/api/parks/3/rating", "{\"stars\":2}", "Authorization", a, NULL);
	is_int(r.status, 200, "PUT rating again: 200 when changed");
	is_int(jint(r.json, "stars"), 2, "... with the new stars");
	r = call("PUT", "/api/parks/3/rating", "{\"stars\":2}", "Authorization", a, NULL);
	is_int(r.status, 200, "PUT the same stars: 200");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 3"), 1, "... one row per user per park");
	r = call("GET", "/api/parks/3/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 200, "GET rating: 200");
	is_int(jint(r.json, "stars"), 2, "... the caller's stars");
	r = call("GET", "/api/parks/3/rating", NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "another user's GET rating: 404 not_rated (their own, not A's)");
}

static void
test_rating_refuses_bad_stars(void)
{
	static const struct { const char *body, *code, *what; } bad[] = {
		{ "{\"stars\":0}", "invalid_field", "stars 0" },
		{ "{\"stars\":6}", "invalid_field", "stars 6" },
		{ "{\"stars\":4.5}", "invalid_field", "stars 4.5" },
		{ "{\"stars\":\"4\"}", "invalid_field", "stars \"4\"" },
		{ "{\"stars\":true}", "invalid_field", "stars true" },
		{ "{\"stars\":null}", "missing_field", "stars null" },
		{ "{}", "missing_field", "no stars" },
		{ "{\"stars\":4,\"user_id\":2}", "unknown_field", "a user_id in the body" },
	};
	long long before = count_rows("SELECT count(*) FROM ratings");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reply r = call("PUT", "/api/parks/6/rating", bad[i].body, "Authorization", bearer("bob"), NULL);
		is_int(r.status, 400, "PUT rating with %s: 400", bad[i].what);
		is_str(err_code(&r), bad[i].code, "... %s", bad[i].code);
	}
	is_int(count_rows("SELECT count(*) FROM ratings"), before, "refused ratings store nothing");
}

static void
test_rating_needs_known_park_id_and_token(void)
{
	const char *b = bearer("bob");
	struct reply r = call("PUT", "/api/parks/999/rating", "{\"stars\":4}", "Authorization", b, NULL);
	is_int(r.status, 404, "PUT rating of an unknown park: 404");
	is_str(err_code(&r), "not_found", "... not_found");
	r = call("PUT", "/api/parks/acadia/rating", "{\"stars\":4}", "Authorization", b, NULL);
	is_int(r.status, 404, "PUT rating by slug: 404 (ids only)");
	r = call("PUT", "/api/parks/3/rating", "{\"stars\":4}", NULL);
	is_int(r.status, 401, "PUT rating without a token: 401");
}

static void
test_rating_delete_only_ones_own(void)
{
	const char *a = bearer("alice"), *b = bearer("bob");
	struct reply r = call("PUT", "/api/parks/8/rating", "{\"stars\":4}", "Authorization", a, NULL);
	is_int(r.status, 201, "A rates park 8");
	r = call("DELETE", "/api/parks/8/rating", NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "DELETE a rating one never gave: 404 not_rated");
	is_str(err_code(&r), "not_rated", "... not_rated");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 8"), 1, "... A's rating is untouched");
	r = call("DELETE", "/api/parks/8/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "DELETE rating: 204");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 8"), 0, "... the row is gone");
}

/* A review's stars are its author's rating of the park: one row, one source of truth. */
static void
test_review_stars_are_the_rating(void)
{
	const char *a = bearer("alice");
	struct reply r = call("POST", "/api/parks/10/reviews",
			      "{\"stars\":4,\"title\":\"Great dunes\",\"body\":\"Bring layers.\"}", "Authorization", a, NULL);
	is_int(r.status, 201, "A reviews park 10");
	int id = jint(r.json, "id");
	r = call("GET", "/api/parks/10/rating", NULL, "Authorization", a, NULL);
	is_int(jint(r.json, "stars"), 4, "the review's stars became A's rating for the park");
	r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"stars\":5}", "Authorization", a, NULL);
	is_int(r.status, 200, "A edits the review's stars");
	r = call("GET", "/api/parks/10/rating", NULL, "Authorization", a, NULL);
	is_int(jint(r.json, "stars"), 5, "... and the rating followed the stars");
	r = call("PUT", "/api/parks/10/rating", "{\"stars\":3}", "Authorization", a, NULL);
	is_int(r.status, 200, "A changes the rating with PUT");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(jint(r.json, "stars"), 3, "... and the review shows the same stars (one source of truth)");
	r = call("DELETE", "/api/parks/10/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 409, "deleting the rating of a reviewed park: 409");
	is_str(err_code(&r), "rating_has_review", "... rating_has_review");
}

/* Last: over the statements the cases above made the app prepare. */
static void
test_no_full_scans(void)
{
	static const char *const big[] = { "ratings", "r", "helpful_votes", "reports", "rp", "moderation_log", NULL };
	check_no_full_scans("ratings", 10, big);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_rating_absent_is_404_not_rated),
	TAP_CASE(test_rating_put_twice_keeps_one),
	TAP_CASE(test_rating_refuses_bad_stars),
	TAP_CASE(test_rating_needs_known_park_id_and_token),
	TAP_CASE(test_rating_delete_only_ones_own),
	TAP_CASE(test_review_stars_are_the_rating),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
