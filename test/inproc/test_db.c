/* test_db.c: the database's failures as the API answers them: a write lock held elsewhere
 * (503 busy + Retry-After) and a full disk (507), reads going on through both. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "harness.h"

/* Another process holds the write lock past the timeout: 503 + Retry-After. */
static void
test_write_lock_held_elsewhere_is_503_busy(void)
{
	char lockpath[600];
	snprintf(lockpath, sizeof(lockpath), "%s.lock", config.database);
	int fd = open(lockpath, O_RDWR);
	ok(fd >= 0 && flock(fd, LOCK_EX) == 0, "a second holder takes the write lock");
	struct reply r = call("POST", "/api/users", "{\"username\":\"busy_user\",\"display_name\":\"B\",\"password\":\"0123456789\"}", NULL);
	is_int(r.status, 503, "a write that cannot get the lock answers 503");
	is_str(err_code(&r), "busy", "... busy");
	is_str(reply_header(&r, "Retry-After"), "1", "... with Retry-After: 1");
	r = call("GET", "/api/parks/acadia", NULL, NULL);
	is_int(r.status, 200, "reads go on while the lock is held");
	flock(fd, LOCK_UN);
	close(fd);
}

/* Cap the file at its current size and fill every page (rows of nearly a page each), so the
 * next write needs a page it cannot have, as on a full disk. */
static void
test_full_disk_is_507_and_recovers(void)
{
	ok(sqlite3_exec(db, "PRAGMA max_page_count = 1", NULL, NULL, NULL) == SQLITE_OK,
	   "the database is capped at its current size");
	int filled = 0, rc = SQLITE_OK;
	for (; filled < 10000 && rc == SQLITE_OK; filled++)
		rc = sqlite3_exec(db, "INSERT INTO users (username, display_name, password_hash)"
				  " VALUES ('fill' || (SELECT count(*) FROM users), 'x', zeroblob(4000))",
				  NULL, NULL, NULL);
	is_int(rc & 0xff, SQLITE_FULL, "filling the capped database ends with SQLITE_FULL");
	struct reply r = call("POST", "/api/users", "{\"username\":\"full_user\",\"display_name\":\"F\",\"password\":\"0123456789\"}", NULL);
	is_int(r.status, 507, "a write on a full disk answers 507");
	is_str(err_code(&r), "insufficient_storage", "... insufficient_storage");
	r = call("GET", "/api/parks?limit=3", NULL, NULL);
	is_int(r.status, 200, "reads keep working on a full disk");
	r = call("GET", "/api/health", NULL, NULL);
	is_int(r.status, 200, "health keeps answering on a full disk");
	ok(sqlite3_exec(db, "PRAGMA max_page_count = 1073741823; DELETE FROM users WHERE username LIKE 'fill%'",
			NULL, NULL, NULL) == SQLITE_OK, "space is freed");
	r = call("POST", "/api/users", "{\"username\":\"full_user\",\"display_name\":\"F\",\"password\":\"0123456789\"}", NULL);
	is_int(r.status, 201, "writes work again without a restart");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_write_lock_held_elsewhere_is_503_busy),
	TAP_CASE(test_full_disk_is_507_and_recovers),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
