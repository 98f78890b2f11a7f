/* test_reviews.c: ratings, reviews, helpful votes, reports and moderation, in-process: the
 * contract's statuses and bodies, ownership between users, and validation of every field. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "harness.h"
#include "reviews.h"

#define PASSWORD "correct horse battery"

/* printf into a small ring, so a test can build a body or path inline. */

static int64_t
count_rows(const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}


static const char *
str(cJSON *j, const char *path)
{
	cJSON *v = jget(j, path);
	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static void
ratings(const char *a, const char *b)
{
	struct reply r;
	r = call("GET", "/api/parks/3/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 404, "GET rating before rating: 404");
	is_str(err_code(&r), "not_rated", "... not_rated");

	r = call("PUT", "/api/parks/3/rating", "{\"stars\":4}", "Authorization", a, NULL);
	is_int(r.status, 201, "PUT rating: 201 when created");
	is_int(jint(r.json, "park_id"), 3, "... park_id");
	is_int(jint(r.json, "stars"), 4, "... stars");
	ok(strlen(str(r.json, "updated_at")) == 20, "... updated_at is a UTC timestamp");
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
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = call("PUT", "/api/parks/3/rating", bad[i].body, "Authorization", b, NULL);
		is_int(r.status, 400, "PUT rating with %s: 400", bad[i].what);
		is_str(err_code(&r), bad[i].code, "... %s", bad[i].code);
	}
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 3"), 1, "refused ratings store nothing");

	r = call("PUT", "/api/parks/999/rating", "{\"stars\":4}", "Authorization", b, NULL);
	is_int(r.status, 404, "PUT rating of an unknown park: 404");
	is_str(err_code(&r), "not_found", "... not_found");
	r = call("PUT", "/api/parks/acadia/rating", "{\"stars\":4}", "Authorization", b, NULL);
	is_int(r.status, 404, "PUT rating by slug: 404 (ids only)");
	r = call("PUT", "/api/parks/3/rating", "{\"stars\":4}", NULL);
	is_int(r.status, 401, "PUT rating without a token: 401");

	r = call("DELETE", "/api/parks/3/rating", NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "DELETE a rating one never gave: 404 not_rated");
	is_str(err_code(&r), "not_rated", "... not_rated");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 3"), 1, "... A's rating is untouched");
	r = call("DELETE", "/api/parks/3/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "DELETE rating: 204");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 3"), 0, "... the row is gone");
}

static const char *
review_body(int stars, const char *title)
{
	return sfmt("{\"stars\":%d,\"title\":\"%s\",\"body\":\"Quiet sites, cold nights.\\nBring layers.\","
		   "\"visited_on\":\"2025-07\",\"camper_type\":\"tent\"}", stars, title);
}

static void
validation(const char *a)
{
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

	/* Limits are in characters: 120 three-byte characters are a valid title. */
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

static void
ownership(const char *a, const char *b, const char *admin)
{
	struct reply r;
	r = call("POST", "/api/parks/7/reviews", review_body(4, "Great dunes"), "Authorization", a, NULL);
	is_int(r.status, 201, "A writes a review: 201");
	int id = jint(r.json, "id");
	is_int(jint(r.json, "stars"), 4, "... stars 4");
	is_str(str(r.json, "title"), "Great dunes", "... title");
	is_str(str(r.json, "visited_on"), "2025-07", "... visited_on");
	is_str(str(r.json, "camper_type"), "tent", "... camper_type");
	is_int(jint(r.json, "helpful_count"), 0, "... helpful_count 0");
	is_str(str(r.json, "author.display_name"), "alice", "... the author is A");
	ok(jget(r.json, "author.password_hash") == NULL && jget(r.json, "user_id") == NULL,
	   "... and nothing private about the author");
	r = call("GET", "/api/parks/7/rating", NULL, "Authorization", a, NULL);
	is_int(jint(r.json, "stars"), 4, "the review's stars became A's rating for the park");

	r = call("POST", "/api/parks/7/reviews", review_body(2, "Again"), "Authorization", a, NULL);
	is_int(r.status, 409, "a second review of the same park: 409");
	is_str(err_code(&r), "already_reviewed", "... already_reviewed");
	is_int(jint(r.json, "error.review_id"), id, "... with the existing review_id");

	r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"title\":\"Mine now\"}", "Authorization", b, NULL);
	is_int(r.status, 403, "B edits A's review: 403");
	is_str(err_code(&r), "forbidden", "... forbidden");
	r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"title\":\"x\",\"user_id\":2}", "Authorization", a, NULL);
	is_int(r.status, 400, "a user_id in a PATCH body: 400 unknown_field");
	r = call("DELETE", sfmt("/api/reviews/%d", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 403, "B deletes A's review: 403");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_str(str(r.json, "title"), "Great dunes", "... A's review is unchanged");

	r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"stars\":5,\"title\":\"Greater dunes\",\"visited_on\":null}",
		 "Authorization", a, NULL);
	is_int(r.status, 200, "A edits the review: 200");
	is_int(jint(r.json, "stars"), 5, "... stars 5");
	is_str(str(r.json, "title"), "Greater dunes", "... the new title");
	ok(cJSON_IsNull(jget(r.json, "visited_on")), "... visited_on cleared by null");
	is_str(str(r.json, "camper_type"), "tent", "... camper_type kept");
	r = call("GET", "/api/parks/7/rating", NULL, "Authorization", a, NULL);
	is_int(jint(r.json, "stars"), 5, "... and the rating followed the stars");
	r = call("PUT", "/api/parks/7/rating", "{\"stars\":3}", "Authorization", a, NULL);
	is_int(r.status, 200, "A changes the rating with PUT");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(jint(r.json, "stars"), 3, "... and the review shows the same stars (one source of truth)");
	r = call("DELETE", "/api/parks/7/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 409, "deleting the rating of a reviewed park: 409");
	is_str(err_code(&r), "rating_has_review", "... rating_has_review");

	/* Helpful votes. */
	r = call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", a, NULL);
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

	/* Reports and moderation. */
	r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"spam\"}", "Authorization", a, NULL);
	is_int(r.status, 403, "reporting one's own review: 403 own_review");
	r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"rude\"}", "Authorization", b, NULL);
	is_int(r.status, 400, "an unknown reason: 400");
	is_str(err_field(&r) ? err_field(&r) : "", "reason", "... field reason");
	r = call("POST", sfmt("/api/reviews/%d/reports", id), sfmt("{\"reason\":\"other\",\"note\":\"%0501d\"}", 0),
		 "Authorization", b, NULL);
	is_int(r.status, 400, "a 501-character note: 400");
	r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"spam\",\"note\":\"Advertises a shop\"}",
		 "Authorization", b, NULL);
	is_int(r.status, 201, "B reports A's review: 201");
	is_int(jint(r.json, "review_id"), id, "... review_id");
	is_str(str(r.json, "reason"), "spam", "... reason");
	r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"offensive\"}", "Authorization", b, NULL);
	is_int(r.status, 409, "a second open report by B: 409");
	is_str(err_code(&r), "already_reported", "... already_reported");

	r = call("GET", "/api/admin/reports", NULL, "Authorization", b, NULL);
	is_int(r.status, 403, "a user reads the report queue: 403");
	is_str(err_code(&r), "forbidden", "... forbidden");
	r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":true,\"reason\":\"spam\"}",
		 "Authorization", b, NULL);
	is_int(r.status, 403, "a user hides a review: 403");
	r = call("GET", "/api/admin/reports", NULL, "Authorization", admin, NULL);
	is_int(r.status, 200, "the admin reads the queue: 200");
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 1, "... one open report");
	is_int(jint(r.json, "items.0.review.id"), id, "... with the review");
	is_str(str(r.json, "items.0.reason"), "spam", "... and the reason");

	r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":true}", "Authorization", admin, NULL);
	is_int(r.status, 400, "hiding without a reason: 400");
	r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":\"yes\",\"reason\":\"spam\"}",
		 "Authorization", admin, NULL);
	is_int(r.status, 400, "hidden as a string: 400");
	r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":true,\"reason\":\"Advertising\"}",
		 "Authorization", admin, NULL);
	is_int(r.status, 200, "the admin hides the review: 200");
	ok(cJSON_IsTrue(jget(r.json, "hidden")), "... hidden: true");
	is_int(count_rows("SELECT count(*) FROM moderation_log WHERE action = 'hide' AND reason = 'Advertising'"),
	       1, "... written to the moderation log");
	r = call("GET", "/api/admin/reports", NULL, "Authorization", admin, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "... and the report is closed");

	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(r.status, 404, "a hidden review to an anonymous reader: 404");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "... to another user: 404");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, "Authorization", a, NULL);
	is_int(r.status, 200, "... to its author: 200");
	ok(cJSON_IsTrue(jget(r.json, "hidden")), "... marked hidden");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, "Authorization", admin, NULL);
	is_int(r.status, 200, "... to an admin: 200");
	r = call("GET", "/api/parks/7/reviews", NULL, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "the park's list leaves the hidden review out");
	r = call("PATCH", sfmt("/api/reviews/%d", id), "{\"title\":\"x\"}", "Authorization", b, NULL);
	is_int(r.status, 404, "B edits the hidden review: 404 (B cannot see it)");
	r = call("PUT", sfmt("/api/reviews/%d/helpful", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "B votes on the hidden review: 404");
	r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"spam\"}", "Authorization", b, NULL);
	is_int(r.status, 404, "B reports the hidden review: 404");
	r = call("GET", "/api/users/me/reviews", NULL, "Authorization", a, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 1, "A's own list still holds it");
	ok(cJSON_IsTrue(jget(r.json, "items.0.hidden")), "... marked hidden");
	r = call("GET", "/api/users/me/reviews", NULL, "Authorization", b, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "B's list holds none of A's reviews");

	r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":false,\"reason\":\"Owner fixed it\"}",
		 "Authorization", admin, NULL);
	is_int(r.status, 200, "the admin unhides it: 200");
	is_int(count_rows("SELECT count(*) FROM moderation_log WHERE action = 'unhide'"), 1, "... logged");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(r.status, 200, "... readable by all again");

	r = call("DELETE", sfmt("/api/reviews/%d", id), NULL, "Authorization", admin, NULL);
	is_int(r.status, 204, "an admin deletes A's review: 204");
	is_int(count_rows("SELECT count(*) FROM moderation_log WHERE action = 'delete'"), 1, "... logged");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(r.status, 404, "... gone");
	r = call("GET", "/api/parks/7/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 200, "... A's rating stays");
	is_int(jint(r.json, "stars"), 3, "... with its stars");
	r = call("DELETE", "/api/parks/7/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "A can now delete the rating");

	r = call("POST", "/api/parks/7/reviews", review_body(2, "Second visit"), "Authorization", a, NULL);
	is_int(r.status, 201, "A reviews the park again");
	ok(jint(r.json, "id") > id, "... under a new id");
	r = call("DELETE", sfmt("/api/reviews/%d", jint(r.json, "id")), NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "A deletes own review: 204");
	is_int(count_rows("SELECT count(*) FROM moderation_log WHERE action = 'delete'"), 1,
	       "... an author's own delete is not moderation");
}

static void
listing(const char *users[], int nusers)
{
	/* Park 9: reviews with stars 1..5 repeating; votes on some. Every sort and filter, walked by
	 * pages of 2, yields each visible review exactly once, in order. */
	int ids[16];
	for (int i = 0; i < nusers; i++) {
		struct reply r = call("POST", "/api/parks/9/reviews", review_body(i % 5 + 1, sfmt("Review %d", i)),
				      "Authorization", users[i], NULL);
		ids[i] = jint(r.json, "id");
	}
	for (int i = 0; i < 3; i++) /* review 2 gets three votes, review 4 one */
		call("PUT", sfmt("/api/reviews/%d/helpful", ids[2]), NULL, "Authorization", users[(i + 3) % nusers], NULL);
	call("PUT", sfmt("/api/reviews/%d/helpful", ids[4]), NULL, "Authorization", users[0], NULL);

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
			int want = filter ? (nusers + 0) / 5 : nusers;
			is_int(seen, want, "sort=%s%s by pages of 2: every review once", sorts[si],
			       filter ? " stars=5" : "");
			ok(in_order && !dup, "... in order, no repeats");
		}
	}
	struct reply r = call("GET", "/api/parks/9/reviews?sort=helpful&limit=1", NULL, NULL);
	is_int(jint(r.json, "items.0.id"), ids[2], "sort=helpful puts the most helpful first");

	/* A review written while someone pages through newest-first is not skipped or repeated: it
	 * lands before the page already read. */
	r = call("GET", "/api/parks/9/reviews?limit=3", NULL, NULL);
	const char *cursor = sfmt("%s", str(r.json, "next_cursor"));
	int third = jint(r.json, "items.2.id");
	call("DELETE", sfmt("/api/reviews/%d", ids[0]), NULL, "Authorization", users[0], NULL);
	call("POST", "/api/parks/9/reviews", review_body(3, "Late arrival"), "Authorization", users[0], NULL);
	r = call("GET", sfmt("/api/parks/9/reviews?limit=50&cursor=%s", cursor), NULL, NULL);
	int first_next = jint(r.json, "items.0.id");
	ok(first_next < third && first_next == ids[nusers - 4], "the next page continues right after the last one read");
}

/* The camper types of the C table (reviews.h) are the database's: the CHECK on
 * ratings.camper_type lists exactly them, in order, and park_stats counts each in a column. */
static void
camper_types_match_schema(const char *a)
{
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

int
main(void)
{
	harness_setup();
	const char *a = signup("alice", PASSWORD), *b = signup("bob", PASSWORD);
	const char *admin = signup("ranger", PASSWORD);
	sqlite3_exec(db, "UPDATE users SET role = 'admin' WHERE username = 'ranger'", NULL, NULL, NULL);

	ratings(a, b);
	validation(a);
	camper_types_match_schema(a);
	ownership(a, b, admin);

	const char *users[10];
	for (int i = 0; i < 10; i++)
		users[i] = signup(sfmt("camper%d", i), PASSWORD);
	listing(users, 10);

	/* Deleting an account deletes its ratings, reviews and votes with it. */
	struct reply r = call("DELETE", "/api/users/me", sfmt("{\"password\":\"%s\"}", PASSWORD),
			      "Authorization", users[3], NULL);
	is_int(r.status, 204, "camper3 deletes the account");
	is_int(count_rows("SELECT count(*) FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.username = 'camper3'"),
	       0, "... its ratings and reviews are gone");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE user_id NOT IN (SELECT id FROM users)"), 0,
	       "... no row points at a deleted user");
	is_int(count_rows("SELECT count(*) FROM helpful_votes WHERE user_id NOT IN (SELECT id FROM users)"), 0,
	       "... nor any vote");
	is_int(count_rows("SELECT sum(helpful_count) FROM ratings") ,
	       count_rows("SELECT count(*) FROM helpful_votes"), "helpful counts equal the votes");

	static const char *const big[] = { "ratings", "r", "helpful_votes", "reports", "rp", "moderation_log", NULL };
	ok(check_no_full_scans(big) > 10, "EXPLAIN QUERY PLAN: no request reads ratings, votes or reports by a full scan");

	harness_teardown();
	return tap_done();
}
