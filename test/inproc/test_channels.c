/* test_channels.c: the boards, in-process: the seed (General, the camping boards, one board per
 * park), a board by id, and the ids that are not boards. */
#include <string.h>

#include "harness.h"

static void
test_channels_seeded_in_one_page(void)
{
	struct reply r = call("GET", "/api/channels", NULL, NULL);
	is_int(r.status, 200, "GET /api/channels answers 200");
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 68, "... 68 boards: General, 4 camping boards, 63 parks");
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
}

static void
test_park_page_names_its_board(void)
{
	struct reply r = call("GET", "/api/parks/denali", NULL, NULL);
	int denali_park = jget(r.json, "id")->valueint, denali = jget(r.json, "channel_id")->valueint;
	r = call("GET", sfmt("/api/channels/%d", denali), NULL, NULL);
	ok(r.status == 200 && jget(r.json, "park_id")->valueint == denali_park &&
	   strcmp(jget(r.json, "name")->valuestring, "Denali") == 0 && denali != denali_park,
	   "the park page's channel_id is Denali's board (an id of its own, not the park's)");
}

static void
test_unknown_board_or_post_is_404(void)
{
	static const char *const missing[] = {
		"/api/channels/999", "/api/channels/0", "/api/channels/abc", "/api/channels/999/posts",
		"/api/channels/x/posts", "/api/posts/999", "/api/posts/0", "/api/posts/-1",
	};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct reply r = call("GET", missing[i], NULL, NULL);
		ok(is_error(&r, 404, "not_found", NULL), "GET %s answers 404 not_found", missing[i]);
	}
}

static const struct tap_case cases[] = {
	TAP_CASE(test_channels_seeded_in_one_page),
	TAP_CASE(test_park_page_names_its_board),
	TAP_CASE(test_unknown_board_or_post_is_404),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
