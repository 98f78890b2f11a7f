/* http.h: the request and its answer. struct request in, struct response out; handlers see nothing
 * else (fcgi.c fills the one and writes the other). */
#ifndef FROSTBYTE_HTTP_H
#define FROSTBYTE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "limits.h"

struct cJSON;
struct jw;

#define HTTP_BODY_MAX   (64 * 1024)  /* the contract's body cap; nginx's client_max_body_size matches */
#define HTTP_UPLOAD_MAX (10 * 1024 * 1024) /* a photo upload's (R_UPLOAD routes, the media pool) */
#define HTTP_MAX_CAPTURES 4
#define HTTP_MAX_HEADERS  8

enum method { M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_OPTIONS, M_OTHER };

struct user {
	int64_t id;
	const char *username, *display_name, *role, *created_at;
	int64_t token_version;
};

struct request {
	struct arena *a;
	enum method method;
	const char *method_name;
	const char *path;            /* nginx's normalised, decoded DOCUMENT_URI */
	const char *query;           /* raw QUERY_STRING, "" when absent */
	const char *content_type;    /* NULL when absent */
	uint64_t content_length;     /* as declared; may exceed the route's cap, then body is NULL */
	const char *body;            /* content_length bytes, not NUL-terminated */
	const char *authorization, *cookie, *origin, *sec_fetch_site, *host;
	const char *remote_addr;
	const char *request_id;      /* nginx's $request_id (hex), for the log line; NULL when absent */
	bool https;
	bool gzip;                   /* nginx's $frostbyte_gzip: the reader takes gzip (micro-cache.conf) */

	/* Filled by the router. */
	const char *route;           /* the route pattern, for logs */
	int route_id;                /* 1 + its index in the route table (0: none), for metrics */
	const char *captures[HTTP_MAX_CAPTURES];
	int64_t ids[HTTP_MAX_CAPTURES]; /* numeric value of :id captures */
	struct cJSON *json;          /* parsed body for JSON routes; freed by the arena */
	const struct user *user;     /* verified caller (live session), or NULL */
	int64_t token_user;          /* user id of a presented token whose signature and claims hold */
	const char *token_id;        /* jti of the presented token */
	int64_t token_exp;
	bool via_cookie;
};

struct header { const char *name, *value; };

struct response {
	int status;
	const char *content_type;
	const char *body;            /* arena-owned (or deferred) bytes */
	size_t body_len;
	struct header headers[HTTP_MAX_HEADERS];
	int nheaders;
	const char *cache_control;   /* "private, no-store" unless the router marks the answer public */
	bool cacheable;              /* set by resp_cache_scope */
	bool gzipped;                /* the body is in gzip form (gzip.h) */
	int64_t cache_scope;
};

void request_init(struct request *rq, struct arena *a);
void response_init(struct response *rs);
const char *method_name(enum method m);
enum method method_parse(const char *s);

/* Marks rs as an answer the router may keep in the answer cache (cache.h): valid while scope (a park
 * id or CACHE_FIGURES) and "everything" keep the versions they have in the handler's snapshot. An
 * answer not marked is never kept. */
void resp_cache_scope(struct response *rs, int64_t scope);
/* Adds a header; name and value must outlive the response (literals or arena strings). */
void resp_header(struct response *rs, const char *name, const char *value);
/* The writer's text becomes the body (it lives in the arena). Returns status, for
 * `return resp_json(...)`. */
int resp_json(struct response *rs, int status, struct jw *w);
int resp_empty(struct response *rs, int status);
/* The one error shape: {"error":{"code","message","field"?}}. Returns status. */
int resp_error(struct request *rq, struct response *rs, int status, const char *code,
	       const char *field, const char *message);

/* The same shape plus one id naming the object in the way, e.g. "review_id" for 409
 * already_reviewed. */
int resp_error_ref(struct request *rq, struct response *rs, int status, const char *code,
		   const char *message, const char *ref_key, int64_t ref_id);
/* 429 `code` with Retry-After: seconds (>= 1), the same figure as "retry_after" in the error
 * object, for a client that reads only the body. */
int resp_retry_later(struct request *rq, struct response *rs, const char *code, const char *message,
		     long seconds);
/* Inside the caller's open write transaction: takes one use of the caller's quota for `action`
 * (limits.h). 0 when allowed; otherwise rolls back and answers 429 rate_limited, or the database
 * error. Returns that status. */
int quota_take(struct request *rq, struct response *rs, enum limit_action action);
/* Inside the caller's open write transaction: when the caller already keeps `max` rows (0 = no
 * cap) as counted by `count_sql` (one column, the user's id as ?1), rolls back and answers
 * 409 limit_reached with `message`. 0 otherwise. Returns that status. */
int cap_check(struct request *rq, struct response *rs, const char *count_sql, int max,
	      const char *message);
/* 503 busy with Retry-After: 1, for any overload (database lock, memory for a password hash). */
int resp_busy(struct request *rq, struct response *rs);
/* The answer to a failing SQLite code (db.h): busy -> 503 busy, disk full -> 507, anything else ->
 * 500 (logged); each counted in the metrics. Rolls back an open transaction or snapshot. Returns
 * the status. */
int db_fail(struct request *rq, struct response *rs, int rc);

/* Query string: decoded value of the first occurrence of name, or NULL. Malformed escapes give NULL
 * and set *bad. */
const char *query_get(struct request *rq, const char *name, bool *bad);
/* Value of one cookie from the Cookie header, or NULL. */
const char *cookie_get(struct request *rq, const char *name);

const char *status_text(int status);

#endif
