/* test_chat.c: the chat handlers in-process, with a stub in place of the Gemini client: what is
 * stored around a call, the history sent, limits, the daily cap, chat off, and account deletion. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "gemini.h"
#include "harness.h"

static struct gemini_turn seen[32];
static size_t nseen;
static int calls;
static int fail_next; /* the next call fails whatever the text */

/* Answers by the first word of the newest message: "fail", "slow", "block", or an echo. */
static enum gemini_result
stub(struct arena *a, const struct gemini_turn *turns, size_t n, const char **reply)
{
	calls++;
	nseen = n;
	for (size_t i = 0; i < n && i < 32; i++) {
		seen[i].role = arena_strdup(a, turns[i].role);
		seen[i].text = arena_strdup(a, turns[i].text);
	}
	const char *last = turns[n - 1].text;
	*reply = NULL;
	if (fail_next) {
		fail_next = 0;
		return GEMINI_ERROR;
	}
	if (strncmp(last, "fail", 4) == 0)
		return GEMINI_ERROR;
	if (strncmp(last, "slow", 4) == 0)
		return GEMINI_TIMEOUT;
	if (strncmp(last, "block", 5) == 0) {
		*reply = GEMINI_REFUSAL;
		return GEMINI_BLOCKED;
	}
	*reply = arena_printf(a, "echo %s", last);
	return GEMINI_OK;
}

/* One integer from a query with one bound id. */
static long long
scalar(const char *sql, long long id)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

static struct reply
say(const char *auth, long long conv, const char *text)
{
	char path[96], body[256];
	snprintf(path, sizeof(path), "/api/chat/conversations/%lld/messages", conv);
	snprintf(body, sizeof(body), "{\"text\":\"%s\"}", text);
	return call("POST", path, body, "Authorization", auth, NULL);
}

static long long
conversation(const char *auth)
{
	struct reply r = call("POST", "/api/chat/conversations", "{\"title\":\"Trip\"}", "Authorization", auth, NULL);
	return r.status == 201 ? (long long)jget(r.json, "id")->valuedouble : 0;
}

int
main(void)
{
	harness_setup();
	gemini_call = stub;
	char a[600], b[600], c[600];
	snprintf(a, sizeof(a), "%s", signup("chat_amy", "correct horse battery"));
	snprintf(b, sizeof(b), "%s", signup("chat_ben", "correct horse battery"));
	snprintf(c, sizeof(c), "%s", signup("chat_cat", "correct horse battery"));
	struct reply r;

	long long conv = conversation(a);
	ok(conv > 0, "a conversation is created");
	r = say(a, conv, "hello");
	is_int(r.status, 201, "a message is answered with 201");
	is_str(jget(r.json, "reply.text")->valuestring, "echo hello", "... carrying the model's reply");
	is_str(jget(r.json, "message.role")->valuestring, "user", "... and the camper's message");
	ok(nseen == 1 && strcmp(seen[0].role, "user") == 0, "the first call carries one user turn");

	r = say(a, conv, "fail now");
	is_int(r.status, 502, "an upstream error answers 502");
	is_str(err_code(&r), "upstream_error", "... upstream_error");
	r = say(a, conv, "slow now");
	is_int(r.status, 504, "an upstream timeout answers 504");
	is_str(err_code(&r), "upstream_timeout", "... upstream_timeout");
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", conv), 4,
	       "both failed messages are stored, without replies");
	r = say(a, conv, "again");
	is_int(r.status, 201, "the next message is answered");
	ok(nseen == 3 && strcmp(seen[0].text, "hello") == 0 && strcmp(seen[1].role, "model") == 0 &&
	   strcmp(seen[2].text, "again") == 0, "the unanswered messages are left out of the history");
	r = say(a, conv, "block this");
	is_int(r.status, 201, "a blocked reply is 201");
	is_str(jget(r.json, "reply.text")->valuestring, GEMINI_REFUSAL, "... with the refusal as the reply");

	/* Retry: the same text again after a failed call answers the stored message. */
	long long conv2 = conversation(a);
	fail_next = 1;
	r = say(a, conv2, "which trail");
	is_int(r.status, 502, "a failed call answers 502 ...");
	long long first = scalar("SELECT max(id) FROM chat_messages WHERE conversation_id = ?1", conv2);
	int calls_then = calls;
	r = say(a, conv2, "which trail");
	is_int(r.status, 201, "... and the same text sent again is answered");
	ok(calls == calls_then + 1 && (long long)jget(r.json, "message.id")->valuedouble == first,
	   "... as the stored message (id %lld), with a new call upstream", first);
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1 AND role = 'user'", conv2), 1,
	       "... which is not stored twice");
	r = say(a, conv2, "which trail");
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", conv2), 4,
	       "once answered, the same text is a new message");

	/* Ownership: in the WHERE clause. */
	r = say(b, conv, "mine now");
	is_int(r.status, 404, "another user cannot post to the conversation");
	r = call("GET", "/api/chat/conversations/1", NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "... nor read it");

	/* The per-user limit, lowered for the test. */
	config.chat_rate_limit = 3;
	long long bconv = conversation(b);
	for (int i = 0; i < 3; i++)
		say(b, bconv, "q");
	int before = calls;
	r = say(b, bconv, "one more");
	is_int(r.status, 429, "past chat_rate_limit: 429");
	is_str(err_code(&r), "rate_limited", "... rate_limited");
	const char *ra = reply_header(&r, "Retry-After");
	ok(ra && atoi(ra) >= 1 && atoi(ra) <= 600, "... with Retry-After in seconds (%s)", ra ? ra : "none");
	ok(calls == before, "... and no upstream call");
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", bconv), 6,
	       "... and nothing stored");
	config.chat_rate_limit = 20;

	/* The daily cap counts every user's calls today, retries included: amy 8, ben 3 so far. */
	config.chat_daily_cap = 12;
	long long cconv = conversation(c);
	r = say(c, cconv, "under the cap");
	is_int(r.status, 201, "under chat_daily_cap: answered");
	r = say(c, cconv, "over the cap");
	is_int(r.status, 503, "at chat_daily_cap: 503");
	is_str(err_code(&r), "chat_unavailable", "... chat_unavailable");
	ra = reply_header(&r, "Retry-After");
	ok(ra && atoi(ra) >= 1 && atoi(ra) <= 86400, "... with Retry-After until midnight UTC");
	config.chat_daily_cap = 0;

	/* Chat off: every chat route answers 503, and nothing else changes. */
	gemini_call = NULL;
	r = call("GET", "/api/chat/conversations", NULL, "Authorization", a, NULL);
	is_int(r.status, 503, "with no key, the chat routes answer 503");
	is_str(err_code(&r), "chat_unavailable", "... chat_unavailable");
	r = call("GET", "/api/parks/1", NULL, NULL);
	is_int(r.status, 200, "... and the rest of the API works");
	gemini_call = stub;

	/* Deleting a conversation deletes its messages; deleting the account deletes everything. */
	r = call("DELETE", "/api/chat/conversations/1", NULL, "Authorization", a, NULL);
	is_int(r.status, 204, "the owner deletes the conversation");
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", conv), 0,
	       "... and its messages go with it");
	long long bid = scalar("SELECT id FROM users WHERE username = 'chat_ben' AND ?1", 1);
	r = call("DELETE", "/api/users/me", "{\"password\":\"correct horse battery\"}", "Authorization", b, NULL);
	is_int(r.status, 204, "ben deletes his account");
	is_int(scalar("SELECT count(*) FROM conversations WHERE user_id = ?1", bid), 0,
	       "... and his conversations are gone");
	is_int(scalar("SELECT count(*) FROM chat_calls WHERE user_id = ?1", bid), 0, "... and his call ledger");

	/* Request paths use indexes, never a full scan. */
	sqlite3_stmt *st;
	const char *plans[] = {
		"SELECT id FROM conversations WHERE user_id = 1 ORDER BY updated_at DESC, id DESC",
		"SELECT id FROM chat_messages WHERE conversation_id = 1 ORDER BY id DESC LIMIT 20",
		"SELECT count(*) FROM chat_calls WHERE user_id = 1 AND called_at > 0",
		"SELECT count(*) FROM chat_calls WHERE called_at >= 0",
	};
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", plans[i]);
		int scan = 1;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
			scan = 0;
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *d = (const char *)sqlite3_column_text(st, 3);
				if (d && strncmp(d, "SCAN ", 5) == 0 && !strstr(d, "INDEX"))
					scan = 1;
			}
			sqlite3_finalize(st);
		}
		ok(!scan, "no full scan: %s", plans[i]);
	}

	harness_teardown();
	return tap_done();
}
