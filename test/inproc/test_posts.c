/* test_posts.c: the posts of the boards, in-process: post_count, keyset pages, the author's
 * rights, an admin's delete, validation, account deletion, and index use. */
#include <string.h>

#include "harness.h"

static int
count_items(struct reply *r)
{
	return cJSON_GetArraySize(jget(r->json, "items"));
}

static int
post_count(int channel)
{
	struct reply r = call("GET", sfmt("/api/channels/%d", channel), NULL, NULL);
	return r.status == 200 ? jget(r.json, "post_count")->valueint : -1;
}

static int
new_post(const char *token, int channel, const char *title)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"title\":\"%s\",\"body\":\"Some words about it.\"}", title);
	struct reply r = call("POST", sfmt("/api/channels/%d/posts", channel), body, "Authorization", token, NULL);
	return r.status == 201 ? jget(r.json, "id")->valueint : -r.status;
}

/* Denali's board (its park page names it). */
static int
denali(void)
{
	return jint(call("GET", "/api/parks/denali", NULL, NULL).json, "channel_id");
}

/* Ann's two posts on Denali's board: the moose, and one with a 120-character title. */
static int moose, long_title;

static int
moose_post(void)
{
	if (moose == 0)
		moose = jint(call("POST", sfmt("/api/channels/%d/posts", denali()),
				  "{\"title\":\"Moose at mile 9\",\"body\":\"Two of them, \xc3\xa9t\xc3\xa9 morning.\"}",
				  "Authorization", bearer("board_ann"), NULL).json, "id");
	return moose;
}

static const char *
title_body(const char *ch, int n)
{
	static char body[8192];
	strcpy(body, "{\"title\":\"");
	for (int i = 0; i < n; i++)
		strcat(body, ch);
	strcat(body, "\",\"body\":\"b\"}");
	return body;
}

static int
long_title_post(void)
{
	if (long_title == 0)
		long_title = jint(call("POST", sfmt("/api/channels/%d/posts", denali()), title_body("\xc3\xa9", 120),
				       "Authorization", bearer("board_ann"), NULL).json, "id");
	return long_title;
}

static void
test_post_create_shows_author_and_counts(void)
{
	int board = denali();
	const char *ann = bearer("board_ann");
	const char *path = sfmt("/api/channels/%d/posts", board);
	struct reply r = call("POST", path, "{\"title\":\"Moose at mile 9\",\"body\":\"Two of them, \xc3\xa9t\xc3\xa9 morning.\"}",
			      "Authorization", ann, NULL);
	is_int(r.status, 201, "POST a post answers 201");
	moose = jget(r.json, "id")->valueint;
	ok(jget(r.json, "channel_id")->valueint == board &&
	   strcmp(jget(r.json, "author.username")->valuestring, "board_ann") == 0 &&
	   cJSON_IsString(jget(r.json, "author.display_name")) && cJSON_IsNumber(jget(r.json, "author.id")) &&
	   strcmp(jget(r.json, "title")->valuestring, "Moose at mile 9") == 0 &&
	   cJSON_IsString(jget(r.json, "created_at")) && strlen(jget(r.json, "created_at")->valuestring) == 20 &&
	   cJSON_IsString(jget(r.json, "updated_at")), "... with channel_id, author, title, body, timestamps");
	is_int(post_count(board), 1, "the board's post_count is 1");
	r = call("POST", "/api/channels/999/posts", "{\"title\":\"t\",\"body\":\"b\"}", "Authorization", ann, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "POST to an unknown board answers 404");
	r = call("POST", path, "{\"title\":\"t\",\"body\":\"b\"}", NULL);
	ok(is_error(&r, 401, "unauthenticated", NULL), "POST without a token answers 401");
}

/* Every field, and the acting user only from the token. */
static void
test_post_refuses_bad_fields(void)
{
	int board = denali();
	const char *ann = bearer("board_ann");
	const char *path = sfmt("/api/channels/%d/posts", board);
	int before = post_count(board);
	static const struct { const char *body, *code, *field, *desc; } bad[] = {
		{ "{\"title\":\"t\",\"body\":\"b\",\"user_id\":2}", "unknown_field", "user_id", "a user_id" },
		{ "{\"title\":\"t\",\"body\":\"b\",\"channel_id\":2}", "unknown_field", "channel_id", "a channel_id" },
		{ "{\"body\":\"b\"}", "missing_field", "title", "no title" },
		{ "{\"title\":\"t\"}", "missing_field", "body", "no body" },
		{ "{\"title\":\"\",\"body\":\"b\"}", "invalid_field", "title", "an empty title" },
		{ "{\"title\":\"t\",\"body\":\"\"}", "invalid_field", "body", "an empty body" },
		{ "{\"title\":5,\"body\":\"b\"}", "invalid_field", "title", "a numeric title" },
		{ "{\"title\":\"t\",\"body\":[\"b\"]}", "invalid_field", "body", "an array body" },
		{ "{\"title\":\"a\\u0000b\",\"body\":\"b\"}", "invalid_field", NULL, "a NUL in the title" },
		{ "{\"title\":\"t\",\"body\":\"b\"", "malformed_json", NULL, "unfinished JSON" },
		{ "[]", "malformed_json", NULL, "an array" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reply r = call("POST", path, bad[i].body, "Authorization", ann, NULL);
		ok(is_error(&r, 400, bad[i].code, bad[i].field), "POST a post with %s: 400 %s", bad[i].desc, bad[i].code);
	}
	struct reply r = call("POST", path, title_body("\xc3\xa9", 120), "Authorization", ann, NULL);
	is_int(r.status, 201, "a 120-character title (counted in characters, not bytes) is accepted");
	long_title = jget(r.json, "id")->valueint;
	r = call("POST", path, title_body("x", 121), "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "title"), "a 121-character title is refused");
	char body[8192] = "{\"title\":\"t\",\"body\":\"";
	for (int i = 0; i < 5001; i++)
		strcat(body, "x");
	strcat(body, "\"}");
	r = call("POST", path, body, "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "body"), "a 5001-character body is refused");
	is_int(post_count(board), before + 1, "refused posts did not count");
}

/* Thirty posts on Tundra (board 2), by ann and bob in turn. */
static int tundra[30];

static void
tundra_posts(void)
{
	if (tundra[0] != 0)
		return;
	for (int i = 0; i < 30; i++)
		tundra[i] = new_post(bearer(i % 2 ? "board_bob" : "board_ann"), 2, "Tundra notes");
}

static void
test_posts_page_newest_first(void)
{
	tundra_posts();
	struct reply r = call("GET", "/api/channels/2/posts", NULL, NULL);
	ok(r.status == 200 && count_items(&r) == 20 && cJSON_IsString(jget(r.json, "next_cursor")),
	   "the first page holds 20 posts (default limit) and a cursor");
	is_int(jget(r.json, "items.0.id")->valueint, tundra[29], "... newest first");
	int seen = 0, ordered = 1, last = 1 << 30;
	char path[128];
	snprintf(path, sizeof(path), "/api/channels/2/posts?limit=7");
	for (int pages = 0; pages < 10; pages++) {
		r = call("GET", path, NULL, NULL);
		cJSON *it;
		cJSON_ArrayForEach(it, jget(r.json, "items")) {
			int id = jget(it, "id")->valueint;
			ordered = ordered && id < last;
			last = id;
			seen++;
		}
		cJSON *next = jget(r.json, "next_cursor");
		if (!cJSON_IsString(next))
			break;
		snprintf(path, sizeof(path), "/api/channels/2/posts?limit=7&cursor=%s", next->valuestring);
	}
	ok(seen == 30 && ordered, "paging by 7 yields the 30 posts once each, newest first");
	is_int(post_count(2), 30, "Tundra's post_count is 30");
	r = call("GET", "/api/channels/3/posts", NULL, NULL);
	ok(r.status == 200 && count_items(&r) == 0 && cJSON_IsNull(jget(r.json, "next_cursor")),
	   "an empty board lists no posts");
}

static void
test_posts_list_refuses_bad_parameters(void)
{
	static const struct { const char *q, *code, *field; } badq[] = {
		{ "limit=0", "invalid_field", "limit" }, { "limit=51", "invalid_field", "limit" },
		{ "limit=x", "invalid_field", "limit" }, { "cursor=garbage", "invalid_cursor", "cursor" },
		{ "cursor=cG9zdHM6MA", "invalid_cursor", "cursor" },          /* posts:0 */
		{ "cursor=bG9jYXRpb25zOjU", "invalid_cursor", "cursor" },     /* locations:5 */
		{ "cursor=", "invalid_cursor", "cursor" },
	};
	for (size_t i = 0; i < sizeof(badq) / sizeof(badq[0]); i++) {
		const char *path = sfmt("/api/channels/2/posts?%s", badq[i].q);
		struct reply r = call("GET", path, NULL, NULL);
		ok(is_error(&r, 400, badq[i].code, badq[i].field), "%s answers 400 %s", path, badq[i].code);
	}
}

/* The author edits; others may not, admins neither (they moderate by deleting). */
static void
test_post_only_author_edits(void)
{
	const char *path = sfmt("/api/posts/%d", moose_post());
	const char *ann = bearer("board_ann"), *bob = bearer("board_bob"), *ada = admin_bearer("board_ada");
	struct reply r = call("PATCH", path, "{\"title\":\"Moose at mile 10\"}", "Authorization", ann, NULL);
	ok(r.status == 200 && strcmp(jget(r.json, "title")->valuestring, "Moose at mile 10") == 0 &&
	   strncmp(jget(r.json, "body")->valuestring, "Two of them", 11) == 0, "the author PATCHes the title; body kept");
	r = call("PATCH", path, "{\"body\":\"Edited.\"}", "Authorization", bob, NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "another user's PATCH answers 403 forbidden");
	r = call("PATCH", path, "{\"body\":\"Edited.\"}", "Authorization", ada, NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "an admin's PATCH answers 403 too (admins moderate by deleting)");
	r = call("PATCH", path, "{\"user_id\":2}", "Authorization", ann, NULL);
	ok(is_error(&r, 400, "unknown_field", "user_id"), "PATCH with user_id: 400 unknown_field");
	r = call("PATCH", path, "{\"title\":\"\"}", "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "title"), "PATCH with an empty title: 400 invalid_field");
	r = call("PATCH", "/api/posts/99999", "{\"title\":\"x\"}", "Authorization", ann, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "PATCH of a missing post: 404");
	r = call("GET", path, NULL, NULL);
	ok(r.status == 200 && strcmp(jget(r.json, "title")->valuestring, "Moose at mile 10") == 0 &&
	   strcmp(jget(r.json, "body")->valuestring, "Edited.") != 0, "GET shows the author's edit, not the refused ones");
}

static void
test_post_deleted_by_author_or_admin(void)
{
	const char *path = sfmt("/api/posts/%d", moose_post());
	int other = long_title_post();
	const char *ann = bearer("board_ann"), *bob = bearer("board_bob"), *ada = admin_bearer("board_ada");
	struct reply r = call("DELETE", path, NULL, "Authorization", bob, NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "another user's DELETE answers 403");
	r = call("DELETE", path, NULL, NULL);
	ok(is_error(&r, 401, "unauthenticated", NULL), "DELETE without a token answers 401");
	r = call("DELETE", path, NULL, "Authorization", ann, NULL);
	is_int(r.status, 204, "the author's DELETE answers 204");
	moose = 0;
	r = call("GET", path, NULL, NULL);
	is_int(r.status, 404, "... the post is gone");
	r = call("DELETE", sfmt("/api/posts/%d", other), NULL, "Authorization", ada, NULL);
	is_int(r.status, 204, "an admin deletes another user's post (204)");
	long_title = 0;
	is_int(post_count(denali()), 0, "post_count follows the deletes");
}

/* Deleting an account deletes its posts, and the counts follow. */
static void
test_account_delete_takes_posts(void)
{
	tundra_posts();
	struct reply r = call("DELETE", "/api/users/me", sfmt("{\"password\":\"%s\"}", TEST_PASSWORD),
			      "Authorization", bearer("board_bob"), NULL);
	is_int(r.status, 204, "bob deletes his account");
	is_int(post_count(2), 15, "... his 15 Tundra posts are gone and post_count says so");
	r = call("GET", "/api/channels/2/posts?limit=50", NULL, NULL);
	is_int(count_items(&r), 15, "... and the board lists the 15 left");
}

/* Last: over the statements the cases above made the app prepare. */
static void
test_no_full_scans(void)
{
	static const char *const tables[] = { "posts", "p", "locations", "quiz_results", NULL };
	check_no_full_scans("posts", 5, tables);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_post_create_shows_author_and_counts),
	TAP_CASE(test_post_refuses_bad_fields),
	TAP_CASE(test_posts_page_newest_first),
	TAP_CASE(test_posts_list_refuses_bad_parameters),
	TAP_CASE(test_post_only_author_edits),
	TAP_CASE(test_post_deleted_by_author_or_admin),
	TAP_CASE(test_account_delete_takes_posts),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
