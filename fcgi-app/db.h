/* db.h: the worker's one SQLite connection, statements, write transactions, errors, migrations. */
#ifndef FROSTBYTE_DB_H
#define FROSTBYTE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "arena.h"

struct migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct migration migrations[];   /* generated from schema/NNN_*.sql */
extern const size_t migrations_count;

extern sqlite3 *db;

/* Installs the SIGALRM handler (without SA_RESTART) that lets the write lock's wait look at the
 * clock: while a writer waits for the lock, a 5 ms interval timer (ITIMER_REAL) interrupts its
 * flock. A program that opens the database calls this once, before db_open, and uses neither
 * SIGALRM nor ITIMER_REAL for anything else. */
void db_lock_timer_setup(void);

/* Opens path with WAL, foreign keys, busy timeout and the configured synchronous mode, and the lock
 * file beside it (path + ".lock"). Returns 0, or -1 with a message in err. */
int db_open(const char *path, const char *synchronous, int busy_timeout_ms, char *err, size_t errlen);
void db_close(void);

/* A prepared statement for a static SQL string, prepared once and cached by the string's address
 * (the cache grows with the statements). A statement that does not prepare (a table missing, a
 * damaged schema) is logged, and the process stops: callers never see a NULL statement. */
sqlite3_stmt *db_stmt(const char *sql);
/* Runs a statement that returns no rows: binds the arguments by the letters of `types` (i int64_t,
 * d double, t text or NULL), steps it once and resets it. Returns SQLITE_OK or the error code. */
int db_exec(const char *sql, const char *types, ...);

/* Resets a statement and clears its bindings: call it on every path once done with the rows. */
void db_done(sqlite3_stmt *st);
/* Copies a text column into the arena (NULL for SQL NULL): column pointers die at the next step. */
const char *db_text(struct arena *a, sqlite3_stmt *st, int col);

/* Write transactions: an exclusive flock on the lock file (against the WAL-reset race of SQLite
 * < 3.51.3), then BEGIN IMMEDIATE. Both return an SQLite result code. db_commit releases the lock
 * whatever happens; db_rollback is safe to call when no transaction is open. */
int db_begin(void);
int db_commit(void);
void db_rollback(void);

/* Group commit (the write pool, group.c): one write transaction holds the writes of several
 * requests. db_group_begin takes the lock and runs BEGIN IMMEDIATE; until db_group_commit, a
 * request's db_begin opens a SAVEPOINT, its db_commit releases it and its db_rollback rolls back to
 * it, so a failing request undoes its own statements and nobody else's, and snapshots are the
 * group transaction itself. db_group_commit runs COMMIT (a failure rolls the whole group back) and
 * releases the lock. db_group_lost says whether SQLite ended the group transaction by itself (a full
 * disk, an I/O error: every write of the group is gone), with the error code in *rc; the lock is
 * then released and the group is over. */
int db_group_begin(void);
bool db_group_lost(int *rc);
int db_group_commit(void);

/* A read snapshot over several statements (BEGIN ... COMMIT, no lock): figures read in it agree.
 * Calls nest (the outermost end commits); db_rollback ends it whole. */
int db_snapshot_begin(void);
void db_snapshot_end(void);

/* What a failing result code means: another writer held the database for longer than the busy
 * timeout (try again), or the disk is full; anything else is a fault. db_disk_full reads the
 * errno of the connection's last call: ask before anything else runs on it. (db_fail in http.h
 * turns these into answers.) */
bool db_busy(int rc);
bool db_disk_full(int rc);

/* After every request: rolls back a transaction a handler left open and resets any statement left
 * mid-result (both logged as bugs), so no snapshot outlives its request. */
void db_after_request(void);

/* Applies pending migrations in one write transaction. Returns the schema version, or -1. */
int db_migrate(char *err, size_t errlen);
int db_schema_version(void);   /* PRAGMA user_version, or -1 when the database cannot be read */
int db_latest_version(void);

#endif
