/* test_locations.c: saved places, in-process: private to their owner (404, never 403, never
 * listed), every field validated, PATCH semantics, pages, and the account's deletion. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define WONDER_LAKE "{\"label\":\"Wonder Lake\",\"latitude\":63.4584,\"longitude\":-150.8694,\"channel_id\":22," \
	"\"note\":\"Camp site 12, best view of the mountain.\",\"visited_on\":\"2025-07\"}"
#define POLE "{\"label\":\"Pole\",\"latitude\":-90,\"longitude\":180}"

/* Ann's three places, in the order she saved them: Wonder Lake, the pole, and one with an
 * 80-character label. */
static int l1, l2, l3;

static const char *
tents_body(void)
{
	static char body[1024];
	strcpy(body, "{\"label\":\"");
	for (int i = 0; i < 80; i++)
		strcat(body, "\xe2\x9b\xba"); /* a tent, 3 bytes: 80 characters */
	strcat(body, "\",\"latitude\":1,\"longitude\":2}");
	return body;
}

static void
place(int *id, const char *body)
{
	if (*id == 0)
		*id = jint(call("POST", "/api/users/me/locations", body, "Authorization", bearer("loc_ann"), NULL).json, "id");
}

static void
anns_places(void)
{
	place(&l1, WONDER_LAKE);
	place(&l2, POLE);
	place(&l3, tents_body());
}

static void
test_location_create_keeps_every_field(void)
{
	struct reply r = call("POST", "/api/users/me/locations", WONDER_LAKE, "Authorization", bearer("loc_ann"), NULL);
	is_int(r.status, 201, "POST a location answers 201");
	l1 = jget(r.json, "id")->valueint;
	ok(strcmp(jget(r.json, "label")->valuestring, "Wonder Lake") == 0 &&
	   jget(r.json, "latitude")->valuedouble == 63.4584 && jget(r.json, "longitude")->valuedouble == -150.8694 &&
	   jget(r.json, "channel_id")->valueint == 22 && strcmp(jget(r.json, "visited_on")->valuestring, "2025-07") == 0 &&
	   cJSON_IsString(jget(r.json, "note")) && cJSON_IsString(jget(r.json, "created_at")) &&
	   cJSON_IsString(jget(r.json, "updated_at")), "... with every field as sent, and timestamps");
}

static void
test_location_edges_and_defaults(void)
{
	place(&l1, WONDER_LAKE);
	struct reply r = call("POST", "/api/users/me/locations", POLE, "Authorization", bearer("loc_ann"), NULL);
	ok(r.status == 201 && cJSON_IsNull(jget(r.json, "channel_id")) && cJSON_IsNull(jget(r.json, "visited_on")) &&
	   strcmp(jget(r.json, "note")->valuestring, "") == 0,
	   "the edges -90/180 are accepted; no board, no month: null; no note: empty");
	l2 = jint(r.json, "id");
}

static void
test_location_refuses_bad_fields(void)
{
	const char *ann = bearer("loc_ann");
	char body[1024];
	struct reply r;
	char future[8];
	time_t later = time(NULL) + 40 * 86400;
	strftime(future, sizeof(future), "%Y-%m", gmtime(&later));
	static const struct { const char *fields, *code, *field, *desc; } bad[] = {
		{ "\"latitude\":90.0001", "invalid_field", "latitude", "latitude above 90" },
		{ "\"latitude\":-90.5", "invalid_field", "latitude", "latitude below -90" },
		{ "\"longitude\":180.5", "invalid_field", "longitude", "longitude above 180" },
		{ "\"longitude\":-181", "invalid_field", "longitude", "longitude below -180" },
		{ "\"latitude\":\"45\"", "invalid_field", "latitude", "latitude as a string" },
		{ "\"latitude\":\"NaN\"", "invalid_field", "latitude", "latitude as the string NaN" },
		{ "\"longitude\":\"Infinity\"", "invalid_field", "longitude", "longitude as the string Infinity" },
		{ "\"latitude\":1e999", "invalid_field", "latitude", "latitude 1e999 (infinite as a double)" },
		{ "\"longitude\":-1e999", "invalid_field", "longitude", "longitude -1e999" },
		{ "\"latitude\":true", "invalid_field", "latitude", "latitude true" },
		{ "\"latitude\":[1]", "invalid_field", "latitude", "latitude as an array" },
		{ "\"label\":\"\"", "invalid_field", "label", "an empty label" },
		{ "\"label\":7", "invalid_field", "label", "a numeric label" },
		{ "\"note\":5", "invalid_field", "note", "a numeric note" },
		{ "\"channel_id\":99999", "invalid_field", "channel_id", "an unknown board" },
		{ "\"channel_id\":0", "invalid_field", "channel_id", "board 0" },
		{ "\"channel_id\":1.5", "invalid_field", "channel_id", "board 1.5" },
		{ "\"channel_id\":\"3\"", "invalid_field", "channel_id", "board \\\"3\\\"" },
		{ "\"visited_on\":\"2025-13\"", "invalid_field", "visited_on", "month 13" },
		{ "\"visited_on\":\"2025-00\"", "invalid_field", "visited_on", "month 00" },
		{ "\"visited_on\":\"2025-7\"", "invalid_field", "visited_on", "a one-digit month" },
		{ "\"visited_on\":\"2025-07-01\"", "invalid_field", "visited_on", "a whole date" },
		{ "\"visited_on\":\"20a5-07\"", "invalid_field", "visited_on", "letters in the year" },
		{ "\"visited_on\":\"1899-12\"", "invalid_field", "visited_on", "a month before 1900" },
		{ "\"visited_on\":202507", "invalid_field", "visited_on", "a numeric month" },
		{ "\"user_id\":2", "unknown_field", "user_id", "a user_id" },
		{ "\"id\":5", "unknown_field", "id", "an id" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"label\":\"x\",\"latitude\":1,\"longitude\":2,%s}", bad[i].fields);
		/* A later duplicate key would be refused as a duplicate: put overrides in place. */
		const char *dup = strstr(bad[i].fields, "\"label\"") ? "label" :
				  strstr(bad[i].fields, "\"latitude\"") ? "latitude" :
				  strstr(bad[i].fields, "\"longitude\"") ? "longitude" : NULL;
		if (dup != NULL)
			snprintf(body, sizeof(body), "{%s%s%s}", bad[i].fields,
				 strcmp(dup, "label") ? ",\"label\":\"x\"" : "",
				 strcmp(dup, "latitude") == 0 ? ",\"longitude\":2" :
				 strcmp(dup, "longitude") == 0 ? ",\"latitude\":1" : ",\"latitude\":1,\"longitude\":2");
		r = call("POST", "/api/users/me/locations", body, "Authorization", ann, NULL);
		ok(is_error(&r, 400, bad[i].code, bad[i].field), "POST with %s: 400 %s %s", bad[i].desc, bad[i].code,
		   bad[i].field);
	}
	snprintf(body, sizeof(body), "{\"label\":\"x\",\"latitude\":1,\"longitude\":2,\"visited_on\":\"%s\"}", future);
	r = call("POST", "/api/users/me/locations", body, "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "visited_on"), "a month in the future (%s) is refused", future);
	r = call("POST", "/api/users/me/locations", "{\"label\":\"x\",\"latitude\":NaN,\"longitude\":2}",
		 "Authorization", ann, NULL);
	ok(is_error(&r, 400, "malformed_json", NULL), "a bare NaN is not JSON: 400 malformed_json");
	r = call("POST", "/api/users/me/locations", "{\"label\":\"x\",\"latitude\":1,\"longitude\":Infinity}",
		 "Authorization", ann, NULL);
	ok(is_error(&r, 400, "malformed_json", NULL), "a bare Infinity is not JSON: 400 malformed_json");
	static const struct { const char *body, *field; } missing[] = {
		{ "{\"latitude\":1,\"longitude\":2}", "label" },
		{ "{\"label\":\"x\",\"longitude\":2}", "latitude" },
		{ "{\"label\":\"x\",\"latitude\":1}", "longitude" },
		{ "{\"label\":\"x\",\"latitude\":null,\"longitude\":2}", "latitude" },
	};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		r = call("POST", "/api/users/me/locations", missing[i].body, "Authorization", ann, NULL);
		ok(is_error(&r, 400, "missing_field", missing[i].field), "POST without %s: 400 missing_field",
		   missing[i].field);
	}
}

static void
test_location_label_counts_characters(void)
{
	const char *ann = bearer("loc_ann");
	char body[1024];
	place(&l1, WONDER_LAKE);
	place(&l2, POLE);
	struct reply r = call("POST", "/api/users/me/locations", tents_body(), "Authorization", ann, NULL);
	is_int(r.status, 201, "an 80-character label of 3-byte characters is accepted");
	l3 = jint(r.json, "id");
	strcpy(body, "{\"label\":\"x\",\"latitude\":1,\"longitude\":2,\"note\":\"");
	for (int i = 0; i < 501; i++)
		strcat(body, "n");
	strcat(body, "\"}");
	r = call("POST", "/api/users/me/locations", body, "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "note"), "a 501-character note is refused");
}

/* Bob neither sees nor touches ann's locations; all answers 404, never 403. */
static void
test_location_private_to_owner(void)
{
	const char *ann = bearer("loc_ann"), *bob = bearer("loc_bob");
	anns_places();
	const char *path = sfmt("/api/users/me/locations/%d", l1);
	struct reply r = call("GET", path, NULL, "Authorization", bob, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "another user's GET answers 404");
	r = call("PATCH", path, "{\"label\":\"Mine now\"}", "Authorization", bob, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "another user's PATCH answers 404");
	r = call("DELETE", path, NULL, "Authorization", bob, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "another user's DELETE answers 404");
	r = call("GET", "/api/users/me/locations", NULL, "Authorization", bob, NULL);
	ok(r.status == 200 && cJSON_GetArraySize(jget(r.json, "items")) == 0, "another user's list is empty");
	r = call("GET", path, NULL, "Authorization", ann, NULL);
	ok(r.status == 200 && strcmp(jget(r.json, "label")->valuestring, "Wonder Lake") == 0,
	   "... and ann's location is untouched");
	r = call("GET", path, NULL, NULL);
	ok(is_error(&r, 401, "unauthenticated", NULL), "GET without a token answers 401");
	r = call("GET", "/api/users/me/locations/999999", NULL, "Authorization", ann, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "a missing id answers 404 the same way");
	r = call("GET", "/api/users/me/locations/abc", NULL, "Authorization", ann, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "a non-numeric id answers 404");
}

/* Given fields change, absent ones stay, null clears the optional ones. */
static void
test_location_patch_changes_given_fields(void)
{
	const char *ann = bearer("loc_ann");
	anns_places();
	const char *path = sfmt("/api/users/me/locations/%d", l1);
	struct reply r = call("PATCH", path, "{\"label\":\"Wonder Lake CG\",\"latitude\":63.45}", "Authorization", ann, NULL);
	ok(r.status == 200 && strcmp(jget(r.json, "label")->valuestring, "Wonder Lake CG") == 0 &&
	   jget(r.json, "latitude")->valuedouble == 63.45 && jget(r.json, "longitude")->valuedouble == -150.8694 &&
	   jget(r.json, "channel_id")->valueint == 22 && strcmp(jget(r.json, "visited_on")->valuestring, "2025-07") == 0,
	   "PATCH label and latitude: 200, the rest kept");
	r = call("PATCH", path, "{\"channel_id\":null,\"visited_on\":null,\"note\":null}", "Authorization", ann, NULL);
	ok(r.status == 200 && cJSON_IsNull(jget(r.json, "channel_id")) && cJSON_IsNull(jget(r.json, "visited_on")) &&
	   strcmp(jget(r.json, "note")->valuestring, "") == 0, "PATCH with nulls clears board, month and note");
	r = call("PATCH", path, "{\"longitude\":-200}", "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "longitude"), "PATCH longitude -200: 400 invalid_field");
	r = call("PATCH", path, "{\"channel_id\":4242}", "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_field", "channel_id"), "PATCH to an unknown board: 400 invalid_field");
	r = call("PATCH", path, "{\"user_id\":2}", "Authorization", ann, NULL);
	ok(is_error(&r, 400, "unknown_field", "user_id"), "PATCH with user_id: 400 unknown_field");
	r = call("PATCH", path, "{\"channel_id\":4}", "Authorization", ann, NULL);
	ok(r.status == 200 && jget(r.json, "channel_id")->valueint == 4, "PATCH onto the Aquatic board");
}

static void
test_locations_list_newest_first(void)
{
	const char *ann = bearer("loc_ann"), *bob = bearer("loc_bob");
	anns_places();
	char path[128];
	struct reply r = call("GET", "/api/users/me/locations", NULL, "Authorization", ann, NULL);
	ok(r.status == 200 && cJSON_GetArraySize(jget(r.json, "items")) == 3 &&
	   jget(r.json, "items.0.id")->valueint == l3 && jget(r.json, "items.2.id")->valueint == l1,
	   "the owner's list holds the three, newest first");
	r = call("GET", "/api/users/me/locations?limit=2", NULL, "Authorization", ann, NULL);
	ok(cJSON_GetArraySize(jget(r.json, "items")) == 2 && cJSON_IsString(jget(r.json, "next_cursor")),
	   "limit=2: two and a cursor");
	snprintf(path, sizeof(path), "/api/users/me/locations?limit=2&cursor=%s", jget(r.json, "next_cursor")->valuestring);
	r = call("GET", path, NULL, "Authorization", bob, NULL);
	ok(r.status == 200 && cJSON_GetArraySize(jget(r.json, "items")) == 0,
	   "ann's cursor shows bob nothing of ann's");
	r = call("GET", path, NULL, "Authorization", ann, NULL);
	ok(cJSON_GetArraySize(jget(r.json, "items")) == 1 && jget(r.json, "items.0.id")->valueint == l1 &&
	   cJSON_IsNull(jget(r.json, "next_cursor")), "... and ann the last one");
	r = call("GET", "/api/users/me/locations?cursor=cG9zdHM6NQ", NULL, "Authorization", ann, NULL);
	ok(is_error(&r, 400, "invalid_cursor", "cursor"), "a posts cursor on the locations list: 400 invalid_cursor");
}

static void
test_location_delete_by_owner(void)
{
	const char *ann = bearer("loc_ann");
	anns_places();
	const char *path = sfmt("/api/users/me/locations/%d", l2);
	struct reply r = call("DELETE", path, NULL, "Authorization", ann, NULL);
	is_int(r.status, 204, "the owner's DELETE answers 204");
	r = call("DELETE", path, NULL, "Authorization", ann, NULL);
	is_int(r.status, 404, "... then 404");
}

/* Account deletion takes the locations with it. */
static void
test_account_delete_takes_locations(void)
{
	const char *bob = bearer("loc_bob");
	struct reply r = call("POST", "/api/users/me/locations", "{\"label\":\"b\",\"latitude\":1,\"longitude\":1}",
		 "Authorization", bob, NULL);
	is_int(r.status, 201, "bob saves a place");
	r = call("DELETE", "/api/users/me", sfmt("{\"password\":\"%s\"}", TEST_PASSWORD), "Authorization", bob, NULL);
	is_int(r.status, 204, "bob deletes his account");
	is_int(count_rows("SELECT count(*) FROM locations l LEFT JOIN users u ON u.id = l.user_id WHERE u.id IS NULL"),
	       0, "... and no location is left without its owner");
}

/* Last: over the statements the cases above made the app prepare. */
static void
test_no_full_scans(void)
{
	static const char *const tables[] = { "locations", NULL };
	check_no_full_scans("locations", 5, tables);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_location_create_keeps_every_field),
	TAP_CASE(test_location_edges_and_defaults),
	TAP_CASE(test_location_refuses_bad_fields),
	TAP_CASE(test_location_label_counts_characters),
	TAP_CASE(test_location_private_to_owner),
	TAP_CASE(test_location_patch_changes_given_fields),
	TAP_CASE(test_locations_list_newest_first),
	TAP_CASE(test_location_delete_by_owner),
	TAP_CASE(test_account_delete_takes_locations),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
