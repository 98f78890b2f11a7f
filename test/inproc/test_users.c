/* test_users.c: accounts and sessions, in-process against a temporary database. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "harness.h"

static void
test_signup_creates_user_and_session(void)
{
	struct reply r = call("POST", "/api/users",
			      "{\"username\":\"Ranger_Rick\",\"display_name\":\"Rick\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 201, "sign-up answers 201");
	is_str(jget(r.json, "user.username")->valuestring, "ranger_rick", "the username is stored lower-case");
	is_str(jget(r.json, "user.role")->valuestring, "user", "a new account is a plain user");
	ok(cJSON_IsString(jget(r.json, "token")), "a token is returned");
	ok(cJSON_IsString(jget(r.json, "expires_at")), "its expiry is returned");
	const char *cookie = reply_header(&r, "Set-Cookie");
	ok(cookie && strstr(cookie, "frostbyte_session=") == cookie && strstr(cookie, "HttpOnly") &&
	   strstr(cookie, "SameSite=Lax") && strstr(cookie, "Path=/"), "a session cookie is set");
	ok(cookie && strstr(cookie, "Secure") == NULL, "over plain HTTP with cookie_secure off, no Secure flag");
	is_int(count_rows("SELECT count(*) FROM users WHERE username='ranger_rick'"), 1, "one user row exists");
	is_int(count_rows("SELECT count(*) FROM users WHERE username='ranger_rick' AND password_hash LIKE '$argon2id$%'"),
	       1, "the password is stored as an Argon2id hash");
}

static void
test_signup_taken_username_any_case(void)
{
	bearer("taken_name");
	struct reply r = call("POST", "/api/users",
			      "{\"username\":\"TAKEN_NAME\",\"display_name\":\"Other\",\"password\":\"another password\"}", NULL);
	is_int(r.status, 409, "a taken username (any case) answers 409");
	is_str(err_code(&r), "username_taken", "... username_taken");
}

static void
test_signup_refuses_bad_fields(void)
{
	static const struct { const char *body, *code, *field, *name; } bad[] = {
		{ "{\"username\":\"ab\",\"display_name\":\"A\",\"password\":\"0123456789\"}", "invalid_field", "username", "a 2-character username" },
		{ "{\"username\":\"a b c\",\"display_name\":\"A\",\"password\":\"0123456789\"}", "invalid_field", "username", "a username with spaces" },
		{ "{\"username\":\"caf\xc3\xa9\",\"display_name\":\"A\",\"password\":\"0123456789\"}", "invalid_field", "username", "a non-ASCII username" },
		{ "{\"username\":\"abcdefghijklmnopqrstuvwxyz0123456\",\"display_name\":\"A\",\"password\":\"0123456789\"}", "invalid_field", "username", "a 33-character username" },
		{ "{\"username\":\"abc\",\"display_name\":\"\",\"password\":\"0123456789\"}", "invalid_field", "display_name", "an empty display name" },
		{ "{\"username\":\"abc\",\"display_name\":\"a\\nb\",\"password\":\"0123456789\"}", "invalid_field", "display_name", "a display name with a newline" },
		{ "{\"username\":\"abc\",\"display_name\":\"A\",\"password\":\"012345678\"}", "invalid_field", "password", "a 9-character password" },
		{ "{\"username\":\"abc\",\"display_name\":\"A\"}", "missing_field", "password", "a missing password" },
		{ "{\"username\":5,\"display_name\":\"A\",\"password\":\"0123456789\"}", "invalid_field", "username", "a numeric username" },
		{ "{\"username\":\"abc\",\"display_name\":\"A\",\"password\":\"0123456789\",\"role\":\"admin\"}", "unknown_field", "role", "a role in the body" },
	};
	long long users = count_rows("SELECT count(*) FROM users");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reply r = call("POST", "/api/users", bad[i].body, NULL);
		ok(r.status == 400 && strcmp(err_code(&r), bad[i].code) == 0 && err_field(&r) &&
		   strcmp(err_field(&r), bad[i].field) == 0, "sign-up refuses %s (%s, %s)", bad[i].name,
		   bad[i].code, bad[i].field);
	}
	is_int(count_rows("SELECT count(*) FROM users"), users, "no refused sign-up wrote a row");
}

static void
test_signup_over_https_sets_secure_cookie(void)
{
	struct reply r = call("POST", "/api/users",
			      "{\"username\":\"tls_user\",\"display_name\":\"T\",\"password\":\"correct horse battery\"}",
			      "HTTPS", "on", NULL);
	const char *cookie = reply_header(&r, "Set-Cookie");
	ok(r.status == 201 && cookie && strstr(cookie, "; Secure"), "over HTTPS the session cookie is Secure");
	sqlite3_exec(db, "DELETE FROM users WHERE username = 'tls_user'", NULL, NULL, NULL);
}

/* A new session of `username` (signed up by bearer()), as a bearer header value. */
static const char *
signin(const char *username)
{
	static char out[4][1024];
	static int next;
	struct reply r = call("POST", "/api/session",
			      sfmt("{\"username\":\"%s\",\"password\":\"%s\"}", username, TEST_PASSWORD), NULL);
	cJSON *t = jget(r.json, "token");
	snprintf(out[next % 4], sizeof(out[0]), "Bearer %s", cJSON_IsString(t) ? t->valuestring : "(none)");
	return out[next++ % 4];
}

static void
test_signin_matches_username_any_case(void)
{
	bearer("signin_user");
	struct reply r = call("POST", "/api/session", "{\"username\":\"signin_user\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 200, "sign-in answers 200");
	ok(cJSON_IsString(jget(r.json, "token")) && reply_header(&r, "Set-Cookie"), "... with a token and a cookie");
	r = call("POST", "/api/session", "{\"username\":\"SIGNIN_USER\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 200, "the username is matched without regard to case");
}

static void
test_signin_failures_look_alike(void)
{
	bearer("signin_user");
	struct reply r = call("POST", "/api/session", "{\"username\":\"signin_user\",\"password\":\"wrong password\"}", NULL);
	is_int(r.status, 401, "a wrong password answers 401");
	is_str(err_code(&r), "invalid_credentials", "... invalid_credentials");
	const char *wrong_body = r.body;
	r = call("POST", "/api/session", "{\"username\":\"nobody_here\",\"password\":\"wrong password\"}", NULL);
	is_int(r.status, 401, "an unknown user answers 401");
	is_str(r.body, wrong_body, "... with the very same body as a wrong password");
}

/* 5 failures in 15 minutes for one username. */
static void
test_signin_throttled_per_username(void)
{
	bearer("signin_user");
	for (int i = 0; i < 5; i++)
		call("POST", "/api/session", "{\"username\":\"nobody_at_all\",\"password\":\"wrong password\"}", NULL);
	struct reply r = call("POST", "/api/session", "{\"username\":\"nobody_at_all\",\"password\":\"wrong password\"}", NULL);
	is_int(r.status, 429, "the sixth attempt within 15 minutes answers 429");
	is_str(err_code(&r), "too_many_attempts", "... too_many_attempts");
	const char *ra = reply_header(&r, "Retry-After");
	ok(ra && atoi(ra) > 0 && atoi(ra) <= 900, "... with Retry-After in 1..900 seconds");
	r = call("POST", "/api/session", "{\"username\":\"signin_user\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 200, "other usernames are not throttled");
}

static void
test_me_by_bearer_or_cookie(void)
{
	const char *me = bearer("me_user");
	struct reply r = call("GET", "/api/users/me", NULL, "Authorization", me, NULL);
	is_int(r.status, 200, "GET me with a bearer token answers 200");
	is_str(jget(r.json, "display_name")->valuestring, "me_user", "... the caller's account");
	ok(jget(r.json, "password_hash") == NULL, "... without the password hash");
	r = call("GET", "/api/users/me", NULL, NULL);
	is_int(r.status, 401, "GET me without a token answers 401");
	is_str(err_code(&r), "unauthenticated", "... unauthenticated");
	r = call("GET", "/api/users/me", NULL, "Authorization", "Basic abc", NULL);
	is_int(r.status, 401, "a Basic authorization answers 401");
	r = call("GET", "/api/users/me", NULL, "Cookie", sfmt("theme=dark; frostbyte_session=%s", me + 7), NULL);
	is_int(r.status, 200, "the session cookie authenticates too");
}

/* CSRF on cookie-authenticated writes. */
static void
test_cookie_writes_need_our_origin(void)
{
	const char *me = bearer("csrf_user");
	char cookie[1100];
	snprintf(cookie, sizeof(cookie), "theme=dark; frostbyte_session=%s", me + 7);
	struct reply r = call("PATCH", "/api/users/me", "{\"display_name\":\"Evil\"}", "Cookie", cookie,
			      "Origin", "https://evil.example", NULL);
	is_int(r.status, 403, "a cookie write from another origin answers 403");
	is_str(err_code(&r), "csrf_rejected", "... csrf_rejected");
	r = call("PATCH", "/api/users/me", "{\"display_name\":\"Evil\"}", "Cookie", cookie,
		 "Sec-Fetch-Site", "cross-site", NULL);
	is_int(r.status, 403, "a cookie write marked cross-site without Origin answers 403");
	r = call("PATCH", "/api/users/me", "{\"display_name\":\"Ricky\"}", "Cookie", cookie,
		 "Origin", "http://127.0.0.1:8102", NULL);
	is_int(r.status, 200, "a cookie write from our own origin is accepted");
	is_str(jget(r.json, "display_name")->valuestring, "Ricky", "... and changes the name");
	r = call("PATCH", "/api/users/me", "{\"display_name\":\"Rick\"}", "Authorization", me,
		 "Origin", "https://evil.example", NULL);
	is_int(r.status, 200, "a bearer write is not subject to the cookie CSRF rule");
}

static void
test_password_change_ends_other_sessions(void)
{
	const char *me = bearer("pw_user"), *other = signin("pw_user");
	struct reply r = call("PATCH", "/api/users/me", "{\"password\":\"a brand new password\"}", "Authorization", me, NULL);
	is_int(r.status, 400, "a new password without current_password answers 400");
	is_str(err_code(&r), "missing_field", "... missing_field");
	r = call("PATCH", "/api/users/me", "{\"password\":\"a brand new password\",\"current_password\":\"nope nope nope\"}",
		 "Authorization", me, NULL);
	is_int(r.status, 403, "a wrong current password answers 403");
	r = call("PATCH", "/api/users/me", "{\"password\":\"a brand new password\",\"current_password\":\"correct horse battery\"}",
		 "Authorization", me, NULL);
	is_int(r.status, 200, "a password change answers 200");
	r = call("GET", "/api/users/me", NULL, "Authorization", other, NULL);
	is_int(r.status, 401, "... other sessions end");
	r = call("GET", "/api/users/me", NULL, "Authorization", me, NULL);
	is_int(r.status, 200, "... the session that made the change stays");
	r = call("POST", "/api/session", "{\"username\":\"pw_user\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 401, "... the old password no longer signs in");
	r = call("POST", "/api/session", "{\"username\":\"pw_user\",\"password\":\"a brand new password\"}", NULL);
	is_int(r.status, 200, "... the new one does");
}

static void
test_account_delete_takes_sessions(void)
{
	const char *me = bearer("gone_user");
	signin("gone_user");
	long long id = count_rows("SELECT id FROM users WHERE username = 'gone_user'");
	struct reply r = call("DELETE", "/api/users/me", "{\"password\":\"wrong one!\"}", "Authorization", me, NULL);
	is_int(r.status, 403, "deleting with a wrong password answers 403");
	r = call("DELETE", "/api/users/me", "{}", "Authorization", me, NULL);
	is_int(r.status, 400, "deleting without the password answers 400");
	r = call("DELETE", "/api/users/me", "{\"password\":\"correct horse battery\"}", "Authorization", me, NULL);
	is_int(r.status, 204, "deleting the account answers 204");
	is_int(count_rows(sfmt("SELECT count(*) FROM users WHERE id = %lld", id)), 0, "... the user row is gone");
	is_int(count_rows(sfmt("SELECT count(*) FROM sessions WHERE user_id = %lld", id)), 0,
	       "... and every session with it");
	r = call("GET", "/api/users/me", NULL, "Authorization", me, NULL);
	is_int(r.status, 401, "... its token no longer works");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_signup_creates_user_and_session),
	TAP_CASE(test_signup_taken_username_any_case),
	TAP_CASE(test_signup_refuses_bad_fields),
	TAP_CASE(test_signup_over_https_sets_secure_cookie),
	TAP_CASE(test_signin_matches_username_any_case),
	TAP_CASE(test_signin_failures_look_alike),
	TAP_CASE(test_signin_throttled_per_username),
	TAP_CASE(test_me_by_bearer_or_cookie),
	TAP_CASE(test_cookie_writes_need_our_origin),
	TAP_CASE(test_password_change_ends_other_sessions),
	TAP_CASE(test_account_delete_takes_sessions),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
