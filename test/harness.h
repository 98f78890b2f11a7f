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
	const char *body;
	const char *headers[HTTP_MAX_HEADERS][2];
	int nheaders;
};

/* Creates a fresh database in a temporary folder, migrates it, sets a test secret. */
void harness_setup(void);
void harness_teardown(void);

/* Sends one request through router_dispatch. extra_headers: "Authorization", "Cookie", "Origin",
 * "Sec-Fetch-Site", "Content-Type" (default application/json when a body is given), "HTTPS" ("on")
 * as name/value pairs ending with NULL. */
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

/* Runs EXPLAIN QUERY PLAN on every statement the tests made the app prepare, one TAP line each
 * statement that reads one of `tables` (NULL-ended; aliases count) by a full scan. Returns how
 * many statements were checked. */
int check_no_full_scans(const char *const tables[]);

#endif
