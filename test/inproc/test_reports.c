/* test_reports.c: reports of reviews and their moderation, in-process: who may report, the
 * admins' queue, hiding (who still sees a hidden review), unhiding and deleting, each in the
 * moderation log. */
#include <string.h>

#include "harness.h"

static const char *
str(cJSON *j, const char *path)
{
	cJSON *v = jget(j, path);
	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

/* Alice's review of park 7, which the cases below report and moderate. */
static int review;

static int
dunes_review(void)
{
	if (review == 0) {
		struct reply r = call("POST", "/api/parks/7/reviews",
				      "{\"stars\":4,\"title\":\"Great dunes\",\"body\":\"Quiet sites.\",\"camper_type\":\"tent\"}",
				      "Authorization", bearer("alice"), NULL);
		review = jint(r.json, "id");
	}
	return review;
}

/* Bob's open report of it. */
static bool reported;

static int
reported_review(void)
{
	int id = dunes_review();
	if (!reported)
		call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"spam\",\"note\":\"Advertises a shop\"}",
		     "Authorization", bearer("bob"), NULL);
	reported = true;
	return id;
}

/* The same, hidden by a moderator. */
static int
hidden_review(void)
{
	int id = reported_review();
	if (count_rows(sfmt("SELECT hidden FROM ratings WHERE id = %d", id)) == 0)
		call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":true,\"reason\":\"Advertising\"}",
		     "Authorization", admin_bearer("ranger"), NULL);
	return id;
}

static void
test_report_own_review_forbidden(void)
{
	struct reply r = call("POST", sfmt("/api/reviews/%d/reports", dunes_review()), "{\"reason\":\"spam\"}",
			      "Authorization", bearer("alice"), NULL);
	is_int(r.status, 403, "reporting one's own review: 403 own_review");
}

static void
test_report_refuses_bad_reason_and_note(void)
{
	int id = dunes_review();
	const char *b = bearer("bob");
	struct reply r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"rude\"}", "Authorization", b, NULL);
	is_int(r.status, 400, "an unknown reason: 400");
	is_str(err_field(&r) ? err_field(&r) : "", "reason", "... field reason");
	r = call("POST", sfmt("/api/reviews/%d/reports", id), sfmt("{\"reason\":\"other\",\"note\":\"%0501d\"}", 0),
		 "Authorization", b, NULL);
	is_int(r.status, 400, "a 501-character note: 400");
}

static void
test_report_once_while_open(void)
{
	int id = dunes_review();
	const char *b = bearer("bob");
	struct reply r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"spam\",\"note\":\"Advertises a shop\"}",
			      "Authorization", b, NULL);
	is_int(r.status, 201, "B reports A's review: 201");
	reported = true;
	is_int(jint(r.json, "review_id"), id, "... review_id");
	is_str(str(r.json, "reason"), "spam", "... reason");
	r = call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"offensive\"}", "Authorization", b, NULL);
	is_int(r.status, 409, "a second open report by B: 409");
	is_str(err_code(&r), "already_reported", "... already_reported");
}

static void
test_report_queue_for_admins_only(void)
{
	int id = reported_review();
	const char *b = bearer("bob"), *admin = admin_bearer("ranger");
	struct reply r = call("GET", "/api/admin/reports", NULL, "Authorization", b, NULL);
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
}

static void
test_hide_needs_reason_and_closes_reports(void)
{
	int id = reported_review();
	const char *admin = admin_bearer("ranger");
	struct reply r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":true}", "Authorization", admin, NULL);
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
}

static void
test_hidden_review_seen_by_author_and_admins_only(void)
{
	int id = hidden_review();
	const char *a = bearer("alice"), *b = bearer("bob"), *admin = admin_bearer("ranger");
	struct reply r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
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
}

static void
test_unhide_is_logged(void)
{
	int id = hidden_review();
	struct reply r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":false,\"reason\":\"Owner fixed it\"}",
			      "Authorization", admin_bearer("ranger"), NULL);
	is_int(r.status, 200, "the admin unhides it: 200");
	is_int(count_rows("SELECT count(*) FROM moderation_log WHERE action = 'unhide'"), 1, "... logged");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(r.status, 200, "... readable by all again");
}

/* An admin's delete is moderation, logged; the author's rating stays. An author's is not. */
static void
test_admin_delete_logged_author_delete_not(void)
{
	int id = dunes_review();
	const char *a = bearer("alice");
	struct reply r = call("DELETE", sfmt("/api/reviews/%d", id), NULL, "Authorization", admin_bearer("ranger"), NULL);
	is_int(r.status, 204, "an admin deletes A's review: 204");
	review = 0;
	is_int(count_rows("SELECT count(*) FROM moderation_log WHERE action = 'delete'"), 1, "... logged");
	r = call("GET", sfmt("/api/reviews/%d", id), NULL, NULL);
	is_int(r.status, 404, "... gone");
	r = call("GET", "/api/parks/7/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 200, "... A's rating stays");
	is_int(jint(r.json, "stars"), 4, "... with its stars");
	r = call("DELETE", "/api/parks/7/rating", NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "A can now delete the rating");

	r = call("POST", "/api/parks/7/reviews", "{\"stars\":2,\"title\":\"Second visit\",\"body\":\"Windy.\"}",
		 "Authorization", a, NULL);
	is_int(r.status, 201, "A reviews the park again");
	ok(jint(r.json, "id") > id, "... under a new id");
	r = call("DELETE", sfmt("/api/reviews/%d", jint(r.json, "id")), NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "A deletes own review: 204");
	is_int(count_rows("SELECT count(*) FROM moderation_log WHERE action = 'delete'"), 1,
	       "... an author's own delete is not moderation");
}

/* Hiding holds the author: a review of the same park written again after deleting the hidden one
 * is hidden too, out of the lists and the figures, until a moderator unhides one. */
static void
test_hold_survives_delete_and_repost(void)
{
	const char *c = bearer("carol"), *admin = admin_bearer("ranger");
	const char *body = "{\"stars\":1,\"title\":\"Buy my tours\",\"body\":\"Cheap tours at example.com\"}";
	struct reply r = call("POST", "/api/parks/9/reviews", body, "Authorization", c, NULL);
	int id = jint(r.json, "id");
	is_int(count_rows("SELECT n FROM park_stats WHERE park_id = 9"), 1, "C's review counts in park 9's figures");
	r = call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":true,\"reason\":\"Advertising\"}",
		 "Authorization", admin, NULL);
	is_int(r.status, 200, "a moderator hides it");
	is_int(count_rows("SELECT count(*) FROM moderation_holds WHERE park_id = 9"), 1, "... which holds C for park 9");
	r = call("DELETE", sfmt("/api/reviews/%d", id), NULL, "Authorization", c, NULL);
	is_int(r.status, 204, "C deletes the hidden review");
	is_int(count_rows("SELECT n FROM park_stats WHERE park_id = 9"), 0, "... its stars do not come back");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 9"), 0, "... the rating went with it");

	r = call("POST", "/api/parks/9/reviews", body, "Authorization", c, NULL);
	is_int(r.status, 201, "C posts it again: 201");
	int again = jint(r.json, "id");
	ok(cJSON_IsTrue(jget(r.json, "hidden")), "... hidden, and C is told so");
	is_int(count_rows("SELECT n FROM park_stats WHERE park_id = 9"), 0, "... its stars out of the figures");
	is_int(count_rows("SELECT reviews FROM park_stats WHERE park_id = 9"), 0, "... and out of the review count");
	r = call("GET", "/api/parks/9/reviews", NULL, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "... and out of the public list");
	r = call("GET", sfmt("/api/reviews/%d", again), NULL, NULL);
	is_int(r.status, 404, "... and 404 to the public");
	is_int(count_rows(sfmt("SELECT count(*) FROM moderation_log WHERE review_id = %d AND action = 'hide'"
			       " AND admin_id IS NULL", again)), 1, "... logged as held, by no admin");
	r = call("PATCH", sfmt("/api/reviews/%d", again), "{\"title\":\"Honest now\"}", "Authorization", c, NULL);
	ok(cJSON_IsTrue(jget(r.json, "hidden")), "C's edit leaves it hidden");

	r = call("PATCH", sfmt("/api/admin/reviews/%d", again), "{\"hidden\":false,\"reason\":\"Fixed\"}",
		 "Authorization", admin, NULL);
	is_int(r.status, 200, "a moderator unhides the new one");
	is_int(count_rows("SELECT count(*) FROM moderation_holds WHERE park_id = 9"), 0, "... which lifts the hold");
	is_int(count_rows("SELECT n FROM park_stats WHERE park_id = 9"), 1, "... and its stars count");
	r = call("DELETE", sfmt("/api/reviews/%d", again), NULL, "Authorization", c, NULL);
	r = call("POST", "/api/parks/9/reviews", body, "Authorization", c, NULL);
	is_int(r.status, 201, "without the hold C's next review...");
	ok(jget(r.json, "hidden") == NULL, "... is public");
}

/* The moderators find past decisions: hidden reviews and closed reports, each with the decision. */
static void
test_admin_lists_hidden_reviews_and_closed_reports(void)
{
	int id = dunes_review();
	const char *admin = admin_bearer("ranger");
	call("POST", sfmt("/api/reviews/%d/reports", id), "{\"reason\":\"spam\"}", "Authorization", bearer("bob"), NULL);
	call("PATCH", sfmt("/api/admin/reviews/%d", id), "{\"hidden\":true,\"reason\":\"Advertising\"}",
	     "Authorization", admin, NULL);
	struct reply r = call("GET", "/api/admin/reviews?hidden=1", NULL, "Authorization", bearer("bob"), NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "hidden reviews, for a non-admin: 403 forbidden");
	r = call("GET", "/api/admin/reviews", NULL, "Authorization", admin, NULL);
	ok(is_error(&r, 400, "invalid_field", "hidden"), "without hidden=1: 400 invalid_field hidden");
	r = call("GET", "/api/admin/reviews?hidden=1&limit=50", NULL, "Authorization", admin, NULL);
	is_int(r.status, 200, "hidden reviews, for an admin: 200");
	cJSON *items = jget(r.json, "items"), *found = NULL, *it;
	cJSON_ArrayForEach(it, items)
		if (jint(it, "review.id") == id)
			found = it;
	ok(found != NULL, "... lists the hidden review");
	is_str(found ? str(found, "decision.action") : "", "hide", "... with the decision");
	is_str(found ? str(found, "decision.reason") : "", "Advertising", "... its reason");
	is_str(found ? str(found, "decision.admin.username") : "", "ranger", "... and who made it");
	int hidden_items = cJSON_GetArraySize(items);
	is_int(hidden_items, (int)count_rows("SELECT count(*) FROM ratings WHERE hidden = 1"), "... and only hidden ones");

	r = call("GET", "/api/admin/reports?status=sideways", NULL, "Authorization", admin, NULL);
	ok(is_error(&r, 400, "invalid_field", "status"), "reports?status=sideways: 400 invalid_field status");
	r = call("GET", "/api/admin/reports?status=closed", NULL, "Authorization", admin, NULL);
	is_int(r.status, 200, "closed reports: 200");
	found = NULL;
	cJSON_ArrayForEach(it, jget(r.json, "items"))
		if (jint(it, "review.id") == id)
			found = it;
	ok(found != NULL, "... lists the report the decision closed");
	ok(found && cJSON_IsString(jget(found, "resolved_at")), "... with when it closed");
	is_str(found ? str(found, "decision.action") : "", "hide", "... and the decision");
	r = call("GET", "/api/admin/reports", NULL, "Authorization", admin, NULL);
	cJSON_ArrayForEach(it, jget(r.json, "items"))
		ok(jint(it, "review.id") != id, "the open queue no longer holds it");
}

/* Last: over the statements the cases above made the app prepare. */
static void
test_no_full_scans(void)
{
	static const char *const big[] = { "ratings", "r", "helpful_votes", "reports", "rp", "moderation_log", "m",
					   "moderation_holds", NULL };
	check_no_full_scans("reviews, reports or the log", 10, big);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_report_own_review_forbidden),
	TAP_CASE(test_report_refuses_bad_reason_and_note),
	TAP_CASE(test_report_once_while_open),
	TAP_CASE(test_report_queue_for_admins_only),
	TAP_CASE(test_hide_needs_reason_and_closes_reports),
	TAP_CASE(test_hidden_review_seen_by_author_and_admins_only),
	TAP_CASE(test_unhide_is_logged),
	TAP_CASE(test_admin_delete_logged_author_delete_not),
	TAP_CASE(test_hold_survives_delete_and_repost),
	TAP_CASE(test_admin_lists_hidden_reviews_and_closed_reports),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
