/* channels.c: the boards: one per park, the camping boards and General, all from seed data. */
#include "channels.h"

#include "db.h"
#include "json.h"

#define CHANNEL_COLUMNS "id, slug, name, kind, park_id, post_count"

static const char SQL_LIST[] = "SELECT " CHANNEL_COLUMNS " FROM channels ORDER BY id";
static const char SQL_GET[] = "SELECT " CHANNEL_COLUMNS " FROM channels WHERE id = ?1";
static const char SQL_EXISTS[] = "SELECT 1 FROM channels WHERE id = ?1";

static void
channel_write(struct jw *w, sqlite3_stmt *st)
{
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kstring(w, "slug", (const char *)sqlite3_column_text(st, 1));
	jw_kstring(w, "name", (const char *)sqlite3_column_text(st, 2));
	jw_kstring(w, "kind", (const char *)sqlite3_column_text(st, 3));
	if (sqlite3_column_type(st, 4) == SQLITE_NULL)
		jw_knull(w, "park_id");
	else
		jw_kint(w, "park_id", sqlite3_column_int64(st, 4));
	jw_kint(w, "post_count", sqlite3_column_int64(st, 5));
	jw_end(w);
}

/* All 68 boards fit one answer, so the list is not paged; it keeps the list shape. */
int
channels_list(struct request *rq, struct response *rs)
{
	sqlite3_stmt *st = db_stmt(SQL_LIST);
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "items");
	jw_array(&w);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		channel_write(&w, st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	jw_end(&w);
	jw_knull(&w, "next_cursor");
	jw_end(&w);
	return resp_json(rs, 200, &w);
}

int
channels_get(struct request *rq, struct response *rs)
{
	sqlite3_stmt *st = db_stmt(SQL_GET);
	sqlite3_bind_int64(st, 1, rq->ids[0]);
	int rc = sqlite3_step(st);
	struct jw w;
	jw_init(&w, rq->a);
	if (rc == SQLITE_ROW)
		channel_write(&w, st);
	db_done(st);
	if (rc == SQLITE_DONE)
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such board.");
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	return resp_json(rs, 200, &w);
}

int
channels_exists(int64_t id)
{
	sqlite3_stmt *st = db_stmt(SQL_EXISTS);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc;
}
