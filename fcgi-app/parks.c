/* parks.c: the park list (search, state, near, sort, keyset pages) and the park page. */
#include "parks.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "db.h"
#include "photos.h"
#include "json.h"
#include "page.h"
#include "search.h"
#include "util.h"

/* A filter on one list of the park's traits (schema/002_parks.sql): the value bound to ?n is in it. */
#define TRAIT_SQL(n, key)                                                                       \
	"     AND (?" #n " IS NULL OR EXISTS (SELECT 1 FROM json_each(traits, '$." key "')"      \
	"          WHERE value = ?" #n "))"

/* One statement per sort. k is the ascending sort key (descending sorts negate it); the cursor is
 * the (k, id) of the last row sent, so pages never skip or repeat a park. The figures come from
 * park_stats, kept by triggers in the same transaction as the ratings (schema/003_reviews.sql). */
#define LIST_SQL(key)                                                                            \
	"SELECT id, slug, name, states, latitude, longitude, n, total, reviews, d, k FROM ("       \
	"  SELECT p.id, slug, name, states, latitude, longitude, n, total, reviews,"             \
	"         distance_km(latitude, longitude, ?4, ?5) AS d, " key " AS k"                  \
	"    FROM parks p JOIN park_stats s ON s.park_id = p.id"                                \
	"   WHERE (?1 IS NULL OR park_match(?1, slug, states))"                                 \
	"     AND (?2 IS NULL OR park_in_region(states, ?2))"                                   \
	"     AND (?3 IS NULL OR instr(',' || states || ',', ',' || ?3 || ',') > 0)"           \
	TRAIT_SQL(9, "activities") TRAIT_SQL(10, "terrain") TRAIT_SQL(11, "water")              \
	TRAIT_SQL(12, "wildlife") TRAIT_SQL(13, "lodging")                                      \
	"     AND (?14 IS NULL OR EXISTS (SELECT 1 FROM park_visit_months v"                   \
	"          WHERE v.park_id = p.id AND v.month = ?14"                                    \
	"            AND v.visits >= " PARKS_STR(PARKS_VISITS_MONTH_MIN)                        \
	"            AND v.stars >= " PARKS_STR(PARKS_GOOD_STARS) " * v.visits)))"              \
	" WHERE ?6 IS NULL OR k > ?6 OR (k = ?6 AND id > ?7)"                                   \
	" ORDER BY k, id LIMIT ?8"

static const struct sort {
	const char *name;
	const char *sql;
	bool text_key;
} sorts[] = {
	{ "name",     LIST_SQL("name"), true },
	{ "rating",   LIST_SQL("-" PARKS_BAYES_SQL), false },
	{ "reviews",  LIST_SQL("-reviews"), false },
	{ "distance", LIST_SQL("distance_km(latitude, longitude, ?4, ?5)"), false },
};

static const char SQL_PARK_BY_ID[] =
	"SELECT id, slug, name, states, latitude, longitude, n, total, reviews, description,"
	"       established, area_km2, traits, s1, s2, s3, s4, s5,"
	"       (SELECT c.id FROM channels c WHERE c.park_id = parks.id)"
	"  FROM parks JOIN park_stats ON park_stats.park_id = parks.id WHERE parks.id = ?1";
static const char SQL_PARK_BY_SLUG[] =
	"SELECT id, slug, name, states, latitude, longitude, n, total, reviews, description,"
	"       established, area_km2, traits, s1, s2, s3, s4, s5,"
	"       (SELECT c.id FROM channels c WHERE c.park_id = parks.id)"
	"  FROM parks JOIN park_stats ON park_stats.park_id = parks.id WHERE parks.slug = ?1";

/* "TN,NC" -> ["TN","NC"]. The seed holds only upper-case two-letter codes (schema CHECK). */
static void
states_write(struct jw *w, const char *states)
{
	char buf[128], *o = buf;
	*o++ = '[';
	*o++ = '"';
	for (const char *p = states; *p && o < buf + sizeof(buf) - 4; p++) {
		if (*p == ',') {
			*o++ = '"';
			*o++ = ',';
			*o++ = '"';
		} else {
			*o++ = *p;
		}
	}
	*o++ = '"';
	*o++ = ']';
	*o = '\0';
	jw_raw(w, buf);
}

void
parks_rating_write(struct jw *w, sqlite3_stmt *st, int col, int dist_col)
{
	int64_t n = sqlite3_column_int64(st, col), total = sqlite3_column_int64(st, col + 1);
	jw_object(w);
	jw_key(w, "average");
	if (n > 0)
		jw_fixed(w, (double)total / (double)n, PARKS_AVERAGE_DECIMALS);
	else
		jw_null(w);
	jw_kint(w, "count", n);
	if (dist_col >= 0) {
		static const char *const stars[] = { "1", "2", "3", "4", "5" };
		jw_key(w, "distribution");
		jw_object(w);
		for (int i = 0; i < 5; i++)
			jw_kint(w, stars[i], sqlite3_column_int64(st, dist_col + i));
		jw_end(w);
	}
	jw_end(w);
}

void
parks_summary_write(struct jw *w, sqlite3_stmt *st, int dist_col)
{
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kstring(w, "slug", (const char *)sqlite3_column_text(st, 1));
	jw_kstring(w, "name", (const char *)sqlite3_column_text(st, 2));
	jw_key(w, "states");
	states_write(w, (const char *)sqlite3_column_text(st, 3));
	jw_key(w, "latitude");
	jw_fixed(w, sqlite3_column_double(st, 4), 6);
	jw_key(w, "longitude");
	jw_fixed(w, sqlite3_column_double(st, 5), 6);
	jw_key(w, "rating");
	parks_rating_write(w, st, 6, dist_col);
	jw_kint(w, "review_count", sqlite3_column_int64(st, 8));
}

static int
bad_param(struct request *rq, struct response *rs, const char *name, const char *message)
{
	return resp_error(rq, rs, 400, "invalid_field", name, message);
}

static bool
parse_double(const char *s, size_t n, double lo, double hi, double *out)
{
	char buf[32], *end;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out) && *out >= lo && *out <= hi;
}

/* A park of the list; with near=, its distance (column d is NULL without it). */
static int
list_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	parks_summary_write(w, st, -1);
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		jw_key(w, "distance_km");
		jw_fixed(w, sqlite3_column_double(st, 9), 1);
	}
	int rc = photos_cover_write(w, sqlite3_column_int64(st, 0));
	jw_end(w);
	return rc;
}

/* The filters on the traits every park holds, in bind order ?9.. (see LIST_SQL), with the name
 * of their list in traits, which GET /api/park-filters also answers under the parameter's name. */
static const struct trait_filter {
	const char *param, *key;
} trait_filters[] = {
	{ "activity", "activities" }, { "terrain", "terrain" }, { "water", "water" },
	{ "wildlife", "wildlife" }, { "stay", "lodging" },
};
#define NTRAITS (sizeof(trait_filters) / sizeof(trait_filters[0]))

static bool
word_ok(const char *s)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return n > 0 && n <= 32;
}

int
parks_month(const char *s)
{
	static const char *const names[] = { "january", "february", "march", "april", "may", "june", "july",
					     "august", "september", "october", "november", "december" };
	int64_t n = parse_id(s, strlen(s));
	if (n >= 1 && n <= 12)
		return (int)n;
	size_t len = strlen(s);
	if (len < 3 || len > 9)
		return 0;
	for (int m = 0; m < 12; m++)
		if (strncasecmp(s, names[m], len) == 0 && (len == 3 || len == strlen(names[m])))
			return m + 1;
	return 0;
}

int
parks_list(struct request *rq, struct response *rs)
{
	bool bad = false;
	const char *q = query_get(rq, "q", &bad), *state = query_get(rq, "state", &bad);
	const char *near = query_get(rq, "near", &bad), *sort_name = query_get(rq, "sort", &bad);
	const char *region = query_get(rq, "region", &bad), *good_in = query_get(rq, "good_in", &bad);
	const char *traits[NTRAITS];
	for (size_t i = 0; i < NTRAITS; i++)
		traits[i] = query_get(rq, trait_filters[i].param, &bad);
	if (bad)
		return resp_error(rq, rs, 400, "invalid_field", NULL, "The query string has a bad %-escape.");

	if (q != NULL && (!utf8_valid(q, strlen(q)) || utf8_chars(q) > 100))
		return bad_param(rq, rs, "q", "q must be at most 100 characters of text.");
	if (q != NULL && *q == '\0')
		q = NULL;

	char code[3] = "";
	if (state != NULL) {
		if (strlen(state) != 2 || !isalpha((unsigned char)state[0]) || !isalpha((unsigned char)state[1]))
			return bad_param(rq, rs, "state", "state must be a two-letter code such as CA.");
		code[0] = (char)toupper((unsigned char)state[0]);
		code[1] = (char)toupper((unsigned char)state[1]);
	}
	if (region != NULL && !search_region_known(region))
		return bad_param(rq, rs, "region", "region must be one of those GET /api/park-filters lists.");
	for (size_t i = 0; i < NTRAITS; i++)
		if (traits[i] != NULL && !word_ok(traits[i]))
			return bad_param(rq, rs, trait_filters[i].param,
					 arena_printf(rq->a, "%s must be a value such as GET /api/park-filters lists.",
						      trait_filters[i].param));
	int month = 0;
	if (good_in != NULL && (month = parks_month(good_in)) == 0)
		return bad_param(rq, rs, "good_in", "good_in must be a month: 1 to 12, or a name such as dec.");

	double lat = 0, lon = 0;
	if (near != NULL) {
		const char *comma = strchr(near, ',');
		if (comma == NULL || !parse_double(near, (size_t)(comma - near), -90, 90, &lat) ||
		    !parse_double(comma + 1, strlen(comma + 1), -180, 180, &lon))
			return bad_param(rq, rs, "near", "near must be latitude,longitude, e.g. 44.6,-110.5.");
	}

	const struct sort *sort = NULL;
	if (sort_name == NULL)
		sort_name = near ? "distance" : "name";
	for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (strcmp(sort_name, sorts[i].name) == 0)
			sort = &sorts[i];
	if (sort == NULL)
		return bad_param(rq, rs, "sort", "sort must be name, rating, reviews or distance.");
	if (strcmp(sort->name, "distance") == 0 && near == NULL)
		return bad_param(rq, rs, "sort", "sort=distance needs near=latitude,longitude.");

	struct page pg;
	double key_num = 0;
	int status = page_read(rq, rs, sort->name, &pg);
	if (status != 0)
		return status;
	if (pg.key != NULL && !sort->text_key && !parse_double(pg.key, strlen(pg.key), -1e300, 1e300, &key_num))
		return page_bad_cursor(rq, rs);

	sqlite3_stmt *st = db_stmt(sort->sql);
	if (q != NULL)
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	if (region != NULL)
		sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	if (code[0])
		sqlite3_bind_text(st, 3, code, -1, SQLITE_TRANSIENT);
	if (near != NULL) {
		sqlite3_bind_double(st, 4, lat);
		sqlite3_bind_double(st, 5, lon);
	}
	if (pg.key != NULL) {
		if (sort->text_key)
			sqlite3_bind_text(st, 6, pg.key, -1, SQLITE_STATIC);
		else
			sqlite3_bind_double(st, 6, key_num);
		sqlite3_bind_int64(st, 7, pg.id);
	}
	sqlite3_bind_int64(st, 8, pg.limit + 1); /* one more tells whether a next page exists */
	for (size_t i = 0; i < NTRAITS; i++)
		if (traits[i] != NULL)
			sqlite3_bind_text(st, 9 + (int)i, traits[i], -1, SQLITE_STATIC);
	if (month)
		sqlite3_bind_int(st, 14, month);
	resp_cache_scope(rs, CACHE_FIGURES);
	return page_answer(rq, rs, st, sort->name, 10, &pg, list_item);
}

/* Every trait value with the number of parks that have it, most common first. */
static const char SQL_TRAIT_VALUES[] =
	"SELECT j.key, v.value, count(*) FROM parks, json_each(parks.traits) j, json_each(j.value) v"
	" GROUP BY j.key, v.value ORDER BY j.key, count(*) DESC, v.value";
static const char SQL_STATES[] = "SELECT states FROM parks";

/* GET /api/park-filters: what the list's filters take, each with how many parks it keeps. */
int
parks_filters(struct request *rq, struct response *rs)
{
	int64_t per_state[64] = { 0 }, per_region[16] = { 0 };
	_Static_assert(sizeof(per_state) / sizeof(per_state[0]) >= 56, "a count per state");
	int rc = db_snapshot_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	sqlite3_stmt *st = db_stmt(SQL_STATES);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *states = (const char *)sqlite3_column_text(st, 0);
		for (size_t i = 0; i < search_states_count && i < 64; i++)
			if (states != NULL && strstr(states, search_states[i].code) != NULL)
				per_state[i]++;
		for (size_t i = 0; i < search_regions_count && i < 16; i++)
			if (states != NULL && search_in_region(states, search_regions[i].value))
				per_region[i]++;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_snapshot_end();
		return db_fail(rq, rs, rc);
	}

	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "regions");
	jw_array(&w);
	for (size_t i = 0; i < search_regions_count && i < 16; i++) {
		jw_object(&w);
		jw_kstring(&w, "value", search_regions[i].value);
		jw_kstring(&w, "label", search_regions[i].label);
		jw_kint(&w, "parks", per_region[i]);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "states");
	jw_array(&w);
	for (size_t i = 0; i < search_states_count && i < 64; i++) {
		if (per_state[i] == 0)
			continue;
		jw_object(&w);
		jw_kstring(&w, "code", search_states[i].code);
		jw_kstring(&w, "name", search_states[i].name);
		jw_kstring(&w, "region", search_states[i].region);
		jw_kint(&w, "parks", per_state[i]);
		jw_end(&w);
	}
	jw_end(&w);

	/* One array per trait filter, in the order of trait_filters; the rows come ordered by key. */
	for (size_t f = 0; f < NTRAITS; f++) {
		jw_key(&w, trait_filters[f].param);
		jw_array(&w);
		st = db_stmt(SQL_TRAIT_VALUES);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (strcmp((const char *)sqlite3_column_text(st, 0), trait_filters[f].key) != 0)
				continue;
			jw_object(&w);
			jw_kstring(&w, "value", (const char *)sqlite3_column_text(st, 1));
			jw_kint(&w, "parks", sqlite3_column_int64(st, 2));
			jw_end(&w);
		}
		db_done(st);
		jw_end(&w);
		if (rc != SQLITE_DONE) {
			db_snapshot_end();
			return db_fail(rq, rs, rc);
		}
	}
	db_snapshot_end();
	jw_end(&w);
	resp_cache_scope(rs, CACHE_FIGURES);
	return resp_json(rs, 200, &w);
}

static bool
slug_ok(const char *s)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return n > 0 && n <= 64;
}

int
parks_get(struct request *rq, struct response *rs)
{
	const char *key = rq->captures[0];
	int64_t id = parse_id(key, strlen(key));
	if (id == 0 && !slug_ok(key))
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such park.");
	sqlite3_stmt *st = db_stmt(id ? SQL_PARK_BY_ID : SQL_PARK_BY_SLUG);
	if (id)
		sqlite3_bind_int64(st, 1, id);
	else
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_done(st);
		if (rc == SQLITE_DONE)
			return resp_error(rq, rs, 404, "not_found", NULL, "There is no such park.");
		return db_fail(rq, rs, rc);
	}
	struct jw w;
	jw_init(&w, rq->a);
	parks_summary_write(&w, st, 13);
	jw_kstring(&w, "description", (const char *)sqlite3_column_text(st, 9));
	jw_kint(&w, "established", sqlite3_column_int64(st, 10));
	jw_key(&w, "area_km2");
	jw_fixed(&w, sqlite3_column_double(st, 11), 1);
	jw_kint(&w, "channel_id", sqlite3_column_int64(st, 18)); /* every park has a board (004) */
	jw_key(&w, "traits");
	jw_raw(&w, (const char *)sqlite3_column_text(st, 12)); /* valid JSON: CHECK (json_valid) */
	int64_t park_id = sqlite3_column_int64(st, 0);
	db_done(st);
	if ((rc = photos_cover_write(&w, park_id)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	jw_end(&w);
	resp_cache_scope(rs, park_id); /* the park's id, also when asked by slug */
	return resp_json(rs, 200, &w);
}

/* The summary of one park for other resources (the quiz), from the park page's own statement and
 * writer, so the two never disagree. SQLITE_ROW when written, SQLITE_DONE when there is no such
 * park, else the error. */
int
parks_summary_write_by_id(struct jw *w, int64_t id)
{
	sqlite3_stmt *st = db_stmt(SQL_PARK_BY_ID);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		parks_summary_write(w, st, -1);
		jw_end(w);
	}
	db_done(st);
	return rc;
}
