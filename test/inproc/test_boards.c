/* test_boards.c: the boards and their posts, in-process: seed, post_count, keyset pages, the
 * author's rights, an admin's delete, validation, account deletion, and index use. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "harness.h"

static int
count_items(struct reply *r)
{
	return cJSON_GetArraySize(jget(r->json, "items"));
}

static int
post_count(int channel)
{
	char path[64];
	snprintf(path, sizeof(path), "/api/channels/%d", channel);
	struct reply r = call("GET", path, NULL, NULL);
	return r.status == 200 ? jget(r.json, "post_count")->valueint : -1;
}

static int
new_post(const char *token, int channel, const char *title)
{
	char path[64], body[256];
	snprintf(path, sizeof(path), "/api/channels/%d/posts", channel);
	snprintf(body, sizeof(body), "{\"title\":\"%s\",\"body\":\"Some words about it.\"}", title);
	struct reply r = call("POST", path, body, "Authorization", token, NULL);
	return r.status == 201 ? jget(r.json, "id")->valueint : -r.status;
}

int
main(void)
{
	harness_setup();
	struct reply r;
	char path[128], body[8192];

	/* The seed: General, four camping boards, one board per park. */
	r = call("GET", "/api/channels", NULL, NULL);
	is_int(r.status, 200, "GET /api/channels answers 200");
	is_int(count_items(&r), 68, "... 68 boards: General, 4 camping boards, 63 parks");
	ok(cJSON_IsNull(jget(r.json, "next_cursor")), "... in one page");
	int parks = 0, camping = 0, general = 0;
	cJSON *c;
	cJSON_ArrayForEach(c, jget(r.json, "items")) {
		const char *kind = cJSON_GetStringValue(jget(c, "kind"));
		parks += strcmp(kind, "park") == 0 && cJSON_IsNumber(jget(c, "park_id"));
		camping += strcmp(kind, "camping") == 0 && cJSON_IsNull(jget(c, "park_id"));
		general += strcmp(kind, "general") == 0 && cJSON_IsNull(jget(c, "park_id"));
	}
	ok(parks == 63 && camping == 4 && general == 1, "... 63 park boards with park_id, 4 camping, 1 general");
	is_str(cJSON_GetStringValue(jget(r.json, "items.1.name")), "Tundra", "the camping boards: Tundra");
	is_str(cJSON_GetStringValue(jget(r.json, "items.4.name")), "Desert", "... to Desert");
	is_int(jget(r.json, "items.0.post_count")->valueint, 0, "... post_count 0 to begin with");

	r = call("GET", "/api/parks/denali", NULL, NULL);
	int denali_park = jget(r.json, "id")->valueint, denali = jget(r.json, "channel_id")->valueint;
	snprintf(path, sizeof(path), "/api/channels/%d", denali);
	r = call("GET", path, NULL, NULL);
	ok(r.status == 200 && jget(r.json, "park_id")->valueint == denali_park &&
	   strcmp(jget(r.json, "name")->valuestring, "Denali") == 0 && denali != denali_park,
	   "the park page's channel_id is Denali's board (an id of its own, not the park's)");
	static const char *const missing[] = {
		"/api/channels/999", "/api/channels/0", "/api/channels/abc", "/api/channels/999/posts",
		"/api/channels/x/posts", "/api/posts/999", "/api/posts/0", "/api/posts/-1",
	};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		r = call("GET", missing[i], NULL, NULL);
		ok(is_error(&r, 404, "not_found", NULL), "GET %s answers 404 not_found", missing[i]);
	}

	const char *ann = signup("board_ann", "a good long password");
	const char *bob = signup("board_bob", "a good long password");
	const char *ada = signup("board_ada", "a good long password");
	sqlite3_exec(db, "UPDATE users SET role = 'admin' WHERE username = 'board_ada'", NULL, NULL, NULL);

	snprintf(path, sizeof(path), "/api/channels/%d/posts", denali);
	r = call("POST", path, "{\"title\":\"Moose at mile 9\",\"body\":\"Two of them, \xc3\xa9t\xc3\xa9 morning.\"}",
		 "Authorization", ann, NULL);
	is_int(r.status, 201, "POST a post answers 201");
	int p1 = jget(r.json, "id")->valueint;
	ok(jget(r.json, "channel_id")->valueint == denali &&
	   strcmp(jget(r.json, "author.username")->valuestring, "board_ann") == 0 &&
	   cJSON_IsString(jget(r.json, "author.display_name")) && cJSON_IsNumber(jget(r.json, "author.id")) &&
	   strcmp(jget(r.json, "title")->valuestring, "Moose at mile 9") == 0 &&
	   cJSON_IsString(jget(r.json, "created_at")) && strlen(jget(r.json, "created_at")->valuestring) == 20 &&
	   cJSON_IsString(jget(r.json, "updated_at")), "... with channel_id, author, title, body, timestamps");
	is_int(post_count(denali), 1, "the board's post_count is 1");
	r = call("POST", "/api/channels/999/posts", "{\"title\":\"t\",\"body\":\"b\"}", "Authorization", ann, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "POST to an unknown board answers 404");
	r = call("POST", path, "{\"title\":\"t\",\"body\":\"b\"}", NULL);
	ok(is_error(&r, 401, "unauthenticated", NULL), "POST without a token answers 401");

	/* Validation of every field, and the acting user only from the token. */
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
		r = call("POST", path, bad[i].body, "Authorization", ann, NULL);
		ok(is_error(&r, 400, bad[i].code, bad[i].field), "POST a post with %s: 400 %s", bad[i].desc, bad[i].code);
	}
	memset(body, 0, sizeof(body));
	strcpy(body, "{\"title\":\"");
	for (int i = 0; i < 120; i++)
		strcat(body, "\xc3\xa9"); /* 120 characters, 240 bytes */
	strcat(body, "\",\"body\":\"b\"}");
	r = call("POST", path, body, "Authorization", ann, NULL);
	is_int(r.status, 201, "a 120-character title (counted in characters, not bytes) is accepted");
	int p2 = jget(r.json, "id")->valueint;
	strcpy(body, "{\"title\":\"");
	for (int i = 0; i < 121; i++)
		strcat(body, "x");
	strcat(body, "\",\"body\":\"b\"}");
	r = call("POST", path, body, "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "title"), "a 121-character title is refused");
	strcpy(body, "{\"title\":\"t\",\"body\":\"");
	for (int i = 0; i < 5001; i++)
		strcat(body, "x");
	strcat(body, "\"}");
	r = call("POST", path, body, "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "body"), "a 5001-character body is refused");
	is_int(post_count(denali), 2, "refused posts did not count");

	/* Keyset pages, newest first. */
	int ids[30];
	for (int i = 0; i < 30; i++)
		ids[i] = new_post(i % 2 ? bob : ann, 2, "Tundra notes");
	r = call("GET", "/api/channels/2/posts", NULL, NULL);
	ok(r.status == 200 && count_items(&r) == 20 && cJSON_IsString(jget(r.json, "next_cursor")),
	   "the first page holds 20 posts (default limit) and a cursor");
	is_int(jget(r.json, "items.0.id")->valueint, ids[29], "... newest first");
	int seen = 0, ordered = 1, last = 1 << 30;
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
	static const struct { const char *q, *code, *field; } badq[] = {
		{ "limit=0", "invalid_field", "limit" }, { "limit=51", "invalid_field", "limit" },
		{ "limit=x", "invalid_field", "limit" }, { "cursor=garbage", "invalid_cursor", "cursor" },
		{ "cursor=cG9zdHM6MA", "invalid_cursor", "cursor" },          /* posts:0 */
		{ "cursor=bG9jYXRpb25zOjU", "invalid_cursor", "cursor" },     /* locations:5 */
		{ "cursor=", "invalid_cursor", "cursor" },
	};
	for (size_t i = 0; i < sizeof(badq) / sizeof(badq[0]); i++) {
		snprintf(path, sizeof(path), "/api/channels/2/posts?%s", badq[i].q);
		r = call("GET", path, NULL, NULL);
		ok(is_error(&r, 400, badq[i].code, badq[i].field), "%s answers 400 %s", path, badq[i].code);
	}

	/* The author edits; others may not; an admin deletes. */
	snprintf(path, sizeof(path), "/api/posts/%d", p1);
	r = call("PATCH", path, "{\"title\":\"Moose at mile 10\"}", "Authorization", ann, NULL);
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
	r = call("DELETE", path, NULL, "Authorization", bob, NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "another user's DELETE answers 403");
	r = call("DELETE", path, NULL, NULL);
	ok(is_error(&r, 401, "unauthenticated", NULL), "DELETE without a token answers 401");
	r = call("DELETE", path, NULL, "Authorization", ann, NULL);
	is_int(r.status, 204, "the author's DELETE answers 204");
	r = call("GET", path, NULL, NULL);
	is_int(r.status, 404, "... the post is gone");
	snprintf(path, sizeof(path), "/api/posts/%d", p2);
	r = call("DELETE", path, NULL, "Authorization", ada, NULL);
	is_int(r.status, 204, "an admin deletes another user's post (204)");
	is_int(post_count(denali), 0, "post_count follows the deletes");

	/* Deleting an account deletes its posts, and the counts follow. */
	r = call("DELETE", "/api/users/me", "{\"password\":\"a good long password\"}", "Authorization", bob, NULL);
	is_int(r.status, 204, "bob deletes his account");
	is_int(post_count(2), 15, "... his 15 Tundra posts are gone and post_count says so");
	r = call("GET", "/api/channels/2/posts?limit=50", NULL, NULL);
	is_int(count_items(&r), 15, "... and the board lists the 15 left");

	static const char *const tables[] = { "posts", "p", "locations", "quiz_results", NULL };
	ok(check_no_full_scans(tables) > 5, "EXPLAIN QUERY PLAN: no request reads posts by a full scan");

	harness_teardown();
	return tap_done();
}
