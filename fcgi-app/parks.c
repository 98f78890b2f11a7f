/* parks.c: the park list (search, state, near, sort, keyset pages) and the park page. */
#include "parks.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "router.h"
#include "util.h"

/* Until ratings and reviews exist (a later migration), every park has none: the rating and
 * review keys are constant and the order falls back to the id. */
#define RATING_KEY  "0.0"
#define REVIEWS_KEY "0"

/* One statement per sort. k is the ascending sort key (descending sorts negate it); the cursor is
 * the (k, id) of the last row sent, so pages never skip or repeat a park. */
#define LIST_SQL(key)                                                                            \
	"SELECT id, slug, name, states, latitude, longitude, d, k FROM ("                          \
	"  SELECT id, slug, name, states, latitude, longitude,"                                 \
	"         distance_km(latitude, longitude, ?4, ?5) AS d, " key " AS k"                  \
	"    FROM parks"                                                                        \
	"   WHERE (?1 IS NULL OR name LIKE ?1 ESCAPE '\\' OR slug LIKE ?2 ESCAPE '\\')"         \
	"     AND (?3 IS NULL OR instr(',' || states || ',', ',' || ?3 || ',') > 0))"          \
	" WHERE ?6 IS NULL OR k > ?6 OR (k = ?6 AND id > ?7)"                                   \
	" ORDER BY k, id LIMIT ?8"

static const struct sort {
	const char *name;
	const char *sql;
	bool text_key;
} sorts[] = {
	{ "name",     LIST_SQL("name"), true },
	{ "rating",   LIST_SQL("-" RATING_KEY), false },
	{ "reviews",  LIST_SQL("-" REVIEWS_KEY), false },
	{ "distance", LIST_SQL("distance_km(latitude, longitude, ?4, ?5)"), false },
};

static const char SQL_PARK_BY_ID[] =
	"SELECT id, slug, name, states, latitude, longitude, description, established, area_km2,"
	"       traits, (SELECT id FROM channels WHERE park_id = parks.id) FROM parks WHERE id = ?1";
static const char SQL_PARK_BY_SLUG[] =
	"SELECT id, slug, name, states, latitude, longitude, description, established, area_km2,"
	"       traits, (SELECT id FROM channels WHERE park_id = parks.id) FROM parks WHERE slug = ?1";

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

/* The summary fields, from columns id, slug, name, states, latitude, longitude; the detail's
 * rating adds the star distribution. The object is left open for the caller to add to. */
static void
summary_write(struct jw *w, sqlite3_stmt *st, bool detail)
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
	jw_object(w);
	jw_knull(w, "average");
	jw_kint(w, "count", 0);
	if (detail) {
		jw_key(w, "distribution");
		jw_object(w);
		for (const char *k = "1\0" "2\0" "3\0" "4\0" "5\0"; *k; k += 2)
			jw_kint(w, k, 0);
		jw_end(w);
	}
	jw_end(w);
	jw_kint(w, "review_count", 0);
}

static int
bad_param(struct request *rq, struct response *rs, const char *name, const char *message)
{
	return resp_error(rq, rs, 400, "invalid_field", name, message);
}

/* LIKE pattern "%text%" with the wildcards in text escaped; slug form when slug is set. */
static char *
like_pattern(struct arena *a, const char *text, bool slug)
{
	char *out = arena_alloc(a, strlen(text) * 2 + 3), *o = out;
	*o++ = '%';
	for (const char *p = text; *p; p++) {
		char c = slug ? (*p == ' ' ? '-' : (char)tolower((unsigned char)*p)) : *p;
		if (c == '%' || c == '_' || c == '\\')
			*o++ = '\\';
		*o++ = c;
	}
	*o++ = '%';
	*o = '\0';
	return out;
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

struct cursor {
	const char *text;
	double num;
	int64_t id;
};

/* Cursor = base64url("sort:key:id"). Returns false for anything we did not make for this sort. */
static bool
parse_cursor(struct arena *a, const char *s, const struct sort *sort, struct cursor *c)
{
	size_t len = strlen(s);
	unsigned char *raw = arena_alloc(a, len + 1);
	long n = b64url_decode(s, len, raw, len);
	if (n <= 0)
		return false;
	raw[n] = '\0';
	char *text = (char *)raw;
	size_t slen = strlen(sort->name);
	if ((size_t)n != strlen(text) || strncmp(text, sort->name, slen) != 0 || text[slen] != ':')
		return false;
	char *key = text + slen + 1, *last = strrchr(key, ':');
	if (last == NULL || (c->id = parse_id(last + 1, strlen(last + 1))) == 0)
		return false;
	*last = '\0';
	if (sort->text_key) {
		c->text = key;
		return utf8_valid(key, strlen(key));
	}
	return parse_double(key, strlen(key), -1e300, 1e300, &c->num);
}

/* The cursor after a row: its sort key and id. */
static const char *
make_cursor(struct arena *a, const struct sort *sort, const char *text_key, double num_key, int64_t id)
{
	const char *raw;
	if (sort->text_key)
		raw = arena_printf(a, "%s:%s:%lld", sort->name, text_key, (long long)id);
	else
		raw = arena_printf(a, "%s:%.17g:%lld", sort->name, num_key, (long long)id);
	return b64url_encode(a, (const unsigned char *)raw, strlen(raw));
}

int
parks_list(struct request *rq, struct response *rs)
{
	bool bad = false;
	const char *q = query_get(rq, "q", &bad), *state = query_get(rq, "state", &bad);
	const char *near = query_get(rq, "near", &bad), *sort_name = query_get(rq, "sort", &bad);
	const char *limit_s = query_get(rq, "limit", &bad), *cursor_s = query_get(rq, "cursor", &bad);
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

	int64_t limit = 20;
	if (limit_s != NULL && ((limit = parse_id(limit_s, strlen(limit_s))) < 1 || limit > 50))
		return bad_param(rq, rs, "limit", "limit must be a whole number from 1 to 50.");

	struct cursor cur = { 0 };
	if (cursor_s != NULL && !parse_cursor(rq->a, cursor_s, sort, &cur))
		return resp_error(rq, rs, 400, "invalid_cursor", "cursor",
				  "That page cursor is not valid for this list; start again from the first page.");

	sqlite3_stmt *st = db_stmt(sort->sql);
	if (q != NULL) {
		sqlite3_bind_text(st, 1, like_pattern(rq->a, q, false), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, like_pattern(rq->a, q, true), -1, SQLITE_STATIC);
	}
	if (code[0])
		sqlite3_bind_text(st, 3, code, -1, SQLITE_TRANSIENT);
	if (near != NULL) {
		sqlite3_bind_double(st, 4, lat);
		sqlite3_bind_double(st, 5, lon);
	}
	if (cur.id != 0) {
		if (sort->text_key)
			sqlite3_bind_text(st, 6, cur.text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_double(st, 6, cur.num);
		sqlite3_bind_int64(st, 7, cur.id);
	}
	sqlite3_bind_int64(st, 8, limit + 1); /* one more tells whether a next page exists */

	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "items");
	jw_array(&w);
	const char *next = NULL, *last_text = NULL;
	double last_num = 0;
	int64_t last_id = 0;
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) { /* a row beyond the page: the next page starts after the last row sent */
			next = make_cursor(rq->a, sort, last_text, last_num, last_id);
			break;
		}
		summary_write(&w, st, false);
		if (near != NULL) {
			jw_key(&w, "distance_km");
			jw_fixed(&w, sqlite3_column_double(st, 6), 1);
		}
		jw_end(&w);
		last_id = sqlite3_column_int64(st, 0);
		if (sort->text_key)
			last_text = db_text(rq->a, st, 7);
		else
			last_num = sqlite3_column_double(st, 7);
		n++;
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	jw_end(&w);
	jw_kstring(&w, "next_cursor", next);
	jw_end(&w);
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
	summary_write(&w, st, true);
	jw_kstring(&w, "description", (const char *)sqlite3_column_text(st, 6));
	jw_kint(&w, "established", sqlite3_column_int64(st, 7));
	jw_key(&w, "area_km2");
	jw_fixed(&w, sqlite3_column_double(st, 8), 1);
	jw_kint(&w, "channel_id", sqlite3_column_int64(st, 10)); /* every park has a board (004) */
	jw_key(&w, "traits");
	jw_raw(&w, (const char *)sqlite3_column_text(st, 9)); /* valid JSON: CHECK (json_valid) */
	jw_end(&w);
	db_done(st);
	return resp_json(rs, 200, &w);
}

/* The summary of one park for other resources (the quiz), from the park page's own statement and
 * writer, so the two never disagree. SQLITE_ROW when written, SQLITE_DONE when there is no such
 * park, else the error. */
int
parks_write_summary(struct jw *w, int64_t id)
{
	sqlite3_stmt *st = db_stmt(SQL_PARK_BY_ID);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		summary_write(w, st, false);
		jw_end(w);
	}
	db_done(st);
	return rc;
}
