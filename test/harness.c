/* harness.c: TAP output and the in-process request harness (see harness.h, tap.h). */
#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "cache.h"
#include "db.h"
#include "router.h"

int tap_n, tap_failed;
static const char *tap_case; /* the name of the running case, or NULL */

int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_n);
	if (tap_case != NULL)
		printf("%s: ", tap_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

int
tap_aborts(void (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		fn(arg);
		_exit(0);
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGABRT;
}

int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

static bool
named(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return argc < 2;
}

void
tap_run(const struct tap_case *cases, size_t n, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t k = 0;
		while (k < n && strcmp(cases[k].name, argv[i]) != 0)
			k++;
		if (k == n) {
			printf("Bail out! no case named %s\n", argv[i]);
			exit(1);
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (!named(cases[k].name, argc, argv))
			continue;
		tap_case = cases[k].name;
		cases[k].run();
		tap_case = NULL;
	}
}

int
tap_main(const struct tap_case *cases, size_t n, int argc, char **argv)
{
	tap_run(cases, n, argc, argv);
	return tap_done();
}

static struct arena arena;
static char tmpdir[256];
static const unsigned char test_key[32] = "frostbyte-test-key-32-bytes-long";

void
harness_setup(void)
{
	char err[512];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/frostbyte-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	/* Tests must not read a developer's /etc/frostbyte config. */
	setenv("FROSTBYTE_CONFIG", "/dev/null", 1);
	if (config_load(&config, NULL, err, sizeof(err)) != 0) {
		printf("Bail out! config: %s\n", err);
		exit(1);
	}
	config.cookie_secure = false;
	snprintf(config.database, sizeof(config.database), "%s/test.db", tmpdir);
	snprintf(config.photos_dir, sizeof(config.photos_dir), "%s/photos", tmpdir);
	snprintf(config.synchronous, sizeof(config.synchronous), "NORMAL");
	db_lock_timer_setup();
	if (auth_init(test_key, sizeof(test_key)) != 0 ||
	    db_open(config.database, "NORMAL", 2000, err, sizeof(err)) != 0 ||
	    db_migrate(err, sizeof(err)) < 0) {
		printf("Bail out! setup: %s\n", err);
		exit(1);
	}
	arena_init(&arena);
}

void
harness_teardown(void)
{
	arena_destroy(&arena);
	cache_clear();
	db_close();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int
harness_main(const struct tap_case *cases, size_t n, int argc, char **argv)
{
	harness_setup();
	tap_run(cases, n, argc, argv);
	harness_teardown();
	return tap_done();
}

static void
delete_json(void *p)
{
	cJSON_Delete(p);
}

/* Each reply lives until the arena is reset, which happens every 64 calls; tests use replies
 * right after the call. */
static int calls;

struct reply
call(const char *method, const char *target, const char *body, ...)
{
	if (++calls % 64 == 0)
		arena_reset(&arena);
	struct request rq;
	struct response rs;
	request_init(&rq, &arena);
	response_init(&rs);
	rq.method = method_parse(method);
	rq.method_name = method;
	const char *qm = strchr(target, '?');
	rq.path = qm ? arena_strndup(&arena, target, (size_t)(qm - target)) : target;
	rq.query = qm ? qm + 1 : "";
	rq.host = "127.0.0.1:8102";
	bool clen_given = false; /* a Content-Length header: the body is that many bytes, no NUL needed */
	if (body != NULL) {
		rq.body = body;
		rq.content_type = "application/json";
	}
	va_list ap;
	va_start(ap, body);
	const char *name;
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		if (strcmp(name, "Authorization") == 0) rq.authorization = value;
		else if (strcmp(name, "Cookie") == 0) rq.cookie = value;
		else if (strcmp(name, "Origin") == 0) rq.origin = value;
		else if (strcmp(name, "Sec-Fetch-Site") == 0) rq.sec_fetch_site = value;
		else if (strcmp(name, "Content-Type") == 0) rq.content_type = value;
		else if (strcmp(name, "Content-Length") == 0) rq.content_length = strtoull(value, NULL, 10), clen_given = true;
		else if (strcmp(name, "HTTPS") == 0) rq.https = strcmp(value, "on") == 0;
		else if (strcmp(name, "FROSTBYTE_GZIP") == 0) rq.gzip = strcmp(value, "gzip") == 0;
		else { printf("Bail out! unknown header %s\n", name); exit(1); }
	}
	va_end(ap);
	if (body != NULL && !clen_given)
		rq.content_length = strlen(body);

	router_dispatch(&rq, &rs);
	db_after_request();

	struct reply r = { .status = rs.status, .nheaders = rs.nheaders, .body_len = rs.body_len };
	if (rs.body != NULL) { /* a copy with a NUL after it; a gzip body has NULs of its own */
		char *copy = arena_alloc(&arena, rs.body_len + 1);
		memcpy(copy, rs.body, rs.body_len);
		copy[rs.body_len] = '\0';
		r.body = copy;
		r.json = cJSON_Parse(r.body);
		if (r.json != NULL)
			arena_defer(&arena, delete_json, r.json);
	}
	for (int i = 0; i < rs.nheaders; i++) {
		r.headers[i][0] = rs.headers[i].name;
		r.headers[i][1] = rs.headers[i].value;
	}
	r.cache_control = rs.cache_control;
	return r;
}

const char *
reply_header(const struct reply *r, const char *name)
{
	for (int i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i][0], name) == 0)
			return r->headers[i][1];
	return NULL;
}

cJSON *
jget(cJSON *o, const char *path)
{
	char key[128];
	while (o != NULL && *path) {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(key))
				     : cJSON_GetObjectItemCaseSensitive(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

const char *
sfmt(const char *f, ...)
{
	static char ring[8][8192];
	static int next;
	char *out = ring[next++ % 8];
	va_list ap;
	va_start(ap, f);
	vsnprintf(out, sizeof(ring[0]), f, ap);
	va_end(ap);
	return out;
}

int
jint(cJSON *o, const char *path)
{
	cJSON *v = jget(o, path);
	return cJSON_IsNumber(v) ? v->valueint : -1;
}

const char *
err_code(const struct reply *r)
{
	cJSON *c = jget(r->json, "error.code");
	return cJSON_IsString(c) ? c->valuestring : "";
}

const char *
err_field(const struct reply *r)
{
	cJSON *c = jget(r->json, "error.field");
	return cJSON_IsString(c) ? c->valuestring : NULL;
}

bool
is_error(const struct reply *r, int status, const char *code, const char *field)
{
	const char *f = err_field(r);
	return r->status == status && strcmp(err_code(r), code) == 0 &&
	       (field ? f && strcmp(f, field) == 0 : f == NULL);
}

const char *
signup(const char *username, const char *password)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"username\":\"%s\",\"display_name\":\"%s\",\"password\":\"%s\"}",
		 username, username, password);
	struct reply r = call("POST", "/api/users", body, NULL);
	cJSON *t = jget(r.json, "token");
	if (r.status != 201 || !cJSON_IsString(t)) {
		printf("Bail out! signup %s failed with %d\n", username, r.status);
		exit(1);
	}
	/* Tokens outlive the arena's periodic reset: keep them in a small static ring. */
	static char ring[32][1024];
	static int next;
	char *out = ring[next++ % 32];
	snprintf(out, sizeof(ring[0]), "Bearer %s", t->valuestring);
	return out;
}

static struct {
	char name[33];
	char bearer[1024];
} users[64];
static int nusers;

const char *
bearer(const char *username)
{
	for (int i = 0; i < nusers; i++)
		if (strcmp(users[i].name, username) == 0)
			return users[i].bearer;
	if (nusers == (int)(sizeof(users) / sizeof(users[0])) || strlen(username) >= sizeof(users[0].name)) {
		printf("Bail out! bearer(%s): too many users or too long a name\n", username);
		exit(1);
	}
	snprintf(users[nusers].name, sizeof(users[0].name), "%s", username);
	snprintf(users[nusers].bearer, sizeof(users[0].bearer), "%s", signup(username, TEST_PASSWORD));
	return users[nusers++].bearer;
}

const char *
admin_bearer(const char *username)
{
	const char *b = bearer(username);
	char *sql = sqlite3_mprintf("UPDATE users SET role = 'admin' WHERE username = %Q", username);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		printf("Bail out! could not make %s an admin: %s\n", username, sqlite3_errmsg(db));
		exit(1);
	}
	return b;
}

long long
count_rows(const char *sql)
{
	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static bool
is_scan_of(const char *detail, const char *const tables[])
{
	if (strncmp(detail, "SCAN ", 5) != 0)
		return false;
	size_t n = strcspn(detail + 5, " ");
	for (int i = 0; tables[i] != NULL; i++)
		if (strlen(tables[i]) == n && strncmp(detail + 5, tables[i], n) == 0)
			return true;
	return false;
}

void
check_no_full_scans(const char *what, int more_than, const char *const tables[])
{
	int checked = 0;
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st != NULL; st = sqlite3_next_stmt(db, st)) {
		const char *sql = sqlite3_sql(st);
		if (sql == NULL || strncmp(sql, "EXPLAIN", 7) == 0)
			continue;
		char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
		sqlite3_stmt *plan = NULL;
		if (sqlite3_prepare_v2(db, eqp, -1, &plan, NULL) == SQLITE_OK) {
			checked++;
			while (sqlite3_step(plan) == SQLITE_ROW) {
				const char *detail = (const char *)sqlite3_column_text(plan, 3);
				if (detail != NULL && is_scan_of(detail, tables))
					ok(0, "no full scan: %s in %.100s", detail, sql);
			}
		}
		sqlite3_finalize(plan);
		sqlite3_free(eqp);
	}
	ok(checked > more_than, "EXPLAIN QUERY PLAN: no request reads %s by a full scan (%d statements)", what,
	   checked);
}
