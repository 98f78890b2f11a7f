/* harness.h: in-process requests against a temporary database: no nginx, no socket. */
#ifndef FROSTBYTE_HARNESS_H
#define FROSTBYTE_HARNESS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "http.h"
#include "tap.h"

struct reply {
	int status;
	cJSON *json;             /* parsed body or NULL; freed by the next harness_reset */
	const char *body;        /* body_len bytes and a NUL */
	size_t body_len;
	const char *headers[HTTP_MAX_HEADERS][2];
	int nheaders;
	const char *cache_control; /* what fcgi.c sends as Cache-Control */
};

/* Creates a fresh database in a temporary folder, migrates it, sets a test secret. */
void harness_setup(void);
void harness_teardown(void);
/* The main() of an in-process test: setup, the cases (tap_run), teardown, the plan. */
int harness_main(const struct tap_case *cases, size_t n, int argc, char **argv);

/* Sends one request through router_dispatch. extra_headers: "Authorization", "Cookie", "Origin",
 * "Sec-Fetch-Site", "Content-Type" (default application/json when a body is given), "HTTPS" ("on"),
 * "FROSTBYTE_GZIP" (nginx's parameter: "gzip") as name/value pairs ending with NULL. */
struct reply call(const char *method, const char *path_and_query, const char *body, ...);
const char *reply_header(const struct reply *r, const char *name);
/* The error code of an error reply, or "" */
const char *err_code(const struct reply *r);
const char *err_field(const struct reply *r);
/* True when r is an error answer with this status, code and field (NULL: no field). */
bool is_error(const struct reply *r, int status, const char *code, const char *field);
/* Member lookup by dotted path: "user.id" */
cJSON *jget(cJSON *o, const char *path);

/* printf into one of 8 rotating 8 KiB buffers, for a body or path built inline (the ninth call
 * reuses the first buffer). */
const char *sfmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* The integer at a dotted path, or -1 when it is not a number. */
int jint(cJSON *o, const char *path);

/* Signs up a user and returns its bearer header value ("Bearer ...") in static storage per call. */
const char *signup(const char *username, const char *password);

/* The password of the users bearer() signs up. */
#define TEST_PASSWORD "correct horse battery"
/* The bearer header value of the user `username`, signed up with TEST_PASSWORD the first time a
 * case asks for it: cases share users without depending on the case that made them. A case that
 * deletes its user's account uses a name no other case uses. */
const char *bearer(const char *username);
/* The same for an admin. */
const char *admin_bearer(const char *username);

/* The first column of the first row of sql (an integer), or -1 when there is none. */
long long count_rows(const char *sql);

/* Runs EXPLAIN QUERY PLAN on every statement the tests made the app prepare: one failing TAP
 * line for each that reads one of `tables` (NULL-ended; aliases count) by a full scan, then one
 * line saying more than `more_than` statements were checked ("no request reads WHAT by a full
 * scan"). The last case of a program calls it, over what the cases before it prepared. */
void check_no_full_scans(const char *what, int more_than, const char *const tables[]);

#endif
