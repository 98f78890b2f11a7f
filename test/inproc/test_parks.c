/* test_parks.c: the park list and page, in-process. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int
count_items(struct reply *r)
{
	return cJSON_GetArraySize(jget(r->json, "items"));
}

static void
test_park_list_first_page(void)
{
	struct reply r = call("GET", "/api/parks", NULL, NULL);
	is_int(r.status, 200, "the park list answers 200");
	is_int(count_items(&r), 20, "the default page holds 20 parks");
	ok(cJSON_IsString(jget(r.json, "next_cursor")), "... with a next cursor");
	is_str(jget(r.json, "items.0.name")->valuestring, "Acadia", "... sorted by name");
	ok(cJSON_IsNull(jget(r.json, "items.0.rating.average")), "... an unrated park has a null average");
	is_int(jget(r.json, "items.0.rating.count")->valueint, 0, "... and a zero count");
	ok(cJSON_IsArray(jget(r.json, "items.0.states")), "... states is an array");
}

/* Every page: 63 parks, each once, in order. */
static void
test_park_list_pages_by_cursor(void)
{
	struct reply r;
	char url[512] = "/api/parks?limit=7";
	int total = 0, pages = 0, in_order = 1;
	char last[128] = "";
	for (;;) {
		r = call("GET", url, NULL, NULL);
		if (r.status != 200)
			break;
		cJSON *it;
		cJSON_ArrayForEach(it, jget(r.json, "items")) {
			const char *name = jget(it, "name")->valuestring;
			if (strcmp(name, last) <= 0)
				in_order = 0;
			snprintf(last, sizeof(last), "%s", name);
			total++;
		}
		pages++;
		cJSON *next = jget(r.json, "next_cursor");
		if (!cJSON_IsString(next))
			break;
		snprintf(url, sizeof(url), "/api/parks?limit=7&cursor=%s", next->valuestring);
	}
	is_int(total, 63, "paging by 7 yields all 63 parks");
	is_int(pages, 9, "... in 9 pages");
	ok(in_order, "... in name order with no repeats");
}

static void
test_park_list_search_by_name(void)
{
	struct reply r = call("GET", "/api/parks?q=yellow", NULL, NULL);
	ok(r.status == 200 && count_items(&r) == 1 &&
	   strcmp(jget(r.json, "items.0.slug")->valuestring, "yellowstone") == 0, "q=yellow finds Yellowstone");
	r = call("GET", "/api/parks?q=GRAND+TETON", NULL, NULL);
	ok(r.status == 200 && count_items(&r) == 1, "q matches without regard to case, + is a space");
	r = call("GET", "/api/parks?q=haleakala", NULL, NULL);
	ok(r.status == 200 && count_items(&r) == 1, "q matches the ASCII slug of Haleakal\xc4\x81");
	r = call("GET", "/api/parks?q=%25", NULL, NULL);
	ok(r.status == 200 && count_items(&r) == 0, "a %% in q is a literal, not a wildcard");
}

static void
test_park_list_by_state(void)
{
	struct reply r = call("GET", "/api/parks?state=ut&limit=50", NULL, NULL);
	is_int(count_items(&r), 5, "state=ut finds the five Utah parks");
	r = call("GET", "/api/parks?state=CA&limit=50", NULL, NULL);
	is_int(count_items(&r), 9, "state=CA finds the nine California parks (Death Valley shared with NV)");
}

static void
test_park_list_near_sorts_by_distance(void)
{
	struct reply r = call("GET", "/api/parks?near=44.6,-110.5", NULL, NULL);
	is_str(jget(r.json, "items.0.slug")->valuestring, "yellowstone", "near Yellowstone sorts it first");
	ok(cJSON_IsNumber(jget(r.json, "items.0.distance_km")) &&
	   jget(r.json, "items.0.distance_km")->valuedouble < jget(r.json, "items.1.distance_km")->valuedouble,
	   "... with ascending distance_km");
	is_str(jget(r.json, "items.1.slug")->valuestring, "grand-teton", "... Grand Teton next");
}

static void
test_park_list_sorts_by_rating_and_reviews(void)
{
	struct reply r = call("GET", "/api/parks?sort=rating&limit=50", NULL, NULL);
	is_int(r.status, 200, "sort=rating answers 200");
	r = call("GET", "/api/parks?sort=reviews", NULL, NULL);
	is_int(r.status, 200, "sort=reviews answers 200");
}

static void
test_park_list_refuses_bad_parameters(void)
{
	static const struct { const char *url, *code, *field; } bad[] = {
		{ "/api/parks?limit=0", "invalid_field", "limit" },
		{ "/api/parks?limit=51", "invalid_field", "limit" },
		{ "/api/parks?limit=abc", "invalid_field", "limit" },
		{ "/api/parks?limit=-1", "invalid_field", "limit" },
		{ "/api/parks?state=XYZ", "invalid_field", "state" },
		{ "/api/parks?near=91,0", "invalid_field", "near" },
		{ "/api/parks?near=abc", "invalid_field", "near" },
		{ "/api/parks?near=1,nan", "invalid_field", "near" },
		{ "/api/parks?sort=distance", "invalid_field", "sort" },
		{ "/api/parks?sort=bogus", "invalid_field", "sort" },
		{ "/api/parks?cursor=garbage", "invalid_cursor", "cursor" },
		{ "/api/parks?cursor=bmFtZTpBY2FkaWE6MQ&sort=rating", "invalid_cursor", "cursor" },
		{ "/api/parks?q=%ZZ", "invalid_field", NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reply r = call("GET", bad[i].url, NULL, NULL);
		const char *f = err_field(&r);
		ok(r.status == 400 && strcmp(err_code(&r), bad[i].code) == 0 &&
		   (bad[i].field ? f && strcmp(f, bad[i].field) == 0 : f == NULL),
		   "%s answers 400 %s", bad[i].url, bad[i].code);
	}
}

static void
test_park_by_slug_or_id(void)
{
	struct reply r = call("GET", "/api/parks/yellowstone", NULL, NULL);
	is_int(r.status, 200, "a park by slug answers 200");
	int id = jget(r.json, "id")->valueint;
	is_int(jget(r.json, "established")->valueint, 1872, "... Yellowstone was established in 1872");
	ok(cJSON_IsString(jget(r.json, "description")) && strlen(jget(r.json, "description")->valuestring) > 100,
	   "... with a description");
	ok(cJSON_IsArray(jget(r.json, "traits.climate")), "... with traits");
	ok(cJSON_IsNumber(jget(r.json, "rating.distribution.5")), "... with a star distribution");
	ok(cJSON_IsNumber(jget(r.json, "channel_id")), "... with its board's channel_id");
	char path[64];
	snprintf(path, sizeof(path), "/api/parks/%d", id);
	struct reply by_id = call("GET", path, NULL, NULL);
	is_int(by_id.status, 200, "the same park by id answers 200");
	is_str(jget(by_id.json, "slug")->valuestring, "yellowstone", "... the same park");
}

static void
test_unknown_park_is_404(void)
{
	static const char *const missing[] = {
		"/api/parks/999999", "/api/parks/no-such-park", "/api/parks/0", "/api/parks/01",
		"/api/parks/Yellowstone", "/api/parks/-1", "/api/parks/99999999999999999999",
	};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct reply r = call("GET", missing[i], NULL, NULL);
		ok(r.status == 404 && strcmp(err_code(&r), "not_found") == 0, "%s answers 404 not_found", missing[i]);
	}
}

static const struct tap_case cases[] = {
	TAP_CASE(test_park_list_first_page),
	TAP_CASE(test_park_list_pages_by_cursor),
	TAP_CASE(test_park_list_search_by_name),
	TAP_CASE(test_park_list_by_state),
	TAP_CASE(test_park_list_near_sorts_by_distance),
	TAP_CASE(test_park_list_sorts_by_rating_and_reviews),
	TAP_CASE(test_park_list_refuses_bad_parameters),
	TAP_CASE(test_park_by_slug_or_id),
	TAP_CASE(test_unknown_park_is_404),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
