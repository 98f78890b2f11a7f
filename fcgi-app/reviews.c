/* reviews.c: reviews of a park (list, write, edit, delete), the caller's own reviews, and helpful
 * votes. A review lives in the user's ratings row for the park (schema/003_reviews.sql): its stars
 * are the rating. */
#include "reviews.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "config.h"
#include "db.h"
#include "page.h"
#include "photostore.h"
#include "ratings.h"
#include "util.h"

/* Visible reviews of park ?1, one page after the cursor (?3 id, ?4 sort key), ?5 rows. The WHERE
 * repeats the partial indexes' condition so each sort walks its index in order. */
#define LIST_SQL(cond, order)                                                               \
	"SELECT " REVIEW_COLUMNS REVIEW_FROM                                                \
	" WHERE r.park_id = ?1 AND r.title IS NOT NULL AND r.hidden = 0 AND " cond          \
	" ORDER BY " order " LIMIT ?5"

static const struct sort {
	const char *name;
	const char *sql;          /* all stars */
	const char *sql_stars;    /* only stars = ?2 */
	int key_col;              /* the sort key before the id, or -1 */
	int64_t first_key;        /* the key a first page starts after */
} sorts[] = {
	{ "newest",
	  LIST_SQL("r.id < ?3", "r.id DESC"),
	  LIST_SQL("r.stars = ?2 AND r.id < ?3", "r.id DESC"), -1, 0 },
	{ "highest",
	  LIST_SQL("(r.stars, r.id) < (?4, ?3)", "r.stars DESC, r.id DESC"),
	  LIST_SQL("r.stars = ?2 AND r.id < ?3", "r.id DESC"), 5, 6 },
	{ "lowest",
	  LIST_SQL("(r.stars > ?4 OR (r.stars = ?4 AND r.id < ?3))", "r.stars, r.id DESC"),
	  LIST_SQL("r.stars = ?2 AND r.id < ?3", "r.id DESC"), 5, 0 },
	{ "helpful",
	  LIST_SQL("(r.helpful_count, r.id) < (?4, ?3)", "r.helpful_count DESC, r.id DESC"),
	  LIST_SQL("r.stars = ?2 AND (r.helpful_count, r.id) < (?4, ?3)",
		   "r.helpful_count DESC, r.id DESC"), 10, INT64_MAX },
};

static const char SQL_MINE[] =
	"SELECT " REVIEW_COLUMNS REVIEW_FROM
	" WHERE r.user_id = ?1 AND r.title IS NOT NULL AND r.id < ?2 ORDER BY r.id DESC LIMIT ?3";
static const char SQL_ONE[] =
	"SELECT " REVIEW_COLUMNS REVIEW_FROM " WHERE r.id = ?1 AND r.title IS NOT NULL";
static const char SQL_FIND[] =
	"SELECT user_id, park_id, stars, hidden, rated_at, updated_at FROM ratings"
	" WHERE id = ?1 AND title IS NOT NULL";
static const char SQL_OWN_ROW[] =
	"SELECT id, title IS NOT NULL, stars, rated_at, updated_at FROM ratings"
	" WHERE user_id = ?1 AND park_id = ?2";
static const char SQL_DELETE_ROW[] =
	"DELETE FROM ratings WHERE id = ?1";
/* A review is written into a new row (see the schema: ids follow the order reviews were written). */
static const char SQL_INSERT_ROW[] =
	"INSERT INTO ratings (user_id, park_id, stars, rated_at, updated_at, title, body, visited_on,"
	"                     camper_type, review_created_at, review_updated_at, hidden)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11) RETURNING id";
/* A bare rating row (no review): the rating a deleted review leaves behind. */
static const char SQL_INSERT_RATING[] =
	"INSERT INTO ratings (user_id, park_id, stars, rated_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)";
/* A moderator hid this author's review of this park and has not unhidden one since (schema/011). */
static const char SQL_HELD[] =
	"SELECT 1 FROM moderation_holds WHERE user_id = ?1 AND park_id = ?2";
static const char SQL_LOG_HELD[] =
	"INSERT INTO moderation_log (review_id, admin_id, action, reason, created_at)"
	" VALUES (?1, NULL, 'hide', 'Written again while a moderator kept the author''s earlier review"
	" of this park hidden.', ?2)";
/* ?5/?6 = '' clears visited_on/camper_type; NULL leaves them. SET expressions see the old row. */
static const char SQL_PATCH[] =
	"UPDATE ratings SET stars = coalesce(?2, stars),"
	"  updated_at = CASE WHEN coalesce(?2, stars) <> stars THEN ?7 ELSE updated_at END,"
	"  title = coalesce(?3, title), body = coalesce(?4, body),"
	"  visited_on = CASE WHEN ?5 = '' THEN NULL ELSE coalesce(?5, visited_on) END,"
	"  camper_type = CASE WHEN ?6 = '' THEN NULL ELSE coalesce(?6, camper_type) END,"
	"  review_updated_at = ?7"
	" WHERE id = ?1";
static const char SQL_LOG_DELETE[] =
	"INSERT INTO moderation_log (review_id, admin_id, action, reason, created_at)"
	" VALUES (?1, ?2, 'delete', 'Deleted by a moderator.', ?3)";
static const char SQL_VOTE[] =
	"INSERT OR IGNORE INTO helpful_votes (review_id, user_id) VALUES (?1, ?2)";
static const char SQL_UNVOTE[] =
	"DELETE FROM helpful_votes WHERE review_id = ?1 AND user_id = ?2";

#define CAMPER_NAME(name) #name,
const char *const camper_types[CAMPER_TYPE_COUNT] = { CAMPER_TYPES(CAMPER_NAME) };

void
reviews_write(struct jw *w, sqlite3_stmt *st, int col, enum show_hidden show_hidden)
{
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, col));
	jw_kint(w, "park_id", sqlite3_column_int64(st, col + 1));
	jw_key(w, "author");
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, col + 2));
	jw_kstring(w, "username", (const char *)sqlite3_column_text(st, col + 3));
	jw_kstring(w, "display_name", (const char *)sqlite3_column_text(st, col + 4));
	jw_end(w);
	jw_kint(w, "stars", sqlite3_column_int64(st, col + 5));
	jw_kstring(w, "title", (const char *)sqlite3_column_text(st, col + 6));
	jw_kstring(w, "body", (const char *)sqlite3_column_text(st, col + 7));
	jw_kstring(w, "visited_on", (const char *)sqlite3_column_text(st, col + 8));
	jw_kstring(w, "camper_type", (const char *)sqlite3_column_text(st, col + 9));
	jw_kint(w, "helpful_count", sqlite3_column_int64(st, col + 10));
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, col + 11));
	jw_kstring(w, "updated_at", (const char *)sqlite3_column_text(st, col + 12));
	bool hidden = sqlite3_column_int(st, col + 13) != 0;
	if (show_hidden == SHOW_HIDDEN_ALWAYS || (show_hidden == SHOW_HIDDEN_IF_TRUE && hidden))
		jw_kbool(w, "hidden", hidden);
	jw_end(w);
}

static int
review_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	reviews_write(w, st, 0, SHOW_HIDDEN_NEVER);
	return SQLITE_OK;
}

/* The caller's own reviews show whether moderators hid them. */
static int
own_review_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	reviews_write(w, st, 0, SHOW_HIDDEN_ALWAYS);
	return SQLITE_OK;
}

/* A cursor key: a whole number 0..INT64_MAX (a count or stars), written by list_page. */
static bool
parse_key(const char *s, int64_t *out)
{
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return true;
	}
	return (*out = parse_id(s, strlen(s))) > 0;
}

int
reviews_list(struct request *rq, struct response *rs)
{
	int64_t park_id = rq->ids[0], stars = 0;
	bool bad = false;
	const char *sort_name = query_get(rq, "sort", &bad), *stars_s = query_get(rq, "stars", &bad);
	if (bad)
		return resp_error(rq, rs, 400, "invalid_field", NULL, "The query string has a bad %-escape.");
	const struct sort *sort = sort_name == NULL ? &sorts[0] : NULL;
	for (size_t i = 0; sort == NULL && i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (strcmp(sort_name, sorts[i].name) == 0)
			sort = &sorts[i];
	if (sort == NULL)
		return resp_error(rq, rs, 400, "invalid_field", "sort",
				  "sort must be newest, highest, lowest or helpful.");
	if (stars_s != NULL && ((stars = parse_id(stars_s, strlen(stars_s))) < 1 || stars > 5))
		return resp_error(rq, rs, 400, "invalid_field", "stars", "stars must be a whole number from 1 to 5.");

	struct page pg;
	int status;
	if ((status = page_read(rq, rs, sort->name, &pg)) != 0 ||
	    (status = ratings_need_park(rq, rs, park_id)) != 0)
		return status;
	int64_t key = sort->first_key, after = INT64_MAX;
	if (pg.key != NULL) {
		if (!parse_key(pg.key, &key))
			return page_bad_cursor(rq, rs);
		after = pg.id;
	}

	sqlite3_stmt *s = db_stmt(stars ? sort->sql_stars : sort->sql);
	sqlite3_bind_int64(s, 1, park_id);
	if (stars)
		sqlite3_bind_int64(s, 2, stars);
	sqlite3_bind_int64(s, 3, after);
	sqlite3_bind_int64(s, 4, key);
	sqlite3_bind_int64(s, 5, pg.limit + 1); /* one more tells whether a next page exists */
	resp_cache_scope(rs, park_id);
	return page_answer(rq, rs, s, sort->name, sort->key_col, &pg, review_item);
}

int
reviews_find(struct request *rq, struct response *rs, int64_t id, struct review_ref *out)
{
	sqlite3_stmt *st = db_stmt(SQL_FIND);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = id;
		out->author_id = sqlite3_column_int64(st, 0);
		out->park_id = sqlite3_column_int64(st, 1);
		out->stars = sqlite3_column_int64(st, 2);
		out->hidden = sqlite3_column_int(st, 3) != 0;
		out->rated_at = db_text(rq->a, st, 4);
		out->updated_at = db_text(rq->a, st, 5);
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	bool visible = rc == SQLITE_ROW &&
		       (!out->hidden || (rq->user && rq->user->id == out->author_id) || auth_is_admin(rq));
	if (!visible) {
		db_rollback();
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such review.");
	}
	return 0;
}

int
reviews_answer(struct request *rq, struct response *rs, int status, int64_t id,
	       enum show_hidden show_hidden)
{
	sqlite3_stmt *st = db_stmt(SQL_ONE);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_done(st);
		return db_fail(rq, rs, rc);
	}
	struct jw w;
	jw_init(&w, rq->a);
	reviews_write(&w, st, 0, show_hidden);
	db_done(st);
	return resp_json(rs, status, &w);
}

struct review_in {
	int64_t stars;
	bool has_stars;
	const char *title, *body, *visited_on, *camper_type; /* "" = clear (PATCH with null) */
};

/* "YYYY-MM": a real month, from 1900 up to the current month. */
static bool
month_ok(const char *s)
{
	int y, m;
	char end;
	if (strlen(s) != 7 || s[4] != '-' || sscanf(s, "%4d-%2d%c", &y, &m, &end) != 2 ||
	    s[0] < '0' || s[5] < '0' || s[6] < '0')
		return false;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	int this_month = (tm.tm_year + 1900) * 12 + tm.tm_mon;
	return y >= 1900 && m >= 1 && m <= 12 && y * 12 + (m - 1) <= this_month;
}

/* Reads the review fields; on PATCH every field is optional and null clears the optional ones. */
static int
review_read(struct request *rq, struct response *rs, bool create, struct review_in *in)
{
	static const char *const fields[] = { "stars", "title", "body", "visited_on", "camper_type", NULL };
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_int(rq, rs, "stars", 1, 5, create, &in->stars, &in->has_stars)) != 0 ||
	    (status = json_text(rq, rs, "title", 120, create, false, &in->title)) != 0 ||
	    (status = json_text(rq, rs, "body", 5000, create, true, &in->body)) != 0 ||
	    (status = json_str(rq, rs, "visited_on", 0, 16, false, &in->visited_on)) != 0 ||
	    (status = json_str(rq, rs, "camper_type", 0, 16, false, &in->camper_type)) != 0)
		return status;
	if (in->visited_on != NULL && !month_ok(in->visited_on))
		return resp_error(rq, rs, 400, "invalid_field", "visited_on",
				  "visited_on must be a month such as 2025-07, not in the future.");
	if (in->camper_type != NULL) {
		bool known = false;
		for (int i = 0; i < CAMPER_TYPE_COUNT; i++)
			known = known || strcmp(in->camper_type, camper_types[i]) == 0;
		if (!known) {
			const char *msg = "camper_type must be"; /* "... tent, rv, ... or day_use." */
			for (int i = 0; i < CAMPER_TYPE_COUNT; i++)
				msg = arena_printf(rq->a, "%s%s%s", msg,
						   i == 0 ? " " : i < CAMPER_TYPE_COUNT - 1 ? ", " : " or ",
						   camper_types[i]);
			return resp_error(rq, rs, 400, "invalid_field", "camper_type",
					  arena_printf(rq->a, "%s.", msg));
		}
	}
	if (!create) {
		if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rq->json, "visited_on")))
			in->visited_on = "";
		if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rq->json, "camper_type")))
			in->camper_type = "";
	}
	return 0;
}

int
reviews_create(struct request *rq, struct response *rs)
{
	int64_t park_id = rq->ids[0], uid = rq->user->id;
	struct review_in in;
	int status = review_read(rq, rs, true, &in);
	if (status != 0)
		return status;

	const char *now = iso_time(rq->a, time(NULL)), *rated_at = now, *updated_at = now;
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = ratings_need_park(rq, rs, park_id)) != 0 ||
	    (status = quota_take(rq, rs, L_REVIEW)) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_OWN_ROW);
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_int64(s, 2, park_id);
	rc = sqlite3_step(s);
	int64_t old_id = 0;
	bool reviewed = false;
	if (rc == SQLITE_ROW) {
		old_id = sqlite3_column_int64(s, 0);
		reviewed = sqlite3_column_int(s, 1) != 0;
		rated_at = db_text(rq->a, s, 3);
		if (sqlite3_column_int64(s, 2) == in.stars) /* the rating keeps its time when unchanged */
			updated_at = db_text(rq->a, s, 4);
	}
	db_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	s = db_stmt(SQL_HELD);
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_int64(s, 2, park_id);
	int held_rc = sqlite3_step(s);
	db_done(s);
	if (held_rc != SQLITE_ROW && held_rc != SQLITE_DONE)
		return db_fail(rq, rs, held_rc);
	bool held = held_rc == SQLITE_ROW;
	if (reviewed) {
		db_rollback();
		return resp_error_ref(rq, rs, 409, "already_reviewed",
				      "You have already reviewed this park; edit that review instead.",
				      "review_id", old_id);
	}
	/* The rating row, if any, moves to a new id that follows every review written before. */
	if (old_id != 0 && (rc = db_exec(SQL_DELETE_ROW, "i", old_id)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	s = db_stmt(SQL_INSERT_ROW);
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_int64(s, 2, park_id);
	sqlite3_bind_int64(s, 3, in.stars);
	sqlite3_bind_text(s, 4, rated_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, updated_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, in.title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, in.body, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, in.visited_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, in.camper_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, now, -1, SQLITE_STATIC);
	/* Deleting a hidden review and writing it again must not undo the moderator: while the hold
	 * lasts the new review is hidden too (its stars out of the figures), and the log says why. */
	sqlite3_bind_int(s, 11, held);
	int64_t id = 0;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s); /* finish the RETURNING statement so the insert completes */
	}
	db_done(s);
	if (rc != SQLITE_DONE || (held && (rc = db_exec(SQL_LOG_HELD, "it", id, now)) != SQLITE_OK))
		return db_fail(rq, rs, rc);
	if ((status = reviews_answer(rq, rs, 201, id, SHOW_HIDDEN_IF_TRUE)) != 201)
		return status;
	return (rc = db_commit()) == SQLITE_OK ? 201 : db_fail(rq, rs, rc);
}

int
reviews_get(struct request *rq, struct response *rs)
{
	struct review_ref ref;
	int status = reviews_find(rq, rs, rq->ids[0], &ref);
	return status != 0 ? status : reviews_answer(rq, rs, 200, ref.id, SHOW_HIDDEN_IF_TRUE);
}

int
reviews_patch(struct request *rq, struct response *rs)
{
	struct review_in in;
	struct review_ref ref;
	int status = review_read(rq, rs, false, &in), rc;
	if (status != 0)
		return status;
	const char *now = iso_time(rq->a, time(NULL));
	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = reviews_find(rq, rs, rq->ids[0], &ref)) != 0)
		return status;
	if (ref.author_id != rq->user->id) {
		db_rollback();
		return resp_error(rq, rs, 403, "forbidden", NULL, "Only the author can edit a review.");
	}
	if ((status = quota_take(rq, rs, L_REVIEW)) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_PATCH);
	sqlite3_bind_int64(s, 1, ref.id);
	if (in.has_stars)
		sqlite3_bind_int64(s, 2, in.stars);
	sqlite3_bind_text(s, 3, in.title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, in.body, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, in.visited_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, in.camper_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	db_done(s);
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	if ((status = reviews_answer(rq, rs, 200, ref.id, SHOW_HIDDEN_IF_TRUE)) != 200)
		return status;
	return (rc = db_commit()) == SQLITE_OK ? 200 : db_fail(rq, rs, rc);
}

int
reviews_delete(struct request *rq, struct response *rs)
{
	struct review_ref ref;
	int rc = db_begin(), status;
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = reviews_find(rq, rs, rq->ids[0], &ref)) != 0)
		return status;
	bool own = ref.author_id == rq->user->id;
	if (!own && !auth_is_admin(rq)) {
		db_rollback();
		return resp_error(rq, rs, 403, "forbidden", NULL, "Only the author can delete a review.");
	}
	/* The rating stays, in a row of its own; votes and reports go with the review's row. A hidden
	 * review's stars were out of the figures and go with it, so deleting it brings nothing back. */
	const char *now = iso_time(rq->a, time(NULL));
	if ((rc = db_exec(SQL_DELETE_ROW, "i", ref.id)) != SQLITE_OK ||
	    (!ref.hidden && (rc = db_exec(SQL_INSERT_RATING, "iiitt", ref.author_id, ref.park_id,
					  ref.stars, ref.rated_at, ref.updated_at)) != SQLITE_OK) ||
	    (!own && (rc = db_exec(SQL_LOG_DELETE, "iit", ref.id, rq->user->id, now)) != SQLITE_OK) ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	photostore_sweep(config.photos_dir); /* the review's photos went with its row */
	return resp_empty(rs, 204);
}

int
reviews_mine(struct request *rq, struct response *rs)
{
	return page_list(rq, rs, "mine", SQL_MINE, rq->user->id, own_review_item);
}

/* PUT and DELETE /api/reviews/{id}/helpful: one vote per user, never on one's own review. */
static int
helpful_set(struct request *rq, struct response *rs, bool vote)
{
	struct review_ref ref;
	int rc = db_begin(), status;
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = reviews_find(rq, rs, rq->ids[0], &ref)) != 0)
		return status;
	if (ref.hidden) { /* nothing to vote on while moderators keep it out of sight */
		db_rollback();
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such review.");
	}
	if (vote && ref.author_id == rq->user->id) {
		db_rollback();
		return resp_error(rq, rs, 403, "own_review", NULL, "You cannot vote for your own review.");
	}
	if ((rc = db_exec(vote ? SQL_VOTE : SQL_UNVOTE, "ii", ref.id, rq->user->id)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return resp_empty(rs, 204);
}

int
helpful_put(struct request *rq, struct response *rs)
{
	return helpful_set(rq, rs, true);
}

int
helpful_delete(struct request *rq, struct response *rs)
{
	return helpful_set(rq, rs, false);
}

static const char SQL_MY_VOTES[] =
	"SELECT h.review_id FROM helpful_votes h JOIN ratings r ON r.id = h.review_id"
	" WHERE h.user_id = ?1 AND r.park_id = ?2 AND r.hidden = 0 ORDER BY h.review_id";

/* GET /api/users/me/helpful?park=ID: the reviews of the park the caller marked helpful, so a page
 * can show its own votes (the review lists are public and cached, without them). */
int
helpful_mine(struct request *rq, struct response *rs)
{
	bool bad = false;
	const char *park = query_get(rq, "park", &bad);
	if (park == NULL && !bad)
		return resp_error(rq, rs, 400, "missing_field", "park", "Say which park: ?park=ID.");
	int64_t park_id = bad ? 0 : parse_id(park, strlen(park));
	if (park_id == 0)
		return resp_error(rq, rs, 400, "invalid_field", "park", "park must be a park's id.");
	int rc, status = ratings_park_snapshot(rq, rs, park_id);
	if (status != 0)
		return status;
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_kint(&w, "park_id", park_id);
	jw_key(&w, "review_ids");
	jw_array(&w);
	sqlite3_stmt *st = db_stmt(SQL_MY_VOTES);
	sqlite3_bind_int64(st, 1, rq->user->id);
	sqlite3_bind_int64(st, 2, park_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		jw_int(&w, sqlite3_column_int64(st, 0));
	db_done(st);
	db_snapshot_end();
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	jw_end(&w);
	jw_end(&w);
	return resp_json(rs, 200, &w);
}
