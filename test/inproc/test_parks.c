/* test_parks.c: the park list and page, in-process. */
#include <math.h>
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

/* The slugs a query finds (all pages of 50), comma-separated, into a static buffer. */
static const char *
found(const char *query)
{
	static char out[2048];
	out[0] = '\0';
	struct reply r = call("GET", sfmt("/api/parks?limit=50&%s", query), NULL, NULL);
	if (r.status != 200)
		return sfmt("status %d", r.status);
	cJSON *it;
	cJSON_ArrayForEach(it, jget(r.json, "items")) {
		size_t n = strlen(out);
		snprintf(out + n, sizeof(out) - n, "%s%s", n ? "," : "", jget(it, "slug")->valuestring);
	}
	return out;
}

static void
test_park_search_forgives(void)
{
	static const struct { const char *q, *want; } cases[] = {
		{ "Utah", "arches,bryce-canyon,canyonlands,capitol-reef,zion" },
		{ "utah", "arches,bryce-canyon,canyonlands,capitol-reef,zion" },
		{ "UT", "arches,bryce-canyon,canyonlands,capitol-reef,zion" },
		{ "north+carolina", "great-smoky-mountains" },
		{ "Smokies", "great-smoky-mountains" },
		{ "yellow+stone", "yellowstone" },
		{ "Haleakala", "haleakala" },
		{ "Haleakal%C4%81", "haleakala" },
		{ "Zion+NP", "zion" },
		{ "zion+national+park", "zion" },
		{ "Yosemete", "yosemite" },
		{ "yellowstoen", "yellowstone" },
		{ "grand+tetn", "grand-teton" },
		{ "mt+rainier", "mount-rainier" },
		{ "Hawai%CA%BBi+Volcanoes", "hawaii-volcanoes" },
		{ "wrangell%E2%80%93st.+elias", "wrangell-st-elias" },
		{ "Wyoming", "grand-teton,yellowstone" },
		{ "xyzzy", "" },
		{ "zz", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(found(sfmt("q=%s", cases[i].q)), cases[i].want, "q=%s finds %s", cases[i].q,
		       cases[i].want[0] ? cases[i].want : "nothing");
}

static void
test_park_list_filters(void)
{
	is_str(found("region=rockies&stay=lodge"), "glacier,grand-teton,mesa-verde,yellowstone",
	       "region=rockies&stay=lodge: the Rocky Mountain parks with a lodge");
	is_str(found("activity=caving"), "carlsbad-caverns,great-basin,mammoth-cave,pinnacles,sequoia,wind-cave",
	       "activity=caving: the six parks with caves to visit");
	is_str(found("region=pacific&water=ocean"), "channel-islands,olympic,redwood",
	       "region=pacific&water=ocean: the Pacific West parks on the ocean");
	is_str(found("region=alaska&terrain=glaciers&wildlife=large_mammals&q=denali"), "denali",
	       "filters and q combine");
	is_str(found("activity=knitting"), "", "a value no park holds keeps none");
	is_str(found("region=alaska&sort=rating"),
	       "denali,gates-of-the-arctic,glacier-bay,katmai,kenai-fjords,kobuk-valley,lake-clark,wrangell-st-elias",
	       "region=alaska with sort=rating (nobody rated: all score the mean, by id)");
}

/* good_in=M: parks whose month M is named by at least two visible reviews averaging 4 stars. */
static void
test_park_list_good_in(void)
{
	static const struct { const char *user; int park, stars; const char *month; } reviews[] = {
		{ "season_a", 3, 5, "2025-12" }, { "season_b", 3, 4, "2024-12" },  /* Arches: 4.5 in Dec */
		{ "season_a", 8, 5, "2025-12" },                                   /* Bryce: one is too few */
		{ "season_a", 9, 5, "2025-12" }, { "season_b", 9, 2, "2025-12" },  /* Canyonlands: 3.5 */
		{ "season_c", 3, 5, "2025-06" },
	};
	for (size_t i = 0; i < sizeof(reviews) / sizeof(reviews[0]); i++) {
		struct reply r = call("POST", sfmt("/api/parks/%d/reviews", reviews[i].park),
				      sfmt("{\"stars\":%d,\"title\":\"Winter\",\"body\":\"Snow on red rock.\","
					   "\"visited_on\":\"%s\"}", reviews[i].stars, reviews[i].month),
				      "Authorization", bearer(reviews[i].user), NULL);
		is_int(r.status, 201, "review %zu written", i);
	}
	is_str(found("good_in=12"), "arches", "good_in=12 finds Arches (4.5 over 2), not Bryce (1) nor Canyonlands (3.5)");
	is_str(found("good_in=dec"), "arches", "good_in=dec is the same");
	is_str(found("good_in=December&state=UT"), "arches", "good_in=December with state=UT");
	is_str(found("good_in=6"), "", "good_in=6: one review of June is not enough");

	struct reply r = call("GET", "/api/parks/3/visit-months", NULL, NULL);
	ok(r.status == 200 && jint(r.json, "visits") == 3 && jint(r.json, "months.11.visits") == 2 &&
	   fabs(jget(r.json, "months.11.average")->valuedouble - 4.5) < 1e-9 &&
	   cJSON_IsNull(jget(r.json, "months.5.average")) && jint(r.json, "months.5.visits") == 1 &&
	   cJSON_IsFalse(jget(r.json, "enough_data")) && cJSON_GetArraySize(jget(r.json, "best_months")) == 0,
	   "visit-months of Arches: Dec 2 visits at 4.5, June 1 without an average, not enough data (3 < 5)");

	/* Hiding a review takes it out of the month at once. */
	long long id = count_rows("SELECT id FROM ratings WHERE park_id = 3 AND visited_on = '2024-12'");
	r = call("PATCH", sfmt("/api/admin/reviews/%lld", id), "{\"hidden\":true,\"reason\":\"test\"}",
		 "Authorization", admin_bearer("season_mod"), NULL);
	is_int(r.status, 200, "a moderator hides one December review");
	is_str(found("good_in=12"), "", "... and good_in=12 no longer finds Arches");
	r = call("GET", "/api/parks/3/visit-months", NULL, NULL);
	ok(jint(r.json, "months.11.visits") == 1 && cJSON_IsNull(jget(r.json, "months.11.average")),
	   "... its visit months count one December visit, without an average");
	r = call("GET", "/api/parks/999/visit-months", NULL, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "visit-months of no park: 404 not_found");

	/* Enough data: five visits; the best months are those within 0.2 of the best average. */
	static const struct { const char *user; int stars; const char *month; } more[] = {
		{ "season_a", 5, "2025-09" }, { "season_b", 5, "2025-09" }, { "season_c", 4, "2025-10" },
		{ "season_d", 5, "2025-10" }, { "season_e", 3, "2025-07" }, { "season_f", 2, "2025-07" },
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		call("POST", "/api/parks/63/reviews",
		     sfmt("{\"stars\":%d,\"title\":\"Zion\",\"body\":\"Narrows.\",\"visited_on\":\"%s\"}",
			  more[i].stars, more[i].month), "Authorization", bearer(more[i].user), NULL);
	r = call("GET", "/api/parks/63/visit-months", NULL, NULL);
	cJSON *best = jget(r.json, "best_months");
	ok(r.status == 200 && cJSON_IsTrue(jget(r.json, "enough_data")) && jint(r.json, "visits") == 6 &&
	   cJSON_GetArraySize(best) == 1 && cJSON_GetArrayItem(best, 0)->valueint == 9 &&
	   fabs(jget(r.json, "best_average")->valuedouble - 5.0) < 1e-9 &&
	   cJSON_IsTrue(jget(r.json, "months.8.best")) && cJSON_IsFalse(jget(r.json, "months.9.best")),
	   "visit-months of Zion: enough data, best month September at 5 (October's 4.5 is 0.5 below)");
}

static void
test_park_filters_lists_values(void)
{
	struct reply r = call("GET", "/api/park-filters", NULL, NULL);
	is_int(r.status, 200, "GET /api/park-filters: 200");
	int regions = 0, region_parks = 0, utah = -1;
	cJSON *it;
	cJSON_ArrayForEach(it, jget(r.json, "regions")) {
		regions++;
		region_parks += jint(it, "parks");
	}
	cJSON_ArrayForEach(it, jget(r.json, "states"))
		if (strcmp(jget(it, "code")->valuestring, "UT") == 0 && strcmp(jget(it, "name")->valuestring, "Utah") == 0)
			utah = jint(it, "parks");
	ok(regions == 8 && region_parks == 64, "8 regions holding 63 parks (Death Valley in two)");
	is_int(utah, 5, "states: UT, Utah, 5 parks");
	int caving = -1, stays = 0;
	cJSON_ArrayForEach(it, jget(r.json, "activity"))
		if (strcmp(jget(it, "value")->valuestring, "caving") == 0)
			caving = jint(it, "parks");
	cJSON_ArrayForEach(it, jget(r.json, "stay"))
		stays++;
	ok(caving == 6 && stays == 5 && cJSON_GetArraySize(jget(r.json, "terrain")) == 11 &&
	   cJSON_GetArraySize(jget(r.json, "water")) == 4 && cJSON_GetArraySize(jget(r.json, "wildlife")) == 5,
	   "activity caving in 6 parks; 5 stays, 11 terrains, 4 waters, 5 wildlife");
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
		{ "/api/parks?region=atlantis", "invalid_field", "region" },
		{ "/api/parks?activity=Hiking!", "invalid_field", "activity" },
		{ "/api/parks?stay=", "invalid_field", "stay" },
		{ "/api/parks?good_in=13", "invalid_field", "good_in" },
		{ "/api/parks?good_in=de", "invalid_field", "good_in" },
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
	TAP_CASE(test_park_search_forgives),
	TAP_CASE(test_park_list_filters),
	TAP_CASE(test_park_list_good_in),
	TAP_CASE(test_park_filters_lists_values),
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
