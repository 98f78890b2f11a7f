/* chat.c: the ranger chat: a camper's conversations and the Gemini call behind each message.
 * The camper's message is committed before the upstream call and the reply after it; nothing is
 * locked while the call waits. */
#include "chat.h"

#include <string.h>
#include <time.h>

#include "body.h"
#include "config.h"
#include "db.h"
#include "gemini.h"
#include "json.h"
#include "page.h"
#include "util.h"

#define RATE_WINDOW   (10 * 60)          /* seconds: chat_rate_limit messages per window per user */
#define HISTORY       20                 /* messages sent upstream, the new one included */
#define CALLS_KEPT    (2 * 24 * 3600)    /* the call ledger only needs today and the window */
#define DEFAULT_TITLE "New conversation"

static const char SQL_INSERT_CONV[] =
	"INSERT INTO conversations (user_id, title) VALUES (?1, ?2)"
	" RETURNING id, title, created_at, updated_at";
static const char SQL_COUNT_CONVS[] = "SELECT count(*) FROM conversations WHERE user_id = ?1";
static const char SQL_LIST[] =
	"SELECT id, title, created_at, updated_at FROM conversations WHERE user_id = ?1"
	" AND (?2 IS NULL OR (updated_at, id) < (?2, ?3))"
	" ORDER BY updated_at DESC, id DESC LIMIT ?4";
static const char SQL_GET_CONV[] =
	"SELECT id, title, created_at, updated_at FROM conversations WHERE id = ?1 AND user_id = ?2";
static const char SQL_MESSAGES[] =
	"SELECT id, role, text, created_at FROM chat_messages WHERE conversation_id = ?1 ORDER BY id";
static const char SQL_DELETE_CONV[] =
	"DELETE FROM conversations WHERE id = ?1 AND user_id = ?2";
static const char SQL_OWNED[] =
	"SELECT 1 FROM conversations WHERE id = ?1 AND user_id = ?2";
static const char SQL_USER_CALLS[] =
	"SELECT count(*), min(called_at) FROM chat_calls WHERE user_id = ?1 AND called_at > ?2";
static const char SQL_ALL_CALLS[] =
	"SELECT count(*) FROM chat_calls WHERE called_at >= ?1";
static const char SQL_INSERT_MSG[] =
	"INSERT INTO chat_messages (conversation_id, role, text) VALUES (?1, ?2, ?3)"
	" RETURNING id, created_at";
static const char SQL_ADD_CALL[] =
	"INSERT INTO chat_calls (user_id, called_at) VALUES (?1, ?2)";
static const char SQL_INFLIGHT[] =
	"SELECT 1 FROM chat_inflight WHERE user_id = ?1 AND started_at > ?2";
static const char SQL_INFLIGHT_SET[] =
	"INSERT OR REPLACE INTO chat_inflight (user_id, started_at) VALUES (?1, ?2)";
static const char SQL_INFLIGHT_END[] =
	"DELETE FROM chat_inflight WHERE user_id = ?1";
static const char SQL_PURGE_CALLS[] =
	"DELETE FROM chat_calls WHERE called_at < ?1";
static const char SQL_TOUCH_CONV[] =
	"UPDATE conversations SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1";
/* The conversation's last message: a camper's message left without a reply, sent again with the
 * same text, is that message retried, not a second copy. */
static const char SQL_LAST_MSG[] =
	"SELECT id, role, text, created_at FROM chat_messages WHERE conversation_id = ?1"
	" ORDER BY id DESC LIMIT 1";
/* The last HISTORY messages, oldest first. */
static const char SQL_HISTORY[] =
	"SELECT role, text FROM (SELECT id, role, text FROM chat_messages WHERE conversation_id = ?1"
	" ORDER BY id DESC LIMIT ?2) ORDER BY id";

struct message {
	int64_t id;
	const char *role, *text, *created_at;
};

static int
unavailable(struct request *rq, struct response *rs)
{
	return resp_error(rq, rs, 503, "chat_unavailable", NULL,
			  "The ranger chat is not available right now. Please try again later.");
}

static int
not_found(struct request *rq, struct response *rs)
{
	return resp_error(rq, rs, 404, "not_found", NULL, "There is no such conversation.");
}

/* Writes a conversation's fields (columns id, title, created_at, updated_at) into an open object. */
static void
conv_fields(struct jw *w, sqlite3_stmt *st)
{
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kstring(w, "title", (const char *)sqlite3_column_text(st, 1));
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, 2));
	jw_kstring(w, "updated_at", (const char *)sqlite3_column_text(st, 3));
}

static void
message_write(struct jw *w, const struct message *m)
{
	jw_object(w);
	jw_kint(w, "id", m->id);
	jw_kstring(w, "role", m->role);
	jw_kstring(w, "text", m->text);
	jw_kstring(w, "created_at", m->created_at);
	jw_end(w);
}

int
chat_create(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "title", NULL };
	const char *title = NULL;
	int status;
	if (gemini_call == NULL)
		return unavailable(rq, rs);
	/* {title?}: an empty body is a conversation with the default title. */
	if (rq->content_length > 0 &&
	    ((status = json_parse_body(rq, rs, fields)) != 0 ||
	     (status = json_text(rq, rs, "title", 120, false, false, &title)) != 0))
		return status;

	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = quota_take(rq, rs, L_CONVERSATION)) != 0 ||
	    (status = cap_check(rq, rs, SQL_COUNT_CONVS, config.max_conversations, arena_printf(rq->a,
			"You have %d conversations, the most one account keeps. Delete one to start "
			"another.", config.max_conversations))) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_INSERT_CONV);
	sqlite3_bind_int64(s, 1, rq->user->id);
	sqlite3_bind_text(s, 2, title ? title : DEFAULT_TITLE, -1, SQLITE_STATIC);
	struct jw w;
	jw_init(&w, rq->a);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		jw_object(&w);
		conv_fields(&w, s);
		jw_end(&w);
		rc = sqlite3_step(s); /* finish the RETURNING statement so the insert completes */
	}
	db_done(s);
	if (rc != SQLITE_DONE || (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return resp_json(rs, 201, &w);
}

static int
conv_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	jw_object(w);
	conv_fields(w, st);
	jw_end(w);
	return SQLITE_OK;
}

int
chat_list(struct request *rq, struct response *rs)
{
	if (gemini_call == NULL)
		return unavailable(rq, rs);
	struct page pg;
	int status = page_read(rq, rs, "conversations", &pg);
	if (status != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_LIST); /* most recently active first: (updated_at, id) */
	sqlite3_bind_int64(s, 1, rq->user->id);
	if (pg.key != NULL) {
		sqlite3_bind_text(s, 2, pg.key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, pg.id);
	}
	sqlite3_bind_int64(s, 4, pg.limit + 1);
	return page_answer(rq, rs, s, "conversations", 3, &pg, conv_item);
}

int
chat_get(struct request *rq, struct response *rs)
{
	if (gemini_call == NULL)
		return unavailable(rq, rs);
	struct jw w;
	jw_init(&w, rq->a);
	sqlite3_stmt *st = db_stmt(SQL_GET_CONV);
	sqlite3_bind_int64(st, 1, rq->ids[0]);
	sqlite3_bind_int64(st, 2, rq->user->id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		jw_object(&w);
		conv_fields(&w, st);
	}
	db_done(st);
	if (rc == SQLITE_DONE)
		return not_found(rq, rs);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);

	jw_key(&w, "messages");
	jw_array(&w);
	st = db_stmt(SQL_MESSAGES);
	sqlite3_bind_int64(st, 1, rq->ids[0]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct message m = {
			.id = sqlite3_column_int64(st, 0),
			.role = (const char *)sqlite3_column_text(st, 1),
			.text = (const char *)sqlite3_column_text(st, 2),
			.created_at = (const char *)sqlite3_column_text(st, 3),
		};
		message_write(&w, &m);
	}
	db_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	jw_end(&w);
	jw_end(&w);
	return resp_json(rs, 200, &w);
}

int
chat_delete(struct request *rq, struct response *rs)
{
	if (gemini_call == NULL)
		return unavailable(rq, rs);
	int rc;
	if ((rc = db_begin()) != SQLITE_OK ||
	    (rc = db_exec(SQL_DELETE_CONV, "ii", rq->ids[0], rq->user->id)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	bool gone = sqlite3_changes(db) == 1;
	if ((rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return gone ? resp_empty(rs, 204) : not_found(rq, rs);
}

/* Inside the caller's transaction: true, with m->id and m->created_at filled, when the
 * conversation ends with this camper's message unanswered (a retry after a failed call). */
static bool
unanswered(struct arena *a, int64_t conv, struct message *m, int *rc)
{
	sqlite3_stmt *st = db_stmt(SQL_LAST_MSG);
	sqlite3_bind_int64(st, 1, conv);
	bool same = false;
	if ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
		*rc = SQLITE_OK;
		same = strcmp((const char *)sqlite3_column_text(st, 1), "user") == 0 &&
		       strcmp((const char *)sqlite3_column_text(st, 2), m->text) == 0;
		if (same) {
			m->id = sqlite3_column_int64(st, 0);
			m->created_at = db_text(a, st, 3);
		}
	} else if (*rc == SQLITE_DONE) {
		*rc = SQLITE_OK;
	}
	db_done(st);
	return same;
}

/* Inserts one message inside the caller's transaction; fills m->id and m->created_at. */
static int
insert_message(struct arena *a, int64_t conv, struct message *m)
{
	sqlite3_stmt *st = db_stmt(SQL_INSERT_MSG);
	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_text(st, 2, m->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->text, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		m->id = sqlite3_column_int64(st, 0);
		m->created_at = db_text(a, st, 1);
		rc = sqlite3_step(st); /* finish the RETURNING statement so the insert completes */
	}
	db_done(st);
	return rc == SQLITE_DONE ? db_exec(SQL_TOUCH_CONV, "i", conv) : rc;
}

/* The per-user limit and the daily cap, inside the write transaction that records the call, so
 * concurrent requests cannot both pass. 0 when the call may go ahead; else the status written. */
static int
check_limits(struct request *rq, struct response *rs, time_t now)
{
	sqlite3_stmt *st = db_stmt(SQL_USER_CALLS);
	sqlite3_bind_int64(st, 1, rq->user->id);
	sqlite3_bind_int64(st, 2, (int64_t)now - RATE_WINDOW);
	int rc = sqlite3_step(st);
	int64_t count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int64_t oldest = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	db_done(st);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	if (count >= config.chat_rate_limit) {
		db_rollback();
		int64_t wait = oldest + RATE_WINDOW - (int64_t)now;
		resp_header(rs, "Retry-After", arena_printf(rq->a, "%lld", (long long)(wait < 1 ? 1 : wait)));
		return resp_error(rq, rs, 429, "rate_limited", NULL, arena_printf(rq->a,
				  "You have sent %d messages in 10 minutes; please wait a little.",
				  config.chat_rate_limit));
	}
	if (config.chat_daily_cap <= 0)
		return 0;
	int64_t midnight = (int64_t)now - (int64_t)now % 86400; /* UTC: unix days are UTC days */
	st = db_stmt(SQL_ALL_CALLS);
	sqlite3_bind_int64(st, 1, midnight);
	rc = sqlite3_step(st);
	count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	if (count < config.chat_daily_cap)
		return 0;
	db_rollback();
	resp_header(rs, "Retry-After", arena_printf(rq->a, "%lld", (long long)(midnight + 86400 - now)));
	return resp_error(rq, rs, 503, "chat_unavailable", NULL,
			  "The ranger has answered all the questions it can for today. Please come back "
			  "tomorrow.");
}

/* At most one upstream call in flight per camper, so one account cannot hold every chat worker:
 * inside the transaction that records the call, a second one answers 429 at once. A row older than
 * the upstream's longest wait was left by a killed worker and no longer counts. */
static int
one_in_flight(struct request *rq, struct response *rs, time_t now)
{
	int64_t stale = (int64_t)now - (config.gemini_connect_timeout_ms + config.gemini_timeout_ms) / 1000 - 5;
	sqlite3_stmt *st = db_stmt(SQL_INFLIGHT);
	sqlite3_bind_int64(st, 1, rq->user->id);
	sqlite3_bind_int64(st, 2, stale);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_ROW) {
		db_rollback();
		return resp_retry_later(rq, rs, "rate_limited",
					"The ranger is still answering your last message. Please wait for it.", 5);
	}
	if (rc != SQLITE_DONE || (rc = db_exec(SQL_INFLIGHT_SET, "ii", rq->user->id, (int64_t)now)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return 0;
}

/* After a failed call: the camper may send again. A failure here leaves a row that goes stale. */
static void
call_ended(int64_t user)
{
	if (db_begin() == SQLITE_OK &&
	    (db_exec(SQL_INFLIGHT_END, "i", user) != SQLITE_OK || db_commit() != SQLITE_OK))
		db_rollback();
}

/* The conversation's last HISTORY messages, oldest first, as turns the API accepts: a camper's
 * message with no reply after it (a failed call) is left out, and the turns start with the camper. */
static int
load_history(struct arena *a, int64_t conv, struct gemini_turn *turns, size_t *n)
{
	sqlite3_stmt *st = db_stmt(SQL_HISTORY);
	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_int64(st, 2, HISTORY);
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < HISTORY) {
		const char *role = strcmp((const char *)sqlite3_column_text(st, 0), "model") == 0 ? "model" : "user";
		if (*n == 0 && role[0] == 'm')
			continue;
		if (*n > 0 && role[0] == 'u' && turns[*n - 1].role[0] == 'u')
			(*n)--; /* the earlier one was never answered */
		turns[*n].role = role;
		turns[(*n)++].text = db_text(a, st, 1);
	}
	db_done(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
chat_send(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "text", NULL };
	if (gemini_call == NULL)
		return unavailable(rq, rs);
	const char *text;
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_str(rq, rs, "text", 1, 2000, true, &text)) != 0)
		return status;
	int64_t conv = rq->ids[0];

	/* 1. The camper's message and the call's ledger row, committed before the call. */
	time_t now = time(NULL);
	struct message mine = { .role = "user", .text = text };
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	sqlite3_stmt *s = db_stmt(SQL_OWNED);
	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, rq->user->id);
	rc = sqlite3_step(s);
	db_done(s);
	if (rc == SQLITE_DONE) {
		db_rollback();
		return not_found(rq, rs);
	}
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	if ((status = check_limits(rq, rs, now)) != 0 || (status = one_in_flight(rq, rs, now)) != 0)
		return status;
	bool retry = unanswered(rq->a, conv, &mine, &rc);
	if (rc != SQLITE_OK || (!retry && (rc = insert_message(rq->a, conv, &mine)) != SQLITE_OK) ||
	    (rc = db_exec(SQL_ADD_CALL, "ii", rq->user->id, (int64_t)now)) != SQLITE_OK ||
	    (rc = db_exec(SQL_PURGE_CALLS, "i", (int64_t)now - CALLS_KEPT)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	/* 2. The call, with no transaction open. */
	struct gemini_turn turns[HISTORY];
	size_t n;
	if ((rc = load_history(rq->a, conv, turns, &n)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	struct message reply = { .role = "model" };
	switch (gemini_call(rq->a, turns, n, &reply.text)) {
	case GEMINI_OK:
	case GEMINI_BLOCKED:
		break;
	case GEMINI_TIMEOUT:
		call_ended(rq->user->id);
		return resp_error(rq, rs, 504, "upstream_timeout", NULL,
				  "The ranger took too long to answer. Your message is saved; please try again.");
	case GEMINI_ERROR:
	default:
		call_ended(rq->user->id);
		return resp_error(rq, rs, 502, "upstream_error", NULL,
				  "The ranger could not answer just now. Your message is saved; please try again.");
	}

	/* 3. The reply. The conversation may have been deleted meanwhile: then there is nothing to
	 * add it to. */
	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	rc = insert_message(rq->a, conv, &reply);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
		db_rollback();
		call_ended(rq->user->id);
		return not_found(rq, rs);
	}
	if (rc == SQLITE_OK)
		rc = db_exec(SQL_INFLIGHT_END, "i", rq->user->id);
	if (rc != SQLITE_OK || (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "message");
	message_write(&w, &mine);
	jw_key(&w, "reply");
	message_write(&w, &reply);
	jw_end(&w);
	return resp_json(rs, 201, &w);
}
