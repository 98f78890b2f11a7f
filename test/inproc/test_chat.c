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

/* Amy's first conversation, where she said hello and got an answer. */
static long long conv;

static long long
hello_conversation(void)
{
	if (conv == 0) {
		conv = conversation(bearer("chat_amy"));
		say(bearer("chat_amy"), conv, "hello");
	}
	return conv;
}

static void
test_chat_message_answered(void)
{
	const char *a = bearer("chat_amy");
	conv = conversation(a);
	ok(conv > 0, "a conversation is created");
	struct reply r = say(a, conv, "hello");
	is_int(r.status, 201, "a message is answered with 201");
	is_str(jget(r.json, "reply.text")->valuestring, "echo hello", "... carrying the model's reply");
	is_str(jget(r.json, "message.role")->valuestring, "user", "... and the camper's message");
	ok(nseen == 1 && strcmp(seen[0].role, "user") == 0, "the first call carries one user turn");
}

static void
test_chat_failed_calls_stored_but_not_sent_again(void)
{
	const char *a = bearer("chat_amy");
	long long id = hello_conversation();
	struct reply r = say(a, id, "fail now");
	is_int(r.status, 502, "an upstream error answers 502");
	is_str(err_code(&r), "upstream_error", "... upstream_error");
	r = say(a, id, "slow now");
	is_int(r.status, 504, "an upstream timeout answers 504");
	is_str(err_code(&r), "upstream_timeout", "... upstream_timeout");
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", id), 4,
	       "both failed messages are stored, without replies");
	r = say(a, id, "again");
	is_int(r.status, 201, "the next message is answered");
	ok(nseen == 3 && strcmp(seen[0].text, "hello") == 0 && strcmp(seen[1].role, "model") == 0 &&
	   strcmp(seen[2].text, "again") == 0, "the unanswered messages are left out of the history");
}

static void
test_chat_blocked_reply_is_the_refusal(void)
{
	struct reply r = say(bearer("chat_amy"), hello_conversation(), "block this");
	is_int(r.status, 201, "a blocked reply is 201");
	is_str(jget(r.json, "reply.text")->valuestring, GEMINI_REFUSAL, "... with the refusal as the reply");
}

/* The same text again after a failed call answers the stored message. */
static void
test_chat_retry_answers_stored_message(void)
{
	const char *a = bearer("chat_amy");
	long long conv2 = conversation(a);
	fail_next = 1;
	struct reply r = say(a, conv2, "which trail");
	is_int(r.status, 502, "a failed call answers 502 ...");
	long long first = scalar("SELECT max(id) FROM chat_messages WHERE conversation_id = ?1", conv2);
	int calls_then = calls;
	r = say(a, conv2, "which trail");
	is_int(r.status, 201, "... and the same text sent again is answered");
	ok(calls == calls_then + 1 && (long long)jget(r.json, "message.id")->valuedouble == first,
	   "... as the stored message (id %lld), with a new call upstream", first);
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1 AND role = 'user'", conv2), 1,
	       "... which is not stored twice");
	say(a, conv2, "which trail");
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", conv2), 4,
	       "once answered, the same text is a new message");
}

/* Ownership: in the WHERE clause. */
static void
test_chat_conversation_private_to_owner(void)
{
	const char *b = bearer("chat_ben");
	long long id = hello_conversation();
	struct reply r = say(b, id, "mine now");
	is_int(r.status, 404, "another user cannot post to the conversation");
	r = call("GET", sfmt("/api/chat/conversations/%lld", id), NULL, "Authorization", b, NULL);
	is_int(r.status, 404, "... nor read it");
}

/* The per-user limit, lowered for the test. */
static void
test_chat_rate_limit_per_user(void)
{
	const char *b = bearer("chat_ben");
	config.chat_rate_limit = 3;
	long long bconv = conversation(b);
	for (int i = 0; i < 3; i++)
		say(b, bconv, "q");
	int before = calls;
	struct reply r = say(b, bconv, "one more");
	is_int(r.status, 429, "past chat_rate_limit: 429");
	is_str(err_code(&r), "rate_limited", "... rate_limited");
	const char *ra = reply_header(&r, "Retry-After");
	ok(ra && atoi(ra) >= 1 && atoi(ra) <= 600, "... with Retry-After in seconds (%s)", ra ? ra : "none");
	ok(calls == before, "... and no upstream call");
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", bconv), 6,
	       "... and nothing stored");
	config.chat_rate_limit = 20;
}

/* The daily cap counts every user's calls today, retries included: the cap is set one above
 * the calls made so far, by any user. */
static void
test_chat_daily_cap_counts_everyone(void)
{
	const char *c = bearer("chat_cat");
	config.chat_daily_cap = (int)scalar("SELECT count(*) FROM chat_calls WHERE ?1", 1) + 1;
	long long cconv = conversation(c);
	struct reply r = say(c, cconv, "under the cap");
	is_int(r.status, 201, "under chat_daily_cap: answered");
	r = say(c, cconv, "over the cap");
	is_int(r.status, 503, "at chat_daily_cap: 503");
	is_str(err_code(&r), "chat_unavailable", "... chat_unavailable");
	const char *ra = reply_header(&r, "Retry-After");
	ok(ra && atoi(ra) >= 1 && atoi(ra) <= 86400, "... with Retry-After until midnight UTC");
	config.chat_daily_cap = 0;
}

/* Chat off: every chat route answers 503, and nothing else changes. */
static void
test_chat_off_without_key(void)
{
	gemini_call = NULL;
	struct reply r = call("GET", "/api/chat/conversations", NULL, "Authorization", bearer("chat_amy"), NULL);
	is_int(r.status, 503, "with no key, the chat routes answer 503");
	is_str(err_code(&r), "chat_unavailable", "... chat_unavailable");
	r = call("GET", "/api/parks/1", NULL, NULL);
	is_int(r.status, 200, "... and the rest of the API works");
	gemini_call = stub;
}

static void
test_chat_conversation_delete_takes_messages(void)
{
	long long id = hello_conversation();
	struct reply r = call("DELETE", sfmt("/api/chat/conversations/%lld", id), NULL,
			      "Authorization", bearer("chat_amy"), NULL);
	is_int(r.status, 204, "the owner deletes the conversation");
	conv = 0;
	is_int(scalar("SELECT count(*) FROM chat_messages WHERE conversation_id = ?1", id), 0,
	       "... and its messages go with it");
}

static void
test_account_delete_takes_conversations(void)
{
	const char *b = bearer("chat_ben");
	say(b, conversation(b), "hello");
	long long bid = scalar("SELECT id FROM users WHERE username = 'chat_ben' AND ?1", 1);
	struct reply r = call("DELETE", "/api/users/me", "{\"password\":\"" TEST_PASSWORD "\"}", "Authorization", b, NULL);
	is_int(r.status, 204, "ben deletes his account");
	is_int(scalar("SELECT count(*) FROM conversations WHERE user_id = ?1", bid), 0,
	       "... and his conversations are gone");
	is_int(scalar("SELECT count(*) FROM chat_calls WHERE user_id = ?1", bid), 0, "... and his call ledger");
}

/* Request paths use indexes, never a full scan. */
static void
test_chat_queries_use_indexes(void)
{
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
}

static const struct tap_case cases[] = {
	TAP_CASE(test_chat_message_answered),
	TAP_CASE(test_chat_failed_calls_stored_but_not_sent_again),
	TAP_CASE(test_chat_blocked_reply_is_the_refusal),
	TAP_CASE(test_chat_retry_answers_stored_message),
	TAP_CASE(test_chat_conversation_private_to_owner),
	TAP_CASE(test_chat_rate_limit_per_user),
	TAP_CASE(test_chat_daily_cap_counts_everyone),
	TAP_CASE(test_chat_off_without_key),
	TAP_CASE(test_chat_conversation_delete_takes_messages),
	TAP_CASE(test_account_delete_takes_conversations),
	TAP_CASE(test_chat_queries_use_indexes),
};

int
main(int argc, char **argv)
{
	harness_setup();
	gemini_call = stub;
	tap_run(cases, TAP_COUNT(cases), argc, argv);
	harness_teardown();
	return tap_done();
}
