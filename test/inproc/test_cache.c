/* test_cache.c: the worker's answer cache, in-process. After every kind of write (through the
 * API, and by hand through another connection), every cacheable answer equals the one the
 * handlers build with the cache empty; and a write leaves cached what it does not touch. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cache.h"
#include "config.h"
#include "harness.h"
#include "metrics.h"

/* 12 and 13 are parks of the seed; yellowstone is one of them by slug. */
static const char *const paths[] = {
	"/api/parks/12", "/api/parks/12/reviews", "/api/parks/12/reviews?sort=helpful",
	"/api/analytics/parks/12", "/api/parks/13", "/api/parks/13/reviews", "/api/analytics/parks/13",
	"/api/parks?sort=rating", "/api/parks?sort=reviews&limit=50", "/api/analytics/summary",
	"/api/parks/yellowstone",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

/* The pool's hit counter, from GET /api/metrics. */
static long
hits(void)
{
	struct reply r = call("GET", "/api/metrics", NULL, NULL);
	const char *p = r.body ? strstr(r.body, "frostbyte_cache_lookups_total{result=\"hit\"} ") : NULL;
	return p ? strtol(strchr(p, ' ') + 1, NULL, 10) : -1;
}

/* Asks every path twice: the second answer must come from the cache. */
static void
prime(void)
{
	for (size_t i = 0; i < NPATHS; i++)
		call("GET", paths[i], NULL, NULL);
}

/* Every path's answer (from the cache where it holds one) against the handlers' with the cache
 * emptied; then fills the cache again. */
static void
all_fresh(const char *after)
{
	char *kept[NPATHS];
	for (size_t i = 0; i < NPATHS; i++) {
		struct reply r = call("GET", paths[i], NULL, NULL);
		kept[i] = strdup(r.status == 200 && r.body ? r.body : "(not 200)");
	}
	cache_clear();
	int stale = 0;
	for (size_t i = 0; i < NPATHS; i++) {
		struct reply r = call("GET", paths[i], NULL, NULL);
		if (r.body == NULL || strcmp(kept[i], r.body) != 0) {
			stale++;
			printf("# stale after %s: %s\n", after, paths[i]);
		}
		free(kept[i]);
	}
	ok(stale == 0, "after %s, every cached answer is the one the handlers give now", after);
	prime();
}

/* Asks path once and tells whether the cache answered it. */
static bool
served_from_cache(const char *path)
{
	long before = hits();
	call("GET", path, NULL, NULL);
	return hits() == before + 1;
}

static void
by_hand(const char *sql)
{
	sqlite3 *other;
	char *err = NULL;
	ok(sqlite3_open(config.database, &other) == SQLITE_OK &&
	   sqlite3_exec(other, sql, NULL, NULL, &err) == SQLITE_OK, "by hand: %s %s", sql, err ? err : "");
	sqlite3_free(err);
	sqlite3_close(other);
}

static void
test_cache_serves_repeated_gets(void)
{
	prime();
	ok(served_from_cache("/api/parks/12/reviews"), "a second GET of a page is served from the cache");
	ok(served_from_cache("/api/analytics/summary"), "... and of the summary");
}

static void
test_rating_rebuilds_only_its_park(void)
{
	const char *ann = bearer("ann"); /* a sign-up changes the summary: before prime() */
	prime();
	struct reply r = call("PUT", "/api/parks/12/rating", "{\"stars\":4}", "Authorization", ann, NULL);
	is_int(r.status, 201, "ann rates park 12 (a first rating: 201)");
	ok(served_from_cache("/api/parks/13"), "a rating of park 12 leaves park 13's page cached");
	ok(served_from_cache("/api/parks/13/reviews"), "... its reviews");
	ok(served_from_cache("/api/analytics/parks/13"), "... and its analytics");
	ok(!served_from_cache("/api/parks/12"), "... but not park 12's page");
	ok(!served_from_cache("/api/parks?sort=rating"), "... nor the park list");
	all_fresh("a rating");
}

/* Bob's review of park 12, which later cases edit and vote on. */
static int review;

static int
bobs_review(void)
{
	if (review == 0)
		review = jint(call("POST", "/api/parks/12/reviews",
				   "{\"stars\":2,\"title\":\"Windy\",\"body\":\"The tent flew.\",\"camper_type\":\"tent\"}",
				   "Authorization", bearer("bob"), NULL).json, "id");
	return review;
}

static void
test_review_rebuilds_what_it_shows(void)
{
	const char *bob = bearer("bob");
	prime();
	struct reply r = call("POST", "/api/parks/12/reviews",
			      "{\"stars\":2,\"title\":\"Windy\",\"body\":\"The tent flew.\",\"camper_type\":\"tent\"}",
			      "Authorization", bob, NULL);
	is_int(r.status, 201, "bob reviews park 12");
	review = jint(r.json, "id");
	all_fresh("a review");
}

static void
test_review_text_edit_rebuilds_its_pages(void)
{
	int id = bobs_review();
	const char *bob = bearer("bob");
	prime();
	struct reply r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"body\":\"The tent flew away.\"}",
			      "Authorization", bob, NULL);
	is_int(r.status, 200, "bob edits his review's text");
	ok(!served_from_cache("/api/parks/12/reviews"), "... park 12's reviews are built again");
	all_fresh("an edit of a review's text");
}

static void
test_helpful_vote_leaves_lists_cached(void)
{
	int id = bobs_review();
	const char *ann = bearer("ann");
	prime();
	struct reply r = call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", ann, NULL);
	ok(r.status == 200 || r.status == 204, "ann finds the review helpful (%d)", r.status);
	ok(served_from_cache("/api/parks?sort=rating"), "a helpful vote leaves the park list cached");
	ok(served_from_cache("/api/analytics/summary"), "... and the summary");
	ok(!served_from_cache("/api/parks/12/reviews?sort=helpful"), "... but not park 12's reviews");
	all_fresh("a helpful vote");
}

static void
test_post_and_saved_place_leave_all_cached(void)
{
	const char *ann = bearer("ann");
	prime();
	struct reply r = call("POST", "/api/channels/1/posts", "{\"title\":\"Hi\",\"body\":\"Hello campers\"}",
			      "Authorization", ann, NULL);
	is_int(r.status, 201, "ann posts on a board");
	r = call("POST", "/api/users/me/locations", "{\"label\":\"Camp\",\"latitude\":44.5,\"longitude\":-110.5}",
		 "Authorization", ann, NULL);
	is_int(r.status, 201, "ann saves a place");
	long before = hits();
	prime();
	is_int(hits() - before, (long)NPATHS, "a post and a saved place leave every answer cached");
}

static void
test_signup_rebuilds_the_summary(void)
{
	prime();
	bearer("cat");
	ok(!served_from_cache("/api/analytics/summary"), "a new account: the summary (which counts users) is built again");
	all_fresh("a sign-up");
}

static void
test_display_name_change_rebuilds_all(void)
{
	bobs_review();
	const char *bob = bearer("bob");
	prime();
	struct reply r = call("PATCH", "/api/users/me", "{\"display_name\":\"Robert\"}", "Authorization", bob, NULL);
	is_int(r.status, 200, "bob changes his display name");
	ok(!served_from_cache("/api/parks/13"), "... every cached answer is built again");
	ok(strstr(call("GET", "/api/parks/12/reviews", NULL, NULL).body, "\"Robert\"") != NULL,
	   "... and park 12's reviews show the new name");
	all_fresh("a change of display name");
}

static void
test_writes_by_hand_rebuild(void)
{
	prime();
	by_hand("UPDATE park_stats SET reviews = reviews + 7 WHERE park_id = 13");
	ok(!served_from_cache("/api/parks/13"), "a change by another connection to park 13's figures: its page is built again");
	ok(!served_from_cache("/api/parks?sort=reviews&limit=50"), "... and the park list");
	all_fresh("a change to the figures by hand");
	by_hand("UPDATE park_stats SET reviews = reviews - 7 WHERE park_id = 13");
	by_hand("UPDATE parks SET description = 'Geysers.' WHERE slug = 'yellowstone'");
	all_fresh("a park edited by hand");
}

static void
test_account_delete_rebuilds(void)
{
	bobs_review();
	const char *bob = bearer("bob");
	prime();
	struct reply r = call("DELETE", "/api/users/me", sfmt("{\"password\":\"%s\"}", TEST_PASSWORD),
			      "Authorization", bob, NULL);
	is_int(r.status, 204, "bob deletes his account");
	all_fresh("an account deleted (its review and its vote go with it)");
}

static void
test_rating_taken_back_rebuilds(void)
{
	const char *ann = bearer("ann");
	call("PUT", "/api/parks/12/rating", "{\"stars\":4}", "Authorization", ann, NULL);
	prime();
	struct reply r = call("DELETE", "/api/parks/12/rating", NULL, "Authorization", ann, NULL);
	is_int(r.status, 204, "ann takes back her rating");
	all_fresh("a rating taken back");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_cache_serves_repeated_gets),
	TAP_CASE(test_rating_rebuilds_only_its_park),
	TAP_CASE(test_review_rebuilds_what_it_shows),
	TAP_CASE(test_review_text_edit_rebuilds_its_pages),
	TAP_CASE(test_helpful_vote_leaves_lists_cached),
	TAP_CASE(test_post_and_saved_place_leave_all_cached),
	TAP_CASE(test_signup_rebuilds_the_summary),
	TAP_CASE(test_display_name_change_rebuilds_all),
	TAP_CASE(test_writes_by_hand_rebuild),
	TAP_CASE(test_account_delete_rebuilds),
	TAP_CASE(test_rating_taken_back_rebuilds),
};

int
main(int argc, char **argv)
{
	harness_setup();
	char err[200];
	if (metrics_open(NULL, err, sizeof(err)) != 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	tap_run(cases, TAP_COUNT(cases), argc, argv);
	metrics_close();
	harness_teardown();
	return tap_done();
}
