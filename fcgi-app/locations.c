/* locations.c: saved places. Every statement carries user_id = the caller in its WHERE clause, so
 * another user's location reads as absent: 404, never 403, and never listed. */
#include "locations.h"

#include <string.h>
#include <time.h>

#include "body.h"
#include "channels.h"
#include "config.h"
#include "db.h"
#include "json.h"
#include "page.h"

#define LOCATION_COLUMNS \
	"id, label, latitude, longitude, channel_id, note, visited_on, created_at, updated_at"

static const char SQL_LIST[] =
	"SELECT " LOCATION_COLUMNS " FROM locations WHERE user_id = ?1 AND id < ?2"
	" ORDER BY id DESC LIMIT ?3";
static const char SQL_GET[] =
	"SELECT " LOCATION_COLUMNS " FROM locations WHERE id = ?1 AND user_id = ?2";
static const char SQL_INSERT[] =
	"INSERT INTO locations (user_id, label, latitude, longitude, channel_id, note, visited_on)"
	" VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, ''), ?7) RETURNING " LOCATION_COLUMNS;
/* NULL keeps a column; ?9/?10/?11 say that channel_id/note/visited_on were given (even as null). */
static const char SQL_UPDATE[] =
	"UPDATE locations SET label = coalesce(?3, label), latitude = coalesce(?4, latitude),"
	" longitude = coalesce(?5, longitude),"
	" channel_id = CASE WHEN ?9 THEN ?6 ELSE channel_id END,"
	" note = CASE WHEN ?10 THEN coalesce(?7, '') ELSE note END,"
	" visited_on = CASE WHEN ?11 THEN ?8 ELSE visited_on END,"
	" updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	" WHERE id = ?1 AND user_id = ?2 RETURNING " LOCATION_COLUMNS;
static const char SQL_COUNT[] = "SELECT count(*) FROM locations WHERE user_id = ?1";
static const char SQL_DELETE[] = "DELETE FROM locations WHERE id = ?1 AND user_id = ?2";

static int
location_write(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kstring(w, "label", (const char *)sqlite3_column_text(st, 1));
	jw_key(w, "latitude");
	jw_double(w, sqlite3_column_double(st, 2));
	jw_key(w, "longitude");
	jw_double(w, sqlite3_column_double(st, 3));
	if (sqlite3_column_type(st, 4) == SQLITE_NULL)
		jw_knull(w, "channel_id");
	else
		jw_kint(w, "channel_id", sqlite3_column_int64(st, 4));
	jw_kstring(w, "note", (const char *)sqlite3_column_text(st, 5));
	jw_kstring(w, "visited_on", (const char *)sqlite3_column_text(st, 6));
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, 7));
	jw_kstring(w, "updated_at", (const char *)sqlite3_column_text(st, 8));
	jw_end(w);
	return SQLITE_OK;
}

static int
no_location(struct request *rq, struct response *rs)
{
	return resp_error(rq, rs, 404, "not_found", NULL, "There is no such location.");
}

struct fields {
	const char *label, *note, *visited_on;
	double latitude, longitude;
	int64_t channel_id;
	bool has_lat, has_lon, has_channel;
	bool given_channel, given_note, given_visited; /* present in the body, possibly null */
};

static bool
given(struct request *rq, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(rq->json, name) != NULL;
}

/* A real month YYYY-MM from 1900-01 up to the current month (UTC): a visit has happened. */
static bool
month_ok(const char *s)
{
	if (strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return false;
	int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int month = (s[5] - '0') * 10 + (s[6] - '0');
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	int this_month = (tm.tm_year + 1900) * 12 + tm.tm_mon;
	return year >= 1900 && month >= 1 && month <= 12 && year * 12 + month - 1 <= this_month;
}

/* Reads and checks the body; on create the label and coordinates are required. */
static int
read_fields(struct request *rq, struct response *rs, bool create, struct fields *f)
{
	static const char *const names[] = {
		"label", "latitude", "longitude", "channel_id", "note", "visited_on", NULL
	};
	memset(f, 0, sizeof(*f));
	int status;
	if ((status = json_parse_body(rq, rs, names)) != 0 ||
	    (status = json_str(rq, rs, "label", 1, 80, create, &f->label)) != 0 ||
	    (status = json_num(rq, rs, "latitude", -90, 90, create, &f->latitude,
			       &f->has_lat)) != 0 ||
	    (status = json_num(rq, rs, "longitude", -180, 180, create, &f->longitude,
			       &f->has_lon)) != 0 ||
	    (status = json_int(rq, rs, "channel_id", 1, INT64_MAX, false, &f->channel_id,
			       &f->has_channel)) != 0 ||
	    (status = json_str(rq, rs, "note", 0, 500, false, &f->note)) != 0 ||
	    (status = json_str(rq, rs, "visited_on", 7, 7, false, &f->visited_on)) != 0)
		return status;
	if (f->visited_on != NULL && !month_ok(f->visited_on))
		return resp_error(rq, rs, 400, "invalid_field", "visited_on",
				  "visited_on must be a month YYYY-MM (01-12), from 1900 up to this month.");
	f->given_channel = given(rq, "channel_id");
	f->given_note = given(rq, "note");
	f->given_visited = given(rq, "visited_on");
	return 0;
}

/* Inside the open transaction: 0 when the board is absent or exists, else the answer written. */
static int
check_channel(struct request *rq, struct response *rs, const struct fields *f)
{
	if (!f->has_channel)
		return 0;
	int rc = channels_exists(f->channel_id);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	db_rollback();
	return resp_error(rq, rs, 400, "invalid_field", "channel_id", "There is no board with that id.");
}

static void
bind_double(sqlite3_stmt *s, int i, bool has, double v)
{
	if (has)
		sqlite3_bind_double(s, i, v);
}

/* Steps a RETURNING statement inside the open transaction, commits, and answers with the row. */
static int
write_and_answer(struct request *rq, struct response *rs, sqlite3_stmt *s, int status)
{
	struct jw w;
	jw_init(&w, rq->a);
	int rc = sqlite3_step(s);
	bool found = rc == SQLITE_ROW;
	if (found) {
		location_write(&w, s, rq);
		rc = sqlite3_step(s); /* finish the RETURNING statement so the write completes */
	}
	db_done(s);
	if (rc != SQLITE_DONE || (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (!found)
		return no_location(rq, rs);
	return resp_json(rs, status, &w);
}

int
locations_list(struct request *rq, struct response *rs)
{
	return page_list(rq, rs, "locations", SQL_LIST, rq->user->id, location_write);
}

int
locations_create(struct request *rq, struct response *rs)
{
	struct fields f;
	int status, rc;
	if ((status = read_fields(rq, rs, true, &f)) != 0)
		return status;
	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = check_channel(rq, rs, &f)) != 0 ||
	    (status = quota_take(rq, rs, L_PLACE)) != 0 ||
	    (status = cap_check(rq, rs, SQL_COUNT, config.max_places, arena_printf(rq->a,
			"You have saved %d places, the most one account keeps. Delete one to save "
			"another.", config.max_places))) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_INSERT);
	sqlite3_bind_int64(s, 1, rq->user->id);
	sqlite3_bind_text(s, 2, f.label, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 3, f.latitude);
	sqlite3_bind_double(s, 4, f.longitude);
	if (f.has_channel)
		sqlite3_bind_int64(s, 5, f.channel_id);
	sqlite3_bind_text(s, 6, f.note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, f.visited_on, -1, SQLITE_STATIC);
	return write_and_answer(rq, rs, s, 201);
}

int
locations_get(struct request *rq, struct response *rs)
{
	sqlite3_stmt *s = db_stmt(SQL_GET);
	sqlite3_bind_int64(s, 1, rq->ids[0]);
	sqlite3_bind_int64(s, 2, rq->user->id);
	struct jw w;
	jw_init(&w, rq->a);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		location_write(&w, s, rq);
	db_done(s);
	if (rc == SQLITE_DONE)
		return no_location(rq, rs);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	return resp_json(rs, 200, &w);
}

int
locations_patch(struct request *rq, struct response *rs)
{
	struct fields f;
	int status, rc;
	if ((status = read_fields(rq, rs, false, &f)) != 0)
		return status;
	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = check_channel(rq, rs, &f)) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_UPDATE);
	sqlite3_bind_int64(s, 1, rq->ids[0]);
	sqlite3_bind_int64(s, 2, rq->user->id);
	sqlite3_bind_text(s, 3, f.label, -1, SQLITE_STATIC);
	bind_double(s, 4, f.has_lat, f.latitude);
	bind_double(s, 5, f.has_lon, f.longitude);
	if (f.has_channel)
		sqlite3_bind_int64(s, 6, f.channel_id);
	sqlite3_bind_text(s, 7, f.note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, f.visited_on, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 9, f.given_channel);
	sqlite3_bind_int(s, 10, f.given_note);
	sqlite3_bind_int(s, 11, f.given_visited);
	return write_and_answer(rq, rs, s, 200);
}

int
locations_delete(struct request *rq, struct response *rs)
{
	return page_delete_own(rq, rs, SQL_DELETE, "There is no such location.");
}
