/* db.c: the worker's SQLite connection (see db.h). */
#include "db.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "search.h"

sqlite3 *db;

static int lock_fd = -1;
static int lock_wait_ms;
static bool lock_timer_ready; /* db_lock_timer_setup ran */
static bool in_tx;
static int snapshots; /* depth of db_snapshot_begin: the router's and a handler's may nest */
static bool grouped; /* a group transaction is open (db_group_begin): see db.h */

static struct stmt { const char *sql; sqlite3_stmt *st; } *stmts;
static size_t nstmts, stmts_cap;
static sqlite3_stmt *version_stmt;

/* distance_km(lat1, lon1, lat2, lon2): great-circle distance on a 6371 km sphere. */
static void
sql_distance_km(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	for (int i = 0; i < 4; i++)
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
			sqlite3_result_null(ctx);
			return;
		}
	const double r = M_PI / 180.0;
	double la1 = sqlite3_value_double(argv[0]) * r, lo1 = sqlite3_value_double(argv[1]) * r;
	double la2 = sqlite3_value_double(argv[2]) * r, lo2 = sqlite3_value_double(argv[3]) * r;
	double h = pow(sin((la2 - la1) / 2), 2) + cos(la1) * cos(la2) * pow(sin((lo2 - lo1) / 2), 2);
	sqlite3_result_double(ctx, 2 * 6371.0 * asin(fmin(1.0, sqrt(h))));
}

static int
exec(const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Only interrupts a blocking flock, so that lock_acquire looks at the clock. */
static void
on_lock_timer(int sig)
{
	(void)sig;
}

void
db_lock_timer_setup(void)
{
	struct sigaction sa = { .sa_handler = on_lock_timer }; /* no SA_RESTART: flock returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	lock_timer_ready = true;
}

/* Waits in the kernel (woken the moment the holder lets go) rather than polling, with the busy
 * timeout as the limit. A 5 ms interval timer interrupts the wait to look at the clock, so a tick
 * that fires before flock starts waiting costs one tick, not a hang. */
static int
lock_acquire(void)
{
	assert(lock_timer_ready); /* else the timer's first tick would kill the process */
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == 0)
		return SQLITE_OK;
	if (errno != EWOULDBLOCK && errno != EINTR)
		return SQLITE_IOERR;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct itimerval tick = { { 0, 5000 }, { 0, 5000 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &tick, NULL);
	int rc = SQLITE_BUSY;
	for (;;) {
		if (flock(lock_fd, LOCK_EX) == 0) {
			rc = SQLITE_OK;
			break;
		}
		if (errno != EINTR) {
			rc = SQLITE_IOERR;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >= lock_wait_ms)
			break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	return rc;
}

static void
lock_release(void)
{
	flock(lock_fd, LOCK_UN);
}

int
db_open(const char *path, const char *synchronous, int busy_timeout_ms, char *err, size_t errlen)
{
	char lockpath[1100];
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0) {
		snprintf(err, errlen, "cannot open lock file %s: %s", lockpath, strerror(errno));
		return -1;
	}
	lock_wait_ms = busy_timeout_ms;

	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		db_close();
		return -1;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, busy_timeout_ms);
	/* Closing must never checkpoint outside our lock (the WAL-reset race). */
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_create_function(db, "distance_km", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				sql_distance_km, NULL, NULL);
	search_register(db);

	char sql[128];
	snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s",
		 strcasecmp(synchronous, "NORMAL") == 0 ? "NORMAL" : "FULL");
	if (exec("PRAGMA foreign_keys=ON") != SQLITE_OK || exec(sql) != SQLITE_OK) {
		snprintf(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(db));
		db_close();
		return -1;
	}
	/* journal_mode is stored in the file; switching to WAL writes, so it takes the lock. */
	rc = lock_acquire();
	if (rc == SQLITE_OK) {
		rc = exec("PRAGMA journal_mode=WAL");
		lock_release();
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot switch %s to WAL: %s", path, sqlite3_errstr(rc));
		db_close();
		return -1;
	}
	return 0;
}

void
db_close(void)
{
	for (size_t i = 0; i < nstmts; i++)
		sqlite3_finalize(stmts[i].st);
	free(stmts);
	stmts = NULL;
	nstmts = stmts_cap = 0;
	sqlite3_finalize(version_stmt);
	version_stmt = NULL;
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

sqlite3_stmt *
db_stmt(const char *sql)
{
	for (size_t i = 0; i < nstmts; i++)
		if (stmts[i].sql == sql)
			return stmts[i].st;
	if (nstmts == stmts_cap) {
		size_t cap = stmts_cap ? stmts_cap * 2 : 128;
		struct stmt *grown = realloc(stmts, cap * sizeof(*grown));
		if (grown == NULL) {
			log_msg("out of memory for the statement cache");
			abort();
		}
		stmts = grown;
		stmts_cap = cap;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_msg("cannot prepare statement (%s): %.120s", sqlite3_errmsg(db), sql);
		abort();
	}
	stmts[nstmts++] = (struct stmt){ sql, st };
	return st;
}

/* BEGIN, COMMIT, ROLLBACK: prepared once, like every statement, since each request runs some. */
static int
tx(const char *sql)
{
	sqlite3_stmt *st = db_stmt(sql);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
db_exec(const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = db_stmt(sql);
	va_list ap;
	va_start(ap, types);
	for (int i = 0; types[i] != '\0'; i++) {
		switch (types[i]) {
		case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
		case 'd': sqlite3_bind_double(st, i + 1, va_arg(ap, double)); break;
		case 't': sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT); break;
		default: assert(!"db_exec: a type letter other than i, d, t");
		}
	}
	va_end(ap);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

void
db_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

const char *
db_text(struct arena *a, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (t == NULL)
		return NULL;
	return arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, col));
}

/* Inside a group transaction a request's write is a savepoint of it: its failure rolls back that
 * request alone, and only the group's COMMIT (db_group_commit) makes it durable. */
int
db_begin(void)
{
	if (grouped) {
		assert(!in_tx);
		int rc = tx("SAVEPOINT request");
		in_tx = rc == SQLITE_OK;
		return rc;
	}
	int rc = lock_acquire();
	if (rc != SQLITE_OK)
		return rc;
	rc = tx("BEGIN IMMEDIATE");
	if (rc != SQLITE_OK) {
		lock_release();
		return rc;
	}
	in_tx = true;
	return SQLITE_OK;
}

int
db_commit(void)
{
	if (grouped) {
		int rc = tx("RELEASE request");
		if (rc != SQLITE_OK)
			db_rollback();
		in_tx = false;
		return rc;
	}
	int rc = tx("COMMIT");
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(db))
		tx("ROLLBACK");
	in_tx = false;
	lock_release();
	return rc;
}

int
db_snapshot_begin(void)
{
	if (snapshots > 0 || grouped) { /* a group transaction is one snapshot already */
		snapshots++;
		return SQLITE_OK;
	}
	int rc = tx("BEGIN");
	if (rc == SQLITE_OK)
		snapshots = 1;
	return rc;
}

void
db_snapshot_end(void)
{
	if (snapshots == 0 || --snapshots > 0 || grouped)
		return;
	if (!sqlite3_get_autocommit(db))
		tx("COMMIT");
}

void
db_rollback(void)
{
	if (snapshots > 0) { /* a failure ends the whole snapshot, however deep */
		snapshots = 1;
		db_snapshot_end();
	}
	if (!in_tx)
		return;
	in_tx = false;
	if (grouped) {
		/* When SQLite itself ended the group transaction (a full disk, an I/O error) there is no
		 * savepoint left, and the error code stays for db_group_lost to read. */
		if (!sqlite3_get_autocommit(db)) {
			tx("ROLLBACK TO request");
			tx("RELEASE request");
		}
		return;
	}
	if (!sqlite3_get_autocommit(db))
		tx("ROLLBACK");
	lock_release();
}

int
db_group_begin(void)
{
	assert(!grouped && !in_tx && snapshots == 0);
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return rc;
	in_tx = false; /* the group's own transaction; requests open savepoints inside it */
	grouped = true;
	return SQLITE_OK;
}

bool
db_group_lost(int *rc)
{
	if (!grouped || !sqlite3_get_autocommit(db))
		return false;
	*rc = sqlite3_extended_errcode(db);
	if (*rc == SQLITE_OK)
		*rc = SQLITE_ABORT;
	grouped = false;
	in_tx = false;
	lock_release();
	return true;
}

int
db_group_commit(void)
{
	assert(grouped && !in_tx);
	grouped = false;
	in_tx = true;
	return db_commit();
}

bool
db_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

bool
db_disk_full(int rc)
{
	int sys = sqlite3_system_errno(db);
	return (rc & 0xff) == SQLITE_FULL ||
	       ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT));
}

void
db_after_request(void)
{
	if (in_tx || snapshots > 0) {
		log_msg("bug: a handler left a transaction open; rolled back");
		db_rollback();
	}
	for (size_t i = 0; i < nstmts; i++)
		if (sqlite3_stmt_busy(stmts[i].st)) {
			log_msg("bug: statement left mid-result: %.80s", stmts[i].sql);
			sqlite3_reset(stmts[i].st);
		}
}

int
db_schema_version(void)
{
	/* Not db_stmt: a damaged database must answer "unavailable", not stop the worker. */
	if (version_stmt == NULL && sqlite3_prepare_v3(db, "PRAGMA user_version", -1,
		SQLITE_PREPARE_PERSISTENT, &version_stmt, NULL) != SQLITE_OK)
		return -1;
	int v = sqlite3_step(version_stmt) == SQLITE_ROW ? sqlite3_column_int(version_stmt, 0) : -1;
	sqlite3_reset(version_stmt);
	return v;
}

int
db_latest_version(void)
{
	return migrations_count ? migrations[migrations_count - 1].version : 0;
}

int
db_migrate(char *err, size_t errlen)
{
	int rc = db_begin();
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot start the migration: %s", sqlite3_errstr(rc));
		return -1;
	}
	/* Read the version inside the write transaction, so two workers never apply one twice. */
	int version = db_schema_version();
	for (size_t i = 0; i < migrations_count && version >= 0; i++) {
		const struct migration *m = &migrations[i];
		if (m->version <= version)
			continue;
		char *msg = NULL;
		if (sqlite3_exec(db, m->sql, NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "migration %s failed: %s", m->name, msg ? msg : "?");
			sqlite3_free(msg);
			db_rollback();
			return -1;
		}
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", m->version);
		if (exec(sql) != SQLITE_OK) {
			snprintf(err, errlen, "cannot record version %d: %s", m->version, sqlite3_errmsg(db));
			db_rollback();
			return -1;
		}
		version = m->version;
	}
	rc = db_commit();
	if (rc != SQLITE_OK || version < 0) {
		snprintf(err, errlen, "cannot commit the migration: %s", sqlite3_errstr(rc));
		return -1;
	}
	return version;
}
