/* ratings.c: one star rating per user per park. The row also carries the user's review of the park,
 * if any (schema/003_reviews.sql), so a review's stars and the rating are the same column. */
#include "ratings.h"

#include <time.h>

#include "body.h"
#include "db.h"
#include "json.h"
#include "util.h"

static const char SQL_PARK_EXISTS[] =
	"SELECT 1 FROM parks WHERE id = ?1";
static const char SQL_RATING[] =
	"SELECT stars, updated_at, title IS NOT NULL FROM ratings WHERE user_id = ?1 AND park_id = ?2";
static const char SQL_RATING_INSERT[] =
	"INSERT INTO ratings (user_id, park_id, stars, rated_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
/* The review shows the stars, so changing them changes the review too. */
static const char SQL_RATING_UPDATE[] =
	"UPDATE ratings SET stars = ?3, updated_at = ?4,"
	"       review_updated_at = CASE WHEN title IS NULL THEN NULL ELSE ?4 END"
	" WHERE user_id = ?1 AND park_id = ?2";
static const char SQL_RATING_DELETE[] =
	"DELETE FROM ratings WHERE user_id = ?1 AND park_id = ?2";

int
ratings_park_snapshot(struct request *rq, struct response *rs, int64_t park_id)
{
	int rc = db_snapshot_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	sqlite3_stmt *st = db_stmt(SQL_PARK_EXISTS);
	sqlite3_bind_int64(st, 1, park_id);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	db_snapshot_end();
	if (rc == SQLITE_DONE)
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such park.");
	return db_fail(rq, rs, rc);
}

int
ratings_need_park(struct request *rq, struct response *rs, int64_t park_id)
{
	sqlite3_stmt *st = db_stmt(SQL_PARK_EXISTS);
	sqlite3_bind_int64(st, 1, park_id);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		db_rollback();
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such park.");
	}
	return db_fail(rq, rs, rc);
}

struct rating {
	bool found, reviewed;
	int64_t stars;
	const char *updated_at;
};

static int
rating_load(struct request *rq, int64_t park_id, struct rating *r)
{
	sqlite3_stmt *st = db_stmt(SQL_RATING);
	sqlite3_bind_int64(st, 1, rq->user->id);
	sqlite3_bind_int64(st, 2, park_id);
	int rc = sqlite3_step(st);
	r->found = rc == SQLITE_ROW;
	if (r->found) {
		r->stars = sqlite3_column_int64(st, 0);
		r->updated_at = db_text(rq->a, st, 1);
		r->reviewed = sqlite3_column_int(st, 2) != 0;
	}
	db_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
rating_answer(struct request *rq, struct response *rs, int status, int64_t park_id,
	      const struct rating *r)
{
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_kint(&w, "park_id", park_id);
	jw_kint(&w, "stars", r->stars);
	jw_kstring(&w, "updated_at", r->updated_at);
	jw_end(&w);
	return resp_json(rs, status, &w);
}

static int
not_rated(struct request *rq, struct response *rs)
{
	return resp_error(rq, rs, 404, "not_rated", NULL, "You have not rated this park.");
}

int
ratings_put(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "stars", NULL };
	int64_t park_id = rq->ids[0], stars;
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_int(rq, rs, "stars", 1, 5, true, &stars, NULL)) != 0)
		return status;

	const char *now = iso_time(rq->a, time(NULL));
	struct rating r;
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = ratings_need_park(rq, rs, park_id)) != 0)
		return status;
	if ((rc = rating_load(rq, park_id, &r)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	status = r.found ? 200 : 201;
	if (!r.found)
		rc = db_exec(SQL_RATING_INSERT, "iiit", rq->user->id, park_id, stars, now);
	else if (r.stars != stars) /* the same stars again change nothing, not even updated_at */
		rc = db_exec(SQL_RATING_UPDATE, "iiit", rq->user->id, park_id, stars, now);
	if (rc != SQLITE_OK || (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (!r.found || r.stars != stars)
		r.updated_at = now;
	r.stars = stars;
	return rating_answer(rq, rs, status, park_id, &r);
}

int
ratings_get(struct request *rq, struct response *rs)
{
	int64_t park_id = rq->ids[0];
	struct rating r;
	int rc = rating_load(rq, park_id, &r), status;
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (!r.found) {
		status = ratings_need_park(rq, rs, park_id);
		return status != 0 ? status : not_rated(rq, rs);
	}
	return rating_answer(rq, rs, 200, park_id, &r);
}

int
ratings_delete(struct request *rq, struct response *rs)
{
	int64_t park_id = rq->ids[0];
	struct rating r;
	int rc = db_begin(), status;
	if (rc != SQLITE_OK || (rc = rating_load(rq, park_id, &r)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (!r.found) {
		db_rollback();
		status = ratings_need_park(rq, rs, park_id);
		return status != 0 ? status : not_rated(rq, rs);
	}
	if (r.reviewed) {
		db_rollback();
		return resp_error(rq, rs, 409, "rating_has_review", NULL,
				  "Your review of this park carries this rating; delete the review first.");
	}
	if ((rc = db_exec(SQL_RATING_DELETE, "ii", rq->user->id, park_id)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return resp_empty(rs, 204);
}
