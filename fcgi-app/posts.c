/* posts.c: posts on the boards. Anyone reads; the author edits; the author or an admin deletes. */
#include "posts.h"

#include <string.h>

#include "body.h"
#include "channels.h"
#include "db.h"
#include "json.h"
#include "page.h"

#define POST_COLUMNS \
	"p.id, p.channel_id, p.title, p.body, p.created_at, p.updated_at, u.id, u.username, u.display_name"

static const char SQL_LIST[] =
	"SELECT " POST_COLUMNS " FROM posts p JOIN users u ON u.id = p.user_id"
	" WHERE p.channel_id = ?1 AND p.id < ?2 ORDER BY p.id DESC LIMIT ?3";
static const char SQL_GET[] =
	"SELECT " POST_COLUMNS " FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id = ?1";
/* Inserts only into a board that exists, in the same statement: no row back means no board. */
static const char SQL_INSERT[] =
	"INSERT INTO posts (channel_id, user_id, title, body)"
	" SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM channels WHERE id = ?1)"
	" RETURNING id";
static const char SQL_AUTHOR[] = "SELECT user_id FROM posts WHERE id = ?1";
static const char SQL_UPDATE[] =
	"UPDATE posts SET title = coalesce(?3, title), body = coalesce(?4, body),"
	" updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1 AND user_id = ?2";
static const char SQL_DELETE[] = "DELETE FROM posts WHERE id = ?1 AND (user_id = ?2 OR ?3)";

static int
post_write(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kint(w, "channel_id", sqlite3_column_int64(st, 1));
	jw_key(w, "author");
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 6));
	jw_kstring(w, "username", (const char *)sqlite3_column_text(st, 7));
	jw_kstring(w, "display_name", (const char *)sqlite3_column_text(st, 8));
	jw_end(w);
	jw_kstring(w, "title", (const char *)sqlite3_column_text(st, 2));
	jw_kstring(w, "body", (const char *)sqlite3_column_text(st, 3));
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, 4));
	jw_kstring(w, "updated_at", (const char *)sqlite3_column_text(st, 5));
	jw_end(w);
	return SQLITE_OK;
}

static int
no_post(struct request *rq, struct response *rs)
{
	return resp_error(rq, rs, 404, "not_found", NULL, "There is no such post.");
}

/* Answers with post id (read after the write committed). */
static int
post_answer(struct request *rq, struct response *rs, int64_t id, int status)
{
	sqlite3_stmt *st = db_stmt(SQL_GET);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	struct jw w;
	jw_init(&w, rq->a);
	if (rc == SQLITE_ROW)
		post_write(&w, st, rq);
	db_done(st);
	if (rc == SQLITE_DONE)
		return no_post(rq, rs);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	return resp_json(rs, status, &w);
}

int
posts_list(struct request *rq, struct response *rs)
{
	int rc = channels_exists(rq->ids[0]);
	if (rc == SQLITE_DONE)
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such board.");
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	return page_list(rq, rs, "posts", SQL_LIST, rq->ids[0], post_write);
}

static const char *const post_fields[] = { "title", "body", NULL };

int
posts_create(struct request *rq, struct response *rs)
{
	const char *title, *body;
	int status;
	if ((status = json_parse_body(rq, rs, post_fields)) != 0 ||
	    (status = json_str(rq, rs, "title", 1, 120, true, &title)) != 0 ||
	    (status = json_str(rq, rs, "body", 1, 5000, true, &body)) != 0)
		return status;
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = quota_take(rq, rs, L_POST)) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_INSERT);
	sqlite3_bind_int64(s, 1, rq->ids[0]);
	sqlite3_bind_int64(s, 2, rq->user->id);
	sqlite3_bind_text(s, 3, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, body, -1, SQLITE_STATIC);
	int64_t id = 0;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s); /* finish the RETURNING statement so the insert completes */
	}
	db_done(s);
	if (rc != SQLITE_DONE || (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (id == 0)
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such board.");
	return post_answer(rq, rs, id, 201);
}

int
posts_get(struct request *rq, struct response *rs)
{
	return post_answer(rq, rs, rq->ids[0], 200);
}

/* The post's author inside the open transaction: 0 when there is no such post. */
static int
author_of(int64_t post_id, int64_t *author)
{
	sqlite3_stmt *s = db_stmt(SQL_AUTHOR);
	sqlite3_bind_int64(s, 1, post_id);
	int rc = sqlite3_step(s);
	*author = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	db_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
posts_patch(struct request *rq, struct response *rs)
{
	const char *title, *body;
	int status;
	if ((status = json_parse_body(rq, rs, post_fields)) != 0 ||
	    (status = json_str(rq, rs, "title", 1, 120, false, &title)) != 0 ||
	    (status = json_str(rq, rs, "body", 1, 5000, false, &body)) != 0)
		return status;
	int64_t id = rq->ids[0], author;
	int rc;
	if ((rc = db_begin()) != SQLITE_OK || (rc = author_of(id, &author)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (author != rq->user->id) {
		db_rollback();
		if (author == 0)
			return no_post(rq, rs);
		return resp_error(rq, rs, 403, "forbidden", NULL, "Only the author may edit a post.");
	}
	if ((rc = db_exec(SQL_UPDATE, "iitt", id, rq->user->id, title, body)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return post_answer(rq, rs, id, 200);
}

int
posts_delete(struct request *rq, struct response *rs)
{
	int64_t id = rq->ids[0], author;
	bool admin = strcmp(rq->user->role, "admin") == 0;
	int rc;
	if ((rc = db_begin()) != SQLITE_OK || (rc = author_of(id, &author)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (author == 0 || (author != rq->user->id && !admin)) {
		db_rollback();
		if (author == 0)
			return no_post(rq, rs);
		return resp_error(rq, rs, 403, "forbidden", NULL,
				  "Only the author or an admin may delete a post.");
	}
	if ((rc = db_exec(SQL_DELETE, "iii", id, rq->user->id, (int64_t)admin)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return resp_empty(rs, 204);
}
