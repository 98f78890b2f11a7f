/* users.c: sign-up, sign-in with throttling, sign-out, and the caller's own account. */
#include "users.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "config.h"
#include "db.h"
#include "json.h"
#include "limits.h"
#include "util.h"

static const char SQL_INSERT_USER[] =
	"INSERT INTO users (username, display_name, password_hash) VALUES (?1, ?2, ?3)"
	" RETURNING id, created_at";
static const char SQL_USER_BY_NAME[] =
	"SELECT id, password_hash FROM users WHERE username = ?1";
static const char SQL_USER_BY_ID[] =
	"SELECT id, username, display_name, role, created_at, password_hash FROM users WHERE id = ?1";
static const char SQL_INSERT_SESSION[] =
	"INSERT INTO sessions (jti, user_id, expires_at) VALUES (?1, ?2, ?3)";
static const char SQL_PURGE_SESSIONS[] =
	"DELETE FROM sessions WHERE user_id = ?1 AND expires_at <= ?2";
static const char SQL_DELETE_SESSION[] =
	"DELETE FROM sessions WHERE jti = ?1";
static const char SQL_DELETE_OTHER_SESSIONS[] =
	"DELETE FROM sessions WHERE user_id = ?1 AND jti <> ?2";
static const char SQL_UPDATE_NAME[] =
	"UPDATE users SET display_name = ?2 WHERE id = ?1";
static const char SQL_UPDATE_PASSWORD[] =
	"UPDATE users SET password_hash = ?2 WHERE id = ?1";
static const char SQL_DELETE_USER[] =
	"DELETE FROM users WHERE id = ?1";

static void
user_write(struct jw *w, const struct user *u)
{
	jw_object(w);
	jw_kint(w, "id", u->id);
	jw_kstring(w, "username", u->username);
	jw_kstring(w, "display_name", u->display_name);
	jw_kstring(w, "role", u->role);
	jw_kstring(w, "created_at", u->created_at);
	jw_end(w);
}

void
users_lower_username(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

bool
users_valid_username(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		      *p == '-'))
			return false;
	return n >= 3 && n <= 32;
}

/* Starts a session inside the caller's open write transaction: stores its jti and answers with
 * {"user","token","expires_at"} and the cookie after the commit succeeds. */
static int
start_session(struct request *rq, struct response *rs, const struct user *u, int status)
{
	time_t now = time(NULL);
	long ttl = (long)config.session_hours * 3600;
	struct claims c;
	const char *token = auth_issue(rq->a, u->id, now, ttl, &c);

	int rc;
	if ((rc = db_exec(SQL_PURGE_SESSIONS, "ii", u->id, (int64_t)now)) != SQLITE_OK ||
	    (rc = db_exec(SQL_INSERT_SESSION, "tii", c.jti, u->id, (int64_t)c.exp)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	auth_set_cookie(rq, rs, token, ttl);
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "user");
	user_write(&w, u);
	jw_kstring(&w, "token", token);
	jw_kstring(&w, "expires_at", iso_time(rq->a, c.exp));
	jw_end(&w);
	return resp_json(rs, status, &w);
}

int
users_create(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "username", "display_name", "password", NULL };
	const char *username, *display_name, *password;
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_str(rq, rs, "username", 3, 32, true, &username)) != 0 ||
	    (status = json_text(rq, rs, "display_name", 64, true, false, &display_name)) != 0 ||
	    (status = json_str(rq, rs, "password", 10, 128, true, &password)) != 0)
		return status;
	char *name = arena_strdup(rq->a, username);
	users_lower_username(name);
	if (!users_valid_username(name))
		return resp_error(rq, rs, 400, "invalid_field", "username",
				  "A username is 3 to 32 of the characters a-z, 0-9, _ . and -.");

	/* Argon2 takes a tenth of a second: hash before taking the write lock. */
	char hash[crypto_pwhash_STRBYTES];
	if (auth_hash_password(password, hash) != 0)
		return resp_busy(rq, rs); /* Argon2's 64 MiB could not be had: overloaded */

	int rc = db_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	sqlite3_stmt *s = db_stmt(SQL_INSERT_USER);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	struct user u = { .username = name, .display_name = display_name, .role = "user" };
	if (rc == SQLITE_ROW) {
		u.id = sqlite3_column_int64(s, 0);
		u.created_at = db_text(rq->a, s, 1);
		rc = sqlite3_step(s); /* finish the RETURNING statement so the insert completes */
	}
	db_done(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		db_rollback();
		return resp_error(rq, rs, 409, "username_taken", "username",
				  "That username is taken; please choose another.");
	}
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	return start_session(rq, rs, &u, 201);
}

/* Checks `password` against `hash` (NULL: no such user, checked against a dummy hash for the same
 * time) under the throttle of limits.h, keyed by `username` and the client's address. 0 when right;
 * else the answer written: 429 too_many_attempts, or `wrong_status` with `wrong_message`. */
static int
check_password(struct request *rq, struct response *rs, const char *username, const char *hash,
	       const char *password, int wrong_status, const char *field, const char *wrong_message)
{
	const char *addr = rq->remote_addr ? rq->remote_addr : "";
	long retry_after;
	int64_t attempt;
	int rc = limits_password_begin(username, addr, time(NULL), &retry_after, &attempt);
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (retry_after > 0)
		return resp_retry_later(rq, rs, "too_many_attempts",
					"Too many wrong passwords from here for this account. Please wait and "
					"try again.", retry_after);
	bool right;
	if (hash != NULL) {
		right = auth_check_password(hash, password);
	} else {
		auth_burn_password_check(password); /* same time for unknown users */
		right = false;
	}
	if ((rc = limits_password_end(attempt, right, username, addr)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	return right ? 0 : resp_error(rq, rs, wrong_status, "invalid_credentials", field, wrong_message);
}

int
session_create(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "username", "password", NULL };
	const char *username, *password;
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_str(rq, rs, "username", 1, 64, true, &username)) != 0 ||
	    (status = json_str(rq, rs, "password", 1, 1024, true, &password)) != 0)
		return status;
	char *name = arena_strdup(rq->a, username);
	users_lower_username(name);

	sqlite3_stmt *s = db_stmt(SQL_USER_BY_NAME);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	const char *hash = rc == SQLITE_ROW ? db_text(rq->a, s, 1) : NULL;
	db_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);

	if ((status = check_password(rq, rs, name, hash, password, 401, NULL,
				     "The username or password is not right.")) != 0)
		return status;

	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	s = db_stmt(SQL_USER_BY_ID);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	struct user u = { .id = id };
	if (rc == SQLITE_ROW) {
		u.username = db_text(rq->a, s, 1);
		u.display_name = db_text(rq->a, s, 2);
		u.role = db_text(rq->a, s, 3);
		u.created_at = db_text(rq->a, s, 4);
	}
	db_done(s);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	return start_session(rq, rs, &u, 200);
}

int
session_delete(struct request *rq, struct response *rs)
{
	int rc;
	if ((rc = db_begin()) != SQLITE_OK ||
	    (rc = db_exec(SQL_DELETE_SESSION, "t", rq->token_id)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	auth_clear_cookie(rq, rs);
	return resp_empty(rs, 204);
}

int
users_me_get(struct request *rq, struct response *rs)
{
	struct jw w;
	jw_init(&w, rq->a);
	user_write(&w, rq->user);
	return resp_json(rs, 200, &w);
}

/* Checks the caller's password (the field `name` of the body). 0 when right, else the status. */
static int
confirm_password(struct request *rq, struct response *rs, const char *name)
{
	const char *password;
	int status = json_str(rq, rs, name, 1, 1024, true, &password);
	if (status != 0)
		return status;
	sqlite3_stmt *s = db_stmt(SQL_USER_BY_ID);
	sqlite3_bind_int64(s, 1, rq->user->id);
	int rc = sqlite3_step(s);
	const char *hash = rc == SQLITE_ROW ? db_text(rq->a, s, 5) : NULL;
	db_done(s);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	return check_password(rq, rs, rq->user->username, hash, password, 403, name,
			      "The current password is not right.");
}

int
users_me_patch(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "display_name", "password", "current_password", NULL };
	const char *display_name, *password;
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_text(rq, rs, "display_name", 64, false, false, &display_name)) != 0 ||
	    (status = json_str(rq, rs, "password", 10, 128, false, &password)) != 0)
		return status;
	char hash[crypto_pwhash_STRBYTES];
	if (password != NULL) {
		if ((status = confirm_password(rq, rs, "current_password")) != 0)
			return status;
		if (auth_hash_password(password, hash) != 0)
			return resp_busy(rq, rs); /* Argon2's 64 MiB could not be had: overloaded */
	}

	/* A password change ends every other session; the one making the change stays signed in. */
	int64_t id = rq->user->id;
	int rc;
	if ((rc = db_begin()) != SQLITE_OK ||
	    (display_name && (rc = db_exec(SQL_UPDATE_NAME, "it", id, display_name)) != SQLITE_OK) ||
	    (password && (rc = db_exec(SQL_UPDATE_PASSWORD, "it", id, hash)) != SQLITE_OK) ||
	    (password && (rc = db_exec(SQL_DELETE_OTHER_SESSIONS, "it", id, rq->token_id)) != SQLITE_OK) ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);

	struct user u = *rq->user;
	if (display_name != NULL)
		u.display_name = display_name;
	struct jw w;
	jw_init(&w, rq->a);
	user_write(&w, &u);
	return resp_json(rs, 200, &w);
}

int
users_me_delete(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "password", NULL };
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = confirm_password(rq, rs, "password")) != 0)
		return status;
	/* Everything the user owns references users(id) ON DELETE CASCADE: one statement, one
	 * transaction. */
	int rc;
	if ((rc = db_begin()) != SQLITE_OK ||
	    (rc = db_exec(SQL_DELETE_USER, "i", rq->user->id)) != SQLITE_OK ||
	    (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	auth_clear_cookie(rq, rs);
	return resp_empty(rs, 204);
}
