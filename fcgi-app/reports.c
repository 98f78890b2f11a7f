/* reports.c: a reader reports a review; an admin works through the open reports oldest first and
 * hides or unhides reviews. Every moderation decision is written to moderation_log and closes the
 * review's open reports. */
#include "reports.h"

#include <string.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "db.h"
#include "json.h"
#include "page.h"
#include "reviews.h"
#include "util.h"

static const char SQL_REPORT[] =
	"INSERT INTO reports (review_id, user_id, reason, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
	" RETURNING id";
static const char SQL_QUEUE[] =
	"SELECT rp.id, rp.reason, rp.note, rp.created_at, ru.id, ru.username, " REVIEW_COLUMNS
	"  FROM reports rp JOIN users ru ON ru.id = rp.user_id JOIN ratings r ON r.id = rp.review_id"
	"  JOIN users u ON u.id = r.user_id"
	" WHERE rp.resolved_at IS NULL AND rp.id > ?1 ORDER BY rp.id LIMIT ?2";
static const char SQL_HIDE[] =
	"UPDATE ratings SET hidden = ?2 WHERE id = ?1";
static const char SQL_RESOLVE[] =
	"UPDATE reports SET resolved_at = ?2 WHERE review_id = ?1 AND resolved_at IS NULL";
static const char SQL_LOG[] =
	"INSERT INTO moderation_log (review_id, admin_id, action, reason, created_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";

static const char *const reasons[] = { "spam", "offensive", "off_topic", "other", NULL };

int
reports_create(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "reason", "note", NULL };
	const char *reason, *note;
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_str(rq, rs, "reason", 1, 16, true, &reason)) != 0 ||
	    (status = json_text(rq, rs, "note", 500, false, true, &note)) != 0)
		return status;
	bool known = false;
	for (int i = 0; reasons[i]; i++)
		known = known || strcmp(reason, reasons[i]) == 0;
	if (!known)
		return resp_error(rq, rs, 400, "invalid_field", "reason",
				  "reason must be spam, offensive, off_topic or other.");

	const char *now = iso_time(rq->a, time(NULL));
	struct review_ref ref;
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = reviews_find(rq, rs, rq->ids[0], &ref)) != 0)
		return status;
	if (ref.author_id == rq->user->id) {
		db_rollback();
		return resp_error(rq, rs, 403, "own_review", NULL, "You cannot report your own review.");
	}
	if ((status = quota_take(rq, rs, L_REPORT)) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_REPORT);
	sqlite3_bind_int64(s, 1, ref.id);
	sqlite3_bind_int64(s, 2, rq->user->id);
	sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
	int64_t id = 0;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s);
	}
	db_done(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		db_rollback();
		return resp_error(rq, rs, 409, "already_reported", NULL,
				  "You have already reported this review; moderators will look at it.");
	}
	if (rc != SQLITE_DONE || (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_kint(&w, "id", id);
	jw_kint(&w, "review_id", ref.id);
	jw_kstring(&w, "reason", reason);
	jw_kstring(&w, "note", note);
	jw_kstring(&w, "created_at", now);
	jw_end(&w);
	return resp_json(rs, 201, &w);
}

static int
admins_only(struct request *rq, struct response *rs)
{
	return auth_is_admin(rq) ? 0 : resp_error(rq, rs, 403, "forbidden", NULL, "Only moderators can do this.");
}

/* An open report, with who sent it and the review (review columns from 6). */
static int
report_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kstring(w, "reason", (const char *)sqlite3_column_text(st, 1));
	jw_kstring(w, "note", (const char *)sqlite3_column_text(st, 2));
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, 3));
	jw_key(w, "reporter");
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 4));
	jw_kstring(w, "username", (const char *)sqlite3_column_text(st, 5));
	jw_end(w);
	jw_key(w, "review");
	reviews_write(w, st, 6, SHOW_HIDDEN_ALWAYS);
	jw_end(w);
	return SQLITE_OK;
}

int
reports_queue(struct request *rq, struct response *rs)
{
	struct page pg;
	int status;
	if ((status = admins_only(rq, rs)) != 0 ||
	    (status = page_read(rq, rs, "reports", &pg)) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_QUEUE); /* oldest first: the page starts after the cursor's id */
	sqlite3_bind_int64(s, 1, pg.id);
	sqlite3_bind_int64(s, 2, pg.limit + 1);
	return page_answer(rq, rs, s, "reports", -1, &pg, report_item);
}

int
reports_moderate(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "hidden", "reason", NULL };
	const char *reason;
	bool hidden;
	int status;
	if ((status = admins_only(rq, rs)) != 0 ||
	    (status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_bool(rq, rs, "hidden", true, &hidden, NULL)) != 0 ||
	    (status = json_text(rq, rs, "reason", 500, true, true, &reason)) != 0)
		return status;

	const char *now = iso_time(rq->a, time(NULL));
	struct review_ref ref;
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = reviews_find(rq, rs, rq->ids[0], &ref)) != 0)
		return status;
	/* Every decision is logged, a "keep it visible" one too: it closes the open reports. */
	if ((rc = db_exec(SQL_HIDE, "ii", ref.id, (int64_t)hidden)) != SQLITE_OK ||
	    (rc = db_exec(SQL_RESOLVE, "it", ref.id, now)) != SQLITE_OK ||
	    (rc = db_exec(SQL_LOG, "iittt", ref.id, rq->user->id, hidden ? "hide" : "unhide", reason,
			  now)) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	if ((status = reviews_answer(rq, rs, 200, ref.id, SHOW_HIDDEN_ALWAYS)) != 200)
		return status;
	return (rc = db_commit()) == SQLITE_OK ? 200 : db_fail(rq, rs, rc);
}
