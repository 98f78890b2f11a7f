/* bench/routes.c: what each route of the R1 mix costs the worker, in process (no nginx, no
 * FastCGI), in three states: answered from the worker's cache; built with the cache empty; built
 * after another connection committed, as under a mixed load, when SQLite must drop its page cache
 * and read the pages again. Run by bench/routes, which prepares the data (bench/seed.py).
 * Usage: FROSTBYTE_CONFIG=DATA/frostbyte.conf routes TOKENS_FILE [ROUNDS] */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "router.h"

static struct arena arena;
static sqlite3 *other; /* a second connection, to commit between requests */

static double
now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* One request through the router, as fcgi.c serves it; returns the status. */
static int
serve(const char *method, const char *target, const char *body, const char *authorization)
{
	struct request rq;
	struct response rs;
	request_init(&rq, &arena);
	response_init(&rs);
	rq.method = method_parse(method);
	rq.method_name = method;
	const char *qm = strchr(target, '?');
	rq.path = qm ? arena_strndup(&arena, target, (size_t)(qm - target)) : target;
	rq.query = qm ? qm + 1 : "";
	rq.host = "127.0.0.1";
	rq.authorization = authorization;
	if (body != NULL) {
		rq.body = body;
		rq.content_type = "application/json";
		rq.content_length = strlen(body);
	}
	router_dispatch(&rq, &rs);
	db_after_request();
	arena_reset(&arena);
	return rs.status;
}

enum state { CACHED, EMPTY, AFTER_COMMIT };

/* Mean microseconds of one request over n, in the given state. */
static double
measure(const char *method, const char *target, const char *body, const char *auth, enum state s,
	int n, int *status)
{
	double total = 0;
	for (int i = 0; i < n; i++) {
		if (s != CACHED)
			cache_clear();
		if (s == AFTER_COMMIT &&
		    sqlite3_exec(other, "UPDATE bench_tick SET n = n + 1", NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "the other connection cannot commit: %s\n", sqlite3_errmsg(other));
			exit(1);
		}
		char b[64];
		if (body != NULL) /* a write must change something each time: the stars go round */
			snprintf(b, sizeof(b), body, i % 5 + 1);
		double t0 = now_us();
		*status = serve(method, target, body ? b : NULL, auth);
		total += now_us() - t0;
	}
	return total / n;
}

int
main(int argc, char **argv)
{
	char err[512];
	if (argc < 2) {
		fprintf(stderr, "usage: FROSTBYTE_CONFIG=DATA/frostbyte.conf %s TOKENS_FILE [ROUNDS]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 2000;
	db_lock_timer_setup();
	if (config_load(&config, NULL, err, sizeof(err)) != 0 ||
	    config_load_secret(&config, err, sizeof(err)) != 0 ||
	    auth_init(config.secret, config.secret_len) != 0 ||
	    db_open(config.database, config.synchronous, 2000, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	if (sqlite3_open(config.database, &other) != SQLITE_OK ||
	    sqlite3_exec(other, "PRAGMA busy_timeout = 2000;"
			 "CREATE TABLE IF NOT EXISTS bench_tick (n INTEGER);"
			 "INSERT INTO bench_tick SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM bench_tick)",
			 NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "second connection: %s\n", sqlite3_errmsg(other));
		return 1;
	}
	arena_init(&arena);
	char token[2048], auth[2100];
	FILE *f = fopen(argv[1], "r");
	if (f == NULL || fgets(token, sizeof(token), f) == NULL) {
		fprintf(stderr, "cannot read a token from %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	snprintf(auth, sizeof(auth), "Bearer %s", token);

	static const char *const reads[] = {
		"/api/health",
		"/api/parks?limit=20&sort=name",
		"/api/parks?limit=20&sort=rating",
		"/api/parks?limit=20&sort=reviews",
		"/api/parks/12",
		"/api/parks/30/reviews?limit=20",
		"/api/parks/12/reviews?limit=20&sort=helpful",
		"/api/analytics/parks/12",
		"/api/analytics/summary",
	};
	printf("| GET | cached | cache empty | after another connection's commit |\n");
	printf("| --- | ---: | ---: | ---: |\n");
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		int st[3];
		double t[3];
		for (int s = 0; s < 3; s++)
			t[s] = measure("GET", reads[i], NULL, NULL, (enum state)s, rounds, &st[s]);
		printf("| %s | %.1f µs | %.1f µs | %.1f µs |%s\n", reads[i], t[0], t[1], t[2],
		       st[0] == 200 && st[1] == 200 && st[2] == 200 ? "" : " (not 200!)");
	}
	static const struct { const char *method, *target, *body; } writes[] = {
		{ "PUT", "/api/parks/31/rating", "{\"stars\":%d}" },
		{ "POST", "/api/users/me/locations", "{\"label\":\"Bench %d\",\"latitude\":1,\"longitude\":2}" },
		{ "POST", "/api/channels/1/posts", "{\"title\":\"Bench\",\"body\":\"Post %d.\"}" },
	};
	printf("\n| write (wall time, fsync included) | mean |\n| --- | ---: |\n");
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		int st;
		double t = measure(writes[i].method, writes[i].target, writes[i].body, auth, EMPTY,
				   rounds / 4, &st);
		printf("| %s %s | %.1f µs |%s\n", writes[i].method, writes[i].target, t,
		       st / 100 == 2 ? "" : " (not 2xx!)");
	}
	arena_destroy(&arena);
	cache_clear();
	sqlite3_close(other);
	db_close();
	return 0;
}
