/* test_db.c: the statement cache grows with the statements: far more than it starts with are
 * prepared once each and stay usable. */
#include <stdio.h>

#include "db.h"
#include "harness.h"

#define N 300

static void
test_statement_cache_grows(void)
{
	static char sql[N][24]; /* db_stmt keys a statement by its string's address */
	sqlite3_stmt *first[N];
	for (int i = 0; i < N; i++) {
		snprintf(sql[i], sizeof(sql[i]), "SELECT %d", i);
		first[i] = db_stmt(sql[i]);
	}
	bool same = true, runs = true;
	for (int i = 0; i < N; i++) {
		sqlite3_stmt *st = db_stmt(sql[i]);
		same = same && st == first[i];
		runs = runs && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == i;
		db_done(st);
	}
	ok(same, "300 statements besides the app's: each is prepared once, then found in the cache");
	ok(runs, "... and each still runs after the cache grew");
	struct reply r = call("GET", "/api/parks?limit=2", NULL, NULL);
	is_int(r.status, 200, "the app's own statements still answer (GET /api/parks)");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_statement_cache_grows),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
