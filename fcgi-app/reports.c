/* reports.c: a reader reports a review; an admin works through the open reports oldest first and
 * hides or unhides reviews. Every moderation decision is written to moderation_log and closes the
 * review's open reports; hiding also holds the author's later reviews of the park hidden until a
 * moderator unhides one (schema/011_moderation.sql). Hidden reviews and closed reports are listed,
 * newest first, so a decision can be found again and undone. */
#include "reports.h"

#include <string.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "db.h"
#include "json.h"
#include "page.h"
#include "photos.h"
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
/* The decision behind a review: its latest moderation_log entry and who made it (NULL: the
 * hold, not a person). Five columns, joined as "m" and "a". */
#define DECISION_COLUMNS "m.action, m.reason, m.created_at, a.id, a.username"
#define DECISION_JOIN                                                                        \
	" LEFT JOIN moderation_log m ON m.id = (SELECT max(id) FROM moderation_log"          \
	"                                       WHERE review_id = r.id)"                      \
	" LEFT JOIN users a ON a.id = m.admin_id"
/* Closed reports, newest first (review columns from 6, then resolved_at and the decision). */
static const char SQL_CLOSED[] =
	"SELECT rp.id, rp.reason, rp.note, rp.created_at, ru.id, ru.username, " REVIEW_COLUMNS
	", rp.resolved_at, " DECISION_COLUMNS
	"  FROM reports rp JOIN users ru ON ru.id = rp.user_id JOIN ratings r ON r.id = rp.review_id"
	"  JOIN users u ON u.id = r.user_id" DECISION_JOIN
	" WHERE rp.resolved_at IS NOT NULL AND rp.id < ?1 ORDER BY rp.id DESC LIMIT ?2";
/* Hidden reviews, newest first (?1 = 1: the partial index's condition). */
static const char SQL_HIDDEN[] =
	"SELECT " REVIEW_COLUMNS ", " DECISION_COLUMNS REVIEW_FROM DECISION_JOIN
	" WHERE r.hidden = ?1 AND r.title IS NOT NULL AND r.id < ?2 ORDER BY r.id DESC LIMIT ?3";
static const char SQL_HIDE[] =
	"UPDATE ratings SET hidden = ?2 WHERE id = ?1";
static const char SQL_RESOLVE[] =
	"UPDATE reports SET resolved_at = ?2 WHERE review_id = ?1 AND resolved_at IS NULL";
static const char SQL_LOG[] =
	"INSERT INTO moderation_log (review_id, admin_id, action, reason, created_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";

static const char SQL_HOLD[] =
	"INSERT OR REPLACE INTO moderation_holds (user_id, park_id, review_id, created_at)"
	" VALUES (?1, ?2, ?3, ?4)";
static const char SQL_UNHOLD[] =
	"DELETE FROM moderation_holds WHERE user_id = ?1 AND park_id = ?2";

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

/* A person as {"id","username"} from columns col and col + 1. */
static void
person_write(struct jw *w, sqlite3_stmt *st, int col)
{
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, col));
	jw_kstring(w, "username", (const char *)sqlite3_column_text(st, col + 1));
	jw_end(w);
}

/* What every report shows, open or closed: its id, reason, note and time, who sent it (columns
 * 0-5) and the review (columns from 6). */
static void
report_members(struct jw *w, sqlite3_stmt *st)
{
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kstring(w, "reason", (const char *)sqlite3_column_text(st, 1));
	jw_kstring(w, "note", (const char *)sqlite3_column_text(st, 2));
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, 3));
	jw_key(w, "reporter");
	person_write(w, st, 4);
	jw_key(w, "review");
	reviews_write(w, st, 6, SHOW_HIDDEN_ALWAYS);
}

/* An open report. */
static int
report_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	jw_object(w);
	report_members(w, st);
	/* The review's photos come with it, hidden ones too: a report may be about a photo. */
	int rc = photos_review_write(w, sqlite3_column_int64(st, 6));
	jw_end(w);
	return rc;
}

/* The decision from column col (DECISION_COLUMNS), or null when none was logged. */
static void
decision_write(struct jw *w, sqlite3_stmt *st, int col)
{
	jw_key(w, "decision");
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		jw_null(w);
		return;
	}
	jw_object(w);
	jw_kstring(w, "action", (const char *)sqlite3_column_text(st, col));
	jw_kstring(w, "reason", (const char *)sqlite3_column_text(st, col + 1));
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, col + 2));
	jw_key(w, "admin");
	if (sqlite3_column_type(st, col + 3) == SQLITE_NULL)
		jw_null(w);
	else
		person_write(w, st, col + 3);
	jw_end(w);
}

/* A closed report: an open one's members, when it closed and the review's latest decision. */
static int
closed_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	jw_object(w);
	report_members(w, st);
	jw_kstring(w, "resolved_at", (const char *)sqlite3_column_text(st, 6 + REVIEW_COLUMN_COUNT));
	decision_write(w, st, 6 + REVIEW_COLUMN_COUNT + 1);
	jw_end(w);
	return SQLITE_OK;
}

/* The query parameter NAME of an admin's request (NULL when absent), or the status that refuses
 * the request: not an admin, or a bad %-escape. */
static int
admin_param(struct request *rq, struct response *rs, const char *name, const char **value)
{
	int status = admins_only(rq, rs);
	if (status != 0)
		return status;
	bool bad = false;
	*value = query_get(rq, name, &bad);
	return bad ? resp_error(rq, rs, 400, "invalid_field", NULL, "The query string has a bad %-escape.") : 0;
}

/* GET /api/admin/reports[?status=open|closed]: open reports oldest first (the queue), or closed
 * ones newest first (to find a decision again). */
int
reports_queue(struct request *rq, struct response *rs)
{
	const char *which;
	int status = admin_param(rq, rs, "status", &which);
	if (status != 0)
		return status;
	bool closed = which != NULL && strcmp(which, "closed") == 0;
	if (which != NULL && !closed && strcmp(which, "open") != 0)
		return resp_error(rq, rs, 400, "invalid_field", "status", "status must be open or closed.");
	struct page pg;
	if ((status = page_read(rq, rs, closed ? "closed" : "reports", &pg)) != 0)
		return status;
	if (closed) {
		sqlite3_stmt *s = db_stmt(SQL_CLOSED);
		sqlite3_bind_int64(s, 1, page_before(&pg));
		sqlite3_bind_int64(s, 2, pg.limit + 1);
		return page_answer(rq, rs, s, "closed", -1, &pg, closed_item);
	}
	sqlite3_stmt *s = db_stmt(SQL_QUEUE); /* oldest first: the page starts after the cursor's id */
	sqlite3_bind_int64(s, 1, pg.id);
	sqlite3_bind_int64(s, 2, pg.limit + 1);
	return page_answer(rq, rs, s, "reports", -1, &pg, report_item);
}

/* A hidden review with its latest decision. */
static int
hidden_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	jw_object(w);
	jw_key(w, "review");
	reviews_write(w, st, 0, SHOW_HIDDEN_ALWAYS);
	decision_write(w, st, REVIEW_COLUMN_COUNT);
	jw_end(w);
	return SQLITE_OK;
}

/* GET /api/admin/reviews?hidden=1: the hidden reviews, newest first. */
int
reports_hidden(struct request *rq, struct response *rs)
{
	const char *hidden;
	int status = admin_param(rq, rs, "hidden", &hidden);
	if (status != 0)
		return status;
	if (hidden == NULL || strcmp(hidden, "1") != 0)
		return resp_error(rq, rs, 400, "invalid_field", "hidden",
				  "hidden must be 1: this list holds the hidden reviews.");
	return page_list(rq, rs, "hidden", SQL_HIDDEN, 1, hidden_item);
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
	/* Every decision is logged, a "keep it visible" one too: it closes the open reports. Hiding
	 * holds the author's reviews of the park hidden across delete and re-post; unhiding lifts it. */
	if ((rc = db_exec(SQL_HIDE, "ii", ref.id, (int64_t)hidden)) != SQLITE_OK ||
	    (rc = hidden ? db_exec(SQL_HOLD, "iiit", ref.author_id, ref.park_id, ref.id, now)
			 : db_exec(SQL_UNHOLD, "ii", ref.author_id, ref.park_id)) != SQLITE_OK ||
	    (rc = db_exec(SQL_RESOLVE, "it", ref.id, now)) != SQLITE_OK ||
	    (rc = db_exec(SQL_LOG, "iittt", ref.id, rq->user->id, hidden ? "hide" : "unhide", reason,
			  now)) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	if ((status = reviews_answer(rq, rs, 200, ref.id, SHOW_HIDDEN_ALWAYS)) != 200)
		return status;
	return (rc = db_commit()) == SQLITE_OK ? 200 : db_fail(rq, rs, rc);
}
