/* test_users.c: accounts and sessions, in-process against a temporary database. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "harness.h"

static long long
count_rows(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

int
main(void)
{
	harness_setup();
	struct reply r;

	/* Sign-up */
	r = call("POST", "/api/users",
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
	is_int(count_rows("SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'"), 1,
	       "the password is stored as an Argon2id hash");

	r = call("POST", "/api/users",
		 "{\"username\":\"RANGER_RICK\",\"display_name\":\"Other\",\"password\":\"another password\"}", NULL);
	is_int(r.status, 409, "a taken username (any case) answers 409");
	is_str(err_code(&r), "username_taken", "... username_taken");

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
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = call("POST", "/api/users", bad[i].body, NULL);
		ok(r.status == 400 && strcmp(err_code(&r), bad[i].code) == 0 && err_field(&r) &&
		   strcmp(err_field(&r), bad[i].field) == 0, "sign-up refuses %s (%s, %s)", bad[i].name,
		   bad[i].code, bad[i].field);
	}
	is_int(count_rows("SELECT count(*) FROM users"), 1, "no refused sign-up wrote a row");

	r = call("POST", "/api/users",
		 "{\"username\":\"tls_user\",\"display_name\":\"T\",\"password\":\"correct horse battery\"}",
		 "HTTPS", "on", NULL);
	cookie = reply_header(&r, "Set-Cookie");
	ok(r.status == 201 && cookie && strstr(cookie, "; Secure"), "over HTTPS the session cookie is Secure");
	sqlite3_exec(db, "DELETE FROM users WHERE username = 'tls_user'", NULL, NULL, NULL);

	/* Sign-in */
	r = call("POST", "/api/session", "{\"username\":\"ranger_rick\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 200, "sign-in answers 200");
	ok(cJSON_IsString(jget(r.json, "token")) && reply_header(&r, "Set-Cookie"), "... with a token and a cookie");
	char second[1024];
	snprintf(second, sizeof(second), "Bearer %s", jget(r.json, "token")->valuestring);
	r = call("POST", "/api/session", "{\"username\":\"RANGER_RICK\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 200, "the username is matched without regard to case");
	char third[1024];
	snprintf(third, sizeof(third), "Bearer %s", jget(r.json, "token")->valuestring);

	r = call("POST", "/api/session", "{\"username\":\"ranger_rick\",\"password\":\"wrong password\"}", NULL);
	is_int(r.status, 401, "a wrong password answers 401");
	is_str(err_code(&r), "invalid_credentials", "... invalid_credentials");
	const char *wrong_body = r.body;
	r = call("POST", "/api/session", "{\"username\":\"nobody_here\",\"password\":\"wrong password\"}", NULL);
	is_int(r.status, 401, "an unknown user answers 401");
	is_str(r.body, wrong_body, "... with the very same body as a wrong password");

	/* Throttle: 5 failures in 15 minutes for one username. */
	for (int i = 0; i < 4; i++)
		call("POST", "/api/session", "{\"username\":\"nobody_here\",\"password\":\"wrong password\"}", NULL);
	r = call("POST", "/api/session", "{\"username\":\"nobody_here\",\"password\":\"wrong password\"}", NULL);
	is_int(r.status, 429, "the sixth attempt within 15 minutes answers 429");
	is_str(err_code(&r), "too_many_attempts", "... too_many_attempts");
	const char *ra = reply_header(&r, "Retry-After");
	ok(ra && atoi(ra) > 0 && atoi(ra) <= 900, "... with Retry-After in 1..900 seconds");
	r = call("POST", "/api/session", "{\"username\":\"ranger_rick\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 200, "other usernames are not throttled");

	/* Me */
	r = call("GET", "/api/users/me", NULL, "Authorization", second, NULL);
	is_int(r.status, 200, "GET me with a bearer token answers 200");
	is_str(jget(r.json, "display_name")->valuestring, "Rick", "... the caller's account");
	ok(jget(r.json, "password_hash") == NULL, "... without the password hash");
	r = call("GET", "/api/users/me", NULL, NULL);
	is_int(r.status, 401, "GET me without a token answers 401");
	is_str(err_code(&r), "unauthenticated", "... unauthenticated");
	r = call("GET", "/api/users/me", NULL, "Authorization", "Basic abc", NULL);
	is_int(r.status, 401, "a Basic authorization answers 401");
	char cookie_hdr[1100];
	snprintf(cookie_hdr, sizeof(cookie_hdr), "theme=dark; frostbyte_session=%s", second + 7);
	r = call("GET", "/api/users/me", NULL, "Cookie", cookie_hdr, NULL);
	is_int(r.status, 200, "the session cookie authenticates too");

	/* CSRF on cookie-authenticated writes. */
	r = call("PATCH", "/api/users/me", "{\"display_name\":\"Evil\"}", "Cookie", cookie_hdr,
		 "Origin", "https://evil.example", NULL);
	is_int(r.status, 403, "a cookie write from another origin answers 403");
	is_str(err_code(&r), "csrf_rejected", "... csrf_rejected");
	r = call("PATCH", "/api/users/me", "{\"display_name\":\"Evil\"}", "Cookie", cookie_hdr,
		 "Sec-Fetch-Site", "cross-site", NULL);
	is_int(r.status, 403, "a cookie write marked cross-site without Origin answers 403");
	r = call("PATCH", "/api/users/me", "{\"display_name\":\"Ricky\"}", "Cookie", cookie_hdr,
		 "Origin", "http://127.0.0.1:8102", NULL);
	is_int(r.status, 200, "a cookie write from our own origin is accepted");
	is_str(jget(r.json, "display_name")->valuestring, "Ricky", "... and changes the name");
	r = call("PATCH", "/api/users/me", "{\"display_name\":\"Rick\"}", "Authorization", second,
		 "Origin", "https://evil.example", NULL);
	is_int(r.status, 200, "a bearer write is not subject to the cookie CSRF rule");

	/* Password change */
	r = call("PATCH", "/api/users/me", "{\"password\":\"a brand new password\"}", "Authorization", second, NULL);
	is_int(r.status, 400, "a new password without current_password answers 400");
	is_str(err_code(&r), "missing_field", "... missing_field");
	r = call("PATCH", "/api/users/me", "{\"password\":\"a brand new password\",\"current_password\":\"nope nope nope\"}",
		 "Authorization", second, NULL);
	is_int(r.status, 403, "a wrong current password answers 403");
	r = call("PATCH", "/api/users/me", "{\"password\":\"a brand new password\",\"current_password\":\"correct horse battery\"}",
		 "Authorization", second, NULL);
	is_int(r.status, 200, "a password change answers 200");
	r = call("GET", "/api/users/me", NULL, "Authorization", third, NULL);
	is_int(r.status, 401, "... other sessions end");
	r = call("GET", "/api/users/me", NULL, "Authorization", second, NULL);
	is_int(r.status, 200, "... the session that made the change stays");
	r = call("POST", "/api/session", "{\"username\":\"ranger_rick\",\"password\":\"correct horse battery\"}", NULL);
	is_int(r.status, 401, "... the old password no longer signs in");
	r = call("POST", "/api/session", "{\"username\":\"ranger_rick\",\"password\":\"a brand new password\"}", NULL);
	is_int(r.status, 200, "... the new one does");

	/* Delete account */
	r = call("DELETE", "/api/users/me", "{\"password\":\"wrong one!\"}", "Authorization", second, NULL);
	is_int(r.status, 403, "deleting with a wrong password answers 403");
	r = call("DELETE", "/api/users/me", "{}", "Authorization", second, NULL);
	is_int(r.status, 400, "deleting without the password answers 400");
	r = call("DELETE", "/api/users/me", "{\"password\":\"a brand new password\"}", "Authorization", second, NULL);
	is_int(r.status, 204, "deleting the account answers 204");
	is_int(count_rows("SELECT count(*) FROM users"), 0, "... the user row is gone");
	is_int(count_rows("SELECT count(*) FROM sessions"), 0, "... and every session with it");
	r = call("GET", "/api/users/me", NULL, "Authorization", second, NULL);
	is_int(r.status, 401, "... its token no longer works");

	harness_teardown();
	return tap_done();
}
