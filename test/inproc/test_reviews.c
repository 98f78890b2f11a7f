/* test_reviews.c: reviews and their helpful votes, in-process: every field validated, one review
 * per user and park, the author's rights, the list's sorts and pages, and the account's deletion. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "harness.h"
#include "reviews.h"

static const char *
str(cJSON *j, const char *path)
{
	cJSON *v = jget(j, path);
	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static const char *
review_body(int stars, const char *title)
{
	return sfmt("{\"stars\":%d,\"title\":\"%s\",\"body\":\"Quiet sites, cold nights.\\nBring layers.\","
		   "\"visited_on\":\"2025-07\",\"camper_type\":\"tent\"}", stars, title);
}

static void
test_review_refuses_bad_fields(void)
{
	const char *a = bearer("alice");
	static char long_title[200], long_body[5100];
	memset(long_title, 'x', 121);
	memset(long_body, 'y', 5001);
	static const struct { const char *body, *code, *field, *what; } bad[] = {
		{ "{\"stars\":0,\"title\":\"t\",\"body\":\"b\"}", "invalid_field", "stars", "stars 0" },
		{ "{\"stars\":6,\"title\":\"t\",\"body\":\"b\"}", "invalid_field", "stars", "stars 6" },
		{ "{\"stars\":4.5,\"title\":\"t\",\"body\":\"b\"}", "invalid_field", "stars", "stars 4.5" },
		{ "{\"stars\":\"4\",\"title\":\"t\",\"body\":\"b\"}", "invalid_field", "stars", "stars \"4\"" },
		{ "{\"stars\":null,\"title\":\"t\",\"body\":\"b\"}", "missing_field", "stars", "stars null" },
		{ "{\"title\":\"t\",\"body\":\"b\"}", "missing_field", "stars", "no stars" },
		{ "{\"stars\":4,\"body\":\"b\"}", "missing_field", "title", "no title" },
		{ "{\"stars\":4,\"title\":\"\",\"body\":\"b\"}", "invalid_field", "title", "an empty title" },
		{ "{\"stars\":4,\"title\":\"   \",\"body\":\"b\"}", "invalid_field", "title", "a blank title" },
		{ "{\"stars\":4,\"title\":\"a\\u0007b\",\"body\":\"b\"}", "invalid_field", "title", "a control character in the title" },
		{ "{\"stars\":4,\"title\":\"t\"}", "missing_field", "body", "no body" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":7}", "invalid_field", "body", "a number as body" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"visited_on\":\"2025-13\"}", "invalid_field", "visited_on", "month 13" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"visited_on\":\"2025-00\"}", "invalid_field", "visited_on", "month 00" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"visited_on\":\"2025-7\"}", "invalid_field", "visited_on", "a one-digit month" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"visited_on\":\"July 2025\"}", "invalid_field", "visited_on", "a month in words" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"visited_on\":\"2999-01\"}", "invalid_field", "visited_on", "a month in the future" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"visited_on\":\"2025-07-04\"}", "invalid_field", "visited_on", "a date, not a month" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"camper_type\":\"yacht\"}", "invalid_field", "camper_type", "an unknown camper type" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"camper_type\":\"TENT\"}", "invalid_field", "camper_type", "a camper type in capitals" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"user_id\":1}", "unknown_field", NULL, "a user_id in the body" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"helpful_count\":99}", "unknown_field", NULL, "a helpful_count in the body" },
		{ "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"hidden\":false}", "unknown_field", NULL, "hidden in the body" },
	};
	struct reply r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = call("POST", "/api/parks/5/reviews", bad[i].body, "Authorization", a, NULL);
		is_int(r.status, 400, "POST review with %s: 400", bad[i].what);
		is_str(err_code(&r), bad[i].code, "... %s", bad[i].code);
		if (bad[i].field)
			is_str(err_field(&r) ? err_field(&r) : "(none)", bad[i].field, "... field %s", bad[i].field);
	}
	r = call("POST", "/api/parks/5/reviews", sfmt("{\"stars\":4,\"title\":\"%s\",\"body\":\"b\"}", long_title),
		 "Authorization", a, NULL);
	is_int(r.status, 400, "a 121-character title: 400");
	is_str(err_field(&r) ? err_field(&r) : "", "title", "... field title");
	r = call("POST", "/api/parks/5/reviews", sfmt("{\"stars\":4,\"title\":\"t\",\"body\":\"%s\"}", long_body),
		 "Authorization", a, NULL);
	is_int(r.status, 400, "a 5001-character body: 400");
	is_str(err_field(&r) ? err_field(&r) : "", "body", "... field body");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 5"), 0, "no refused review stored anything");
}

/* Limits are in characters: 120 three-byte characters are a valid title. */
static void
test_review_limits_count_characters(void)
{
	const char *a = bearer("alice");
	struct reply r;
	char wide[400] = "";
	for (int i = 0; i < 120; i++)
		strcat(wide, "\xe2\x9b\xba"); /* U+26FA tent */
	r = call("POST", "/api/parks/5/reviews", sfmt("{\"stars\":5,\"title\":\"%s\",\"body\":\"ok\"}", wide),
		 "Authorization", a, NULL);
	is_int(r.status, 201, "a title of 120 tent emoji (360 bytes) is accepted");
	r = call("DELETE", sfmt("/api/reviews/%d", jint(r.json, "id")), NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "... and deleted again");
	r = call("DELETE", "/api/parks/5/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "... with its rating");
}

static void
test_review_list_refuses_bad_parameters(void)
{
	struct reply r;
	r = call("GET", "/api/parks/5/reviews?sort=best", NULL, NULL);
	is_int(r.status, 400, "list with an unknown sort: 400");
	is_str(err_field(&r) ? err_field(&r) : "", "sort", "... field sort");
	r = call("GET", "/api/parks/5/reviews?stars=6", NULL, NULL);
	is_int(r.status, 400, "list with stars=6: 400");
	r = call("GET", "/api/parks/5/reviews?limit=0", NULL, NULL);
	is_int(r.status, 400, "list with limit=0: 400");
	r = call("GET", "/api/parks/5/reviews?cursor=bm90LWEtY3Vyc29y", NULL, NULL);
	is_int(r.status, 400, "list with a made-up cursor: 400");
	is_str(err_code(&r), "invalid_cursor", "... invalid_cursor");
	r = call("GET", "/api/parks/999/reviews", NULL, NULL);
	is_int(r.status, 404, "reviews of an unknown park: 404");
	r = call("GET", "/api/parks/5/reviews", NULL, NULL);
	is_int(r.status, 200, "reviews of a park nobody reviewed: 200");
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "... an empty list");
}


/* Alice's review of park 7, which the cases below read, edit and vote on. */
static int dunes;

static int
dunes_review(void)
{
	if (dunes == 0)
		dunes = jint(call("POST", "/api/parks/7/reviews", review_body(4, "Great dunes"),
				  "Authorization", bearer("alice"), NULL).json, "id");
	return dunes;
}

static void
test_review_create_shows_public_fields(void)
{
	struct reply r = call("POST", "/api/parks/7/reviews", review_body(4, "Great dunes"),
			      "Authorization", bearer("alice"), NULL);
	is_int(r.status, 201, "A writes a review: 201");
	dunes = jint(r.json, "id");
	is_int(jint(r.json, "stars"), 4, "... stars 4");
	is_str(str(r.json, "title"), "Great dunes", "... title");
	is_str(str(r.json, "visited_on"), "2025-07", "... visited_on");
	is_str(str(r.json, "camper_type"), "tent", "... camper_type");
	is_int(jint(r.json, "helpful_count"), 0, "... helpful_count 0");
	is_str(str(r.json, "author.display_name"), "alice", "... the author is A");
	ok(jget(r.json, "author.password_hash") == NULL && jget(r.json, "user_id") == NULL,
	   "... and nothing private about the author");
}

static void
test_review_one_per_user_and_park(void)
{
	int id = dunes_review();
	struct reply r = call("POST", "/api/parks/7/reviews", review_body(2, "Again"), "Authorization", bearer("alice"), NULL);
	is_int(r.status, 409, "a second review of the same park: 409");
	is_str(err_code(&r), "already_reviewed", "... already_reviewed");
	is_int(jint(r.json, "error.review_id"), id, "... with the existing review_id");
}

static void
test_review_only_author_edits(void)
{
	int id = dunes_review();
	const char *a = bearer("alice"), *b = bearer("bob");
	struct reply r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"title\":\"Mine now\"}", "Authorization", b, NULL);
	is_int(r.status, 403, "B edits A's review: 403");
	is_str(err_code(&r), "forbidden", "... forbidden");
	r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"title\":\"x\",\"user_id\":2}", "Authorization", a, NULL);
	is_int(r.status, 400, "a user_id in a PATCH body: 400 unknown_field");
	r = call("DELETE", sfmt("/api/reviews/%d", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 403, "B deletes A's review: 403");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_str(str(r.json, "title"), "Great dunes", "... A's review is unchanged");
}

static void
test_review_patch_changes_given_fields(void)
{
	int id = dunes_review();
	struct reply r = call("PATCH", sfmt("/api/reviews/%d", id),
			      "{\"stars\":5,\"title\":\"Greater dunes\",\"visited_on\":null}",
			      "Authorization", bearer("alice"), NULL);
	is_int(r.status, 200, "A edits the review: 200");
	is_int(jint(r.json, "stars"), 5, "... stars 5");
	is_str(str(r.json, "title"), "Greater dunes", "... the new title");
	ok(cJSON_IsNull(jget(r.json, "visited_on")), "... visited_on cleared by null");
	is_str(str(r.json, "camper_type"), "tent", "... camper_type kept");
}

static void
test_helpful_vote_counted_once(void)
{
	int id = dunes_review();
	const char *a = bearer("alice"), *b = bearer("bob"), *admin = admin_bearer("ranger");
	struct reply r = call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", a, NULL);
	is_int(r.status, 403, "a vote on one's own review: 403");
	is_str(err_code(&r), "own_review", "... own_review");
	r = call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 204, "B finds it helpful: 204");
	r = call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 204, "... again: 204 (idempotent)");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(jint(r.json, "helpful_count"), 1, "... counted once");
	r = call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, NULL);
	is_int(r.status, 401, "a vote without a token: 401");
	r = call("DELETE", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", admin, NULL);
	is_int(r.status, 204, "removing a vote one never gave: 204, and B's vote stays");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(jint(r.json, "helpful_count"), 1, "... still 1");
	r = call("DELETE", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 204, "B takes the vote back: 204");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(jint(r.json, "helpful_count"), 0, "... 0");
	r = call("PUT", "/api/reviews/999999/helpful", NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "a vote on a review that does not exist: 404");
}

/* GET /api/users/me/helpful?park=: the caller's own votes, so a page shows them after a reload. */
static void
test_helpful_votes_of_the_caller(void)
{
	int id = dunes_review();
	const char *carol = bearer("carol_votes"), *dave = bearer("dave_votes");
	struct reply r = call("GET", "/api/users/me/helpful?park=7", NULL, "Authorization", carol, NULL);
	ok(r.status == 200 && jint(r.json, "park_id") == 7 && cJSON_GetArraySize(jget(r.json, "review_ids")) == 0,
	   "no votes yet: 200 {park_id: 7, review_ids: []}");
	is_int(call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", carol, NULL).status, 204,
	       "carol marks the dunes review helpful");
	r = call("GET", "/api/users/me/helpful?park=7", NULL, "Authorization", carol, NULL);
	ok(r.status == 200 && cJSON_GetArraySize(jget(r.json, "review_ids")) == 1 &&
	   jint(r.json, "review_ids.0") == id, "... her list holds it");
	r = call("GET", "/api/users/me/helpful?park=7", NULL, "Authorization", dave, NULL);
	ok(r.status == 200 && cJSON_GetArraySize(jget(r.json, "review_ids")) == 0, "... dave's list does not");
	r = call("GET", "/api/users/me/helpful?park=8", NULL, "Authorization", carol, NULL);
	ok(r.status == 200 && cJSON_GetArraySize(jget(r.json, "review_ids")) == 0, "... nor her list for another park");
	is_int(call("DELETE", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", carol, NULL).status, 204,
	       "carol takes the vote back");
	r = call("GET", "/api/users/me/helpful?park=7", NULL, "Authorization", carol, NULL);
	ok(r.status == 200 && cJSON_GetArraySize(jget(r.json, "review_ids")) == 0, "... and her list is empty again");
	r = call("GET", "/api/users/me/helpful?park=7", NULL, NULL);
	ok(is_error(&r, 401, "unauthenticated", NULL), "without a token: 401 unauthenticated");
	r = call("GET", "/api/users/me/helpful", NULL, "Authorization", carol, NULL);
	ok(is_error(&r, 400, "missing_field", "park"), "without ?park: 400 missing_field park");
	r = call("GET", "/api/users/me/helpful?park=abc", NULL, "Authorization", carol, NULL);
	ok(is_error(&r, 400, "invalid_field", "park"), "?park=abc: 400 invalid_field park");
	r = call("GET", "/api/users/me/helpful?park=999", NULL, "Authorization", carol, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "?park=999: 404 not_found");
}

/* Park 9: ten campers' reviews with stars 1..5 repeating; review 2 has three votes, review 4
 * one. */
#define CAMPERS 10
static int park9[CAMPERS];

static const char *
camper(int i)
{
	return bearer(sfmt("camper%d", i));
}

static void
review_park9(void)
{
	if (park9[0] != 0)
		return;
	for (int i = 0; i < CAMPERS; i++)
		park9[i] = jint(call("POST", "/api/parks/9/reviews", review_body(i % 5 + 1, sfmt("Review %d", i)),
				     "Authorization", camper(i), NULL).json, "id");
	for (int i = 0; i < 3; i++)
		call("PUT", sfmt("/api/reviews/%d/helpful", park9[2]), NULL, "Authorization", camper((i + 3) % CAMPERS), NULL);
	call("PUT", sfmt("/api/reviews/%d/helpful", park9[4]), NULL, "Authorization", camper(0), NULL);
}

/* Every sort and filter, walked by pages of 2, yields each visible review exactly once, in
 * order. */
static void
test_review_list_pages_every_sort_once(void)
{
	review_park9();
	static const char *const sorts[] = { "newest", "highest", "lowest", "helpful" };
	for (int si = 0; si < 4; si++) {
		for (int filter = 0; filter <= 5; filter += 5) {
			char path[512];
			snprintf(path, sizeof(path), "/api/parks/9/reviews?sort=%s&limit=2%s", sorts[si],
				 filter ? "&stars=5" : "");
			int seen = 0, in_order = 1, pages = 0, dup = 0;
			int prev_stars = -1, prev_help = -1, prev_id = 0;
			int got[16];
			for (;;) {
				struct reply r = call("GET", path, NULL, NULL);
				if (r.status != 200 || ++pages > 20)
					break;
				cJSON *it;
				cJSON_ArrayForEach(it, jget(r.json, "items")) {
					int id = jint(it, "id"), stars = jint(it, "stars"), help = jint(it, "helpful_count");
					for (int k = 0; k < seen; k++)
						dup |= got[k] == id;
					if (seen < 16)
						got[seen] = id;
					if (seen > 0) {
						bool okay = true;
						if (si == 0 || (filter && si != 3)) /* a stars filter leaves id order, except by helpfulness */
							okay = id < prev_id;
						else if (si == 1)
							okay = stars < prev_stars || (stars == prev_stars && id < prev_id);
						else if (si == 2)
							okay = stars > prev_stars || (stars == prev_stars && id < prev_id);
						else
							okay = help < prev_help || (help == prev_help && id < prev_id);
						in_order &= okay;
					}
					if (filter && stars != 5)
						in_order = 0;
					prev_stars = stars, prev_help = help, prev_id = id;
					seen++;
				}
				cJSON *next = jget(r.json, "next_cursor");
				if (!cJSON_IsString(next))
					break;
				snprintf(path, sizeof(path), "/api/parks/9/reviews?sort=%s&limit=2%s&cursor=%s",
					 sorts[si], filter ? "&stars=5" : "", next->valuestring);
			}
			int want = filter ? CAMPERS / 5 : CAMPERS;
			is_int(seen, want, "sort=%s%s by pages of 2: every review once", sorts[si],
			       filter ? " stars=5" : "");
			ok(in_order && !dup, "... in order, no repeats");
		}
	}
	struct reply r = call("GET", "/api/parks/9/reviews?sort=helpful&limit=1", NULL, NULL);
	is_int(jint(r.json, "items.0.id"), park9[2], "sort=helpful puts the most helpful first");
}

/* A review written while someone pages through newest-first is not skipped or repeated: it
 * lands before the page already read. */
static void
test_review_written_while_paging_lands_before(void)
{
	review_park9();
	struct reply r = call("GET", "/api/parks/9/reviews?limit=3", NULL, NULL);
	const char *cursor = sfmt("%s", str(r.json, "next_cursor"));
	int third = jint(r.json, "items.2.id");
	call("DELETE", sfmt("/api/reviews/%d", park9[0]), NULL, "Authorization", camper(0), NULL);
	call("POST", "/api/parks/9/reviews", review_body(3, "Late arrival"), "Authorization", camper(0), NULL);
	r = call("GET", sfmt("/api/parks/9/reviews?limit=50&cursor=%s", cursor), NULL, NULL);
	int first_next = jint(r.json, "items.0.id");
	ok(first_next < third && first_next == park9[CAMPERS - 4], "the next page continues right after the last one read");
}

/* Deleting an account deletes its ratings, reviews and votes with it. */
static void
test_account_delete_takes_reviews_and_votes(void)
{
	review_park9();
	struct reply r = call("DELETE", "/api/users/me", sfmt("{\"password\":\"%s\"}", TEST_PASSWORD),
			      "Authorization", camper(3), NULL);
	is_int(r.status, 204, "camper3 deletes the account");
	is_int(count_rows("SELECT count(*) FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.username = 'camper3'"),
	       0, "... its ratings and reviews are gone");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE user_id NOT IN (SELECT id FROM users)"), 0,
	       "... no row points at a deleted user");
	is_int(count_rows("SELECT count(*) FROM helpful_votes WHERE user_id NOT IN (SELECT id FROM users)"), 0,
	       "... nor any vote");
	is_int(count_rows("SELECT sum(helpful_count) FROM ratings"),
	       count_rows("SELECT count(*) FROM helpful_votes"), "helpful counts equal the votes");
}

/* Last: over the statements the cases above made the app prepare. */
static void
test_no_full_scans(void)
{
	static const char *const big[] = { "ratings", "r", "helpful_votes", "reports", "rp", "moderation_log", NULL };
	check_no_full_scans("ratings, votes or reports", 10, big);
}

/* The camper types of the C table (reviews.h) are the database's: the CHECK on
 * ratings.camper_type lists exactly them, in order, and park_stats counts each in a column. */
static void
test_camper_types_match_schema(void)
{
	const char *a = bearer("alice");
	char check[512] = "camper_type IN (";
	for (int i = 0; i < CAMPER_TYPE_COUNT; i++)
		snprintf(check + strlen(check), sizeof(check) - strlen(check), "%s'%s'", i ? ", " : "",
			 camper_types[i]);
	strcat(check, "))");
	sqlite3_stmt *st;
	const char *sql = NULL;
	if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ratings'",
			       -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		sql = sfmt("%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	ok(sql != NULL && strstr(sql, check) != NULL, "the schema's CHECK is %s", check);
	int columns = 0;
	for (int i = 0; i < CAMPER_TYPE_COUNT; i++) {
		if (sqlite3_prepare_v2(db, sfmt("SELECT %s FROM park_stats", camper_types[i]), -1, &st,
				       NULL) == SQLITE_OK)
			columns++;
		sqlite3_finalize(st);
	}
	is_int(columns, CAMPER_TYPE_COUNT, "park_stats has a column for each of the %d camper types",
	       CAMPER_TYPE_COUNT);
	struct reply r = call("POST", "/api/parks/5/reviews",
			      "{\"stars\":4,\"title\":\"t\",\"body\":\"b\",\"camper_type\":\"yacht\"}",
			      "Authorization", a, NULL);
	cJSON *msg = jget(r.json, "error.message");
	is_str(cJSON_IsString(msg) ? msg->valuestring : NULL,
	       "camper_type must be tent, rv, van, cabin, backpacking or day_use.",
	       "an unknown camper type is refused with the list in the message");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_review_refuses_bad_fields),
	TAP_CASE(test_review_limits_count_characters),
	TAP_CASE(test_camper_types_match_schema),
	TAP_CASE(test_review_list_refuses_bad_parameters),
	TAP_CASE(test_review_create_shows_public_fields),
	TAP_CASE(test_review_one_per_user_and_park),
	TAP_CASE(test_review_only_author_edits),
	TAP_CASE(test_review_patch_changes_given_fields),
	TAP_CASE(test_helpful_vote_counted_once),
	TAP_CASE(test_helpful_votes_of_the_caller),
	TAP_CASE(test_review_list_pages_every_sort_once),
	TAP_CASE(test_review_written_while_paging_lands_before),
	TAP_CASE(test_account_delete_takes_reviews_and_votes),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
