/* limits.c: per-user quotas on writes and the password-check throttle, both as rows in the
 * database, counted and recorded under the write lock so that concurrent requests cannot overshoot. */
#include "limits.h"

#include <stdio.h>

#include "config.h"
#include "db.h"

#define HOUR 3600
#define DAY  (24 * 3600)

struct quota {
	const char *name;       /* user_actions.action */
	const int *max;         /* in config; 0 = off */
	int window;             /* seconds */
	const char *what;       /* for messages: "posts an hour" */
};

static const struct quota quotas[L_ACTIONS] = {
	[L_POST]         = { "post",         &config.posts_per_hour,         HOUR, "posts an hour" },
	[L_REVIEW]       = { "review",       &config.review_writes_per_hour, HOUR,
			     "reviews written or edited an hour" },
	[L_REPORT]       = { "report",       &config.reports_per_day,        DAY,  "reports a day" },
	[L_PLACE]        = { "place",        &config.places_per_hour,        HOUR, "places saved an hour" },
	[L_CONVERSATION] = { "conversation", &config.conversations_per_day,  DAY,  "conversations a day" },
	[L_QUIZ]         = { "quiz",         &config.quiz_results_per_hour,  HOUR, "quiz results an hour" },
};

static const char SQL_USED[] =
	"SELECT count(*), min(at) FROM user_actions WHERE user_id = ?1 AND action = ?2 AND at > ?3";
static const char SQL_USE[] =
	"INSERT INTO user_actions (user_id, action, at) VALUES (?1, ?2, ?3)";
static const char SQL_PURGE_ACTIONS[] =
	"DELETE FROM user_actions WHERE at <= ?1";

int
limits_take(int64_t user, enum limit_action action, time_t now, long *retry_after)
{
	const struct quota *q = &quotas[action];
	*retry_after = 0;
	if (*q->max <= 0)
		return SQLITE_OK;
	sqlite3_stmt *st = db_stmt(SQL_USED);
	sqlite3_bind_int64(st, 1, user);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(now - q->window));
	int rc = sqlite3_step(st);
	int64_t used = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int64_t oldest = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	db_done(st);
	if (rc != SQLITE_ROW)
		return rc;
	if (used >= *q->max) {
		*retry_after = (long)(oldest + q->window - (int64_t)now);
		if (*retry_after < 1)
			*retry_after = 1;
		return SQLITE_OK;
	}
	/* The purge keeps the table at one day of rows; it walks the time index, so it costs little. */
	if ((rc = db_exec(SQL_PURGE_ACTIONS, "i", (int64_t)(now - DAY))) != SQLITE_OK)
		return rc;
	return db_exec(SQL_USE, "iti", user, q->name, (int64_t)now);
}

const char *
limits_describe(enum limit_action action)
{
	static char buf[L_ACTIONS][80];
	const struct quota *q = &quotas[action];
	snprintf(buf[action], sizeof(buf[action]), "%d %s", *q->max, q->what);
	return buf[action];
}

/* Counts (and the oldest) of recent failures for the pair, the address and the username. */
static const char SQL_FAILURES[] =
	"SELECT (SELECT count(*) FROM login_failures WHERE username = ?1 AND addr = ?2 AND failed_at > ?3),"
	"       (SELECT min(failed_at) FROM login_failures WHERE username = ?1 AND addr = ?2 AND failed_at > ?3),"
	"       (SELECT count(*) FROM login_failures WHERE addr = ?2 AND failed_at > ?3),"
	"       (SELECT min(failed_at) FROM login_failures WHERE addr = ?2 AND failed_at > ?3),"
	"       (SELECT count(*) FROM login_failures WHERE username = ?1 AND failed_at > ?3),"
	"       (SELECT min(failed_at) FROM login_failures WHERE username = ?1 AND failed_at > ?3)";
static const char SQL_ADD_FAILURE[] =
	"INSERT INTO login_failures (username, addr, failed_at) VALUES (?1, ?2, ?3) RETURNING rowid";
static const char SQL_PURGE_FAILURES[] =
	"DELETE FROM login_failures WHERE failed_at <= ?1";
static const char SQL_CLEAR_PAIR[] =
	"DELETE FROM login_failures WHERE username = ?1 AND addr = ?2";
static const char SQL_DROP_ATTEMPT[] =
	"DELETE FROM login_failures WHERE rowid = ?1";

/* The wait until a limit frees up when `count` failures since `oldest` reach `max`; else 0. */
static long
wait_for(int64_t count, int64_t oldest, int max, time_t now)
{
	if (count < max)
		return 0;
	long w = (long)(oldest + LOGIN_WINDOW - (int64_t)now);
	return w < 1 ? 1 : w;
}

static long
longest(long a, long b)
{
	return a > b ? a : b;
}

int
limits_password_begin(const char *username, const char *addr, time_t now, long *retry_after,
		      int64_t *attempt)
{
	*retry_after = 0;
	*attempt = 0;
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return rc;
	if ((rc = db_exec(SQL_PURGE_FAILURES, "i", (int64_t)(now - LOGIN_WINDOW))) != SQLITE_OK) {
		db_rollback();
		return rc;
	}
	sqlite3_stmt *st = db_stmt(SQL_FAILURES);
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(now - LOGIN_WINDOW));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t pair = sqlite3_column_int64(st, 0), by_addr = sqlite3_column_int64(st, 2);
		int64_t by_user = sqlite3_column_int64(st, 4);
		long w = wait_for(pair, sqlite3_column_int64(st, 1), config.login_failures_per_pair, now);
		w = longest(w, wait_for(by_addr, sqlite3_column_int64(st, 3),
					config.login_failures_per_address, now));
		/* The username's ceiling stops distributed guessing, but only from addresses that have
		 * failed for it: the owner, from elsewhere, still gets in. */
		if (pair > 0)
			w = longest(w, wait_for(by_user, sqlite3_column_int64(st, 5),
						config.login_failures_per_username, now));
		*retry_after = w;
		rc = SQLITE_OK;
	}
	db_done(st);
	if (rc != SQLITE_OK || *retry_after > 0) {
		db_rollback();
		return rc;
	}
	st = db_stmt(SQL_ADD_FAILURE);
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*attempt = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_rollback();
		return rc;
	}
	return db_commit();
}

int
limits_password_end(int64_t attempt, bool right, const char *username, const char *addr)
{
	if (!right)
		return SQLITE_OK; /* the failure is already counted */
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return rc;
	if ((rc = db_exec(SQL_DROP_ATTEMPT, "i", attempt)) != SQLITE_OK ||
	    (rc = db_exec(SQL_CLEAR_PAIR, "tt", username, addr)) != SQLITE_OK) {
		db_rollback();
		return rc;
	}
	return db_commit();
}
