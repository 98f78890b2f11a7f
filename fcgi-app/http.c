/* http.c: the request and its answer (see http.h): the resp_* helpers, the one error shape, the
 * mapping of database errors to answers, the query string and cookies. */
#include "http.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "json.h"
#include "log.h"
#include "metrics.h"

static const char *const method_names[] = {
	[M_GET] = "GET", [M_HEAD] = "HEAD", [M_POST] = "POST", [M_PUT] = "PUT",
	[M_PATCH] = "PATCH", [M_DELETE] = "DELETE", [M_OPTIONS] = "OPTIONS", [M_OTHER] = "OTHER",
};

const char *
method_name(enum method m)
{
	return method_names[m];
}

enum method
method_parse(const char *s)
{
	for (int m = M_GET; m < M_OTHER; m++)
		if (s != NULL && strcmp(s, method_names[m]) == 0)
			return (enum method)m;
	return M_OTHER;
}

void
request_init(struct request *rq, struct arena *a)
{
	memset(rq, 0, sizeof(*rq));
	rq->a = a;
	rq->method = M_GET;
	rq->method_name = "GET";
	rq->path = "/";
	rq->query = "";
}

void
response_init(struct response *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 500;
	rs->cache_control = "private, no-store";
}

void
resp_cache_scope(struct response *rs, int64_t scope)
{
	rs->cacheable = true;
	rs->cache_scope = scope;
}

void
resp_header(struct response *rs, const char *name, const char *value)
{
	assert(rs->nheaders < HTTP_MAX_HEADERS); /* a programming error: raise HTTP_MAX_HEADERS */
	rs->headers[rs->nheaders++] = (struct header){ name, value };
}

int
resp_json(struct response *rs, int status, struct jw *w)
{
	assert(w->depth == 0); /* every object and array the handler opened is closed */
	rs->status = status;
	rs->content_type = "application/json";
	rs->body = w->buf;
	rs->body_len = w->len;
	return status;
}

int
resp_empty(struct response *rs, int status)
{
	rs->status = status;
	rs->content_type = NULL;
	rs->body = NULL;
	rs->body_len = 0;
	return status;
}

/* The envelope; ref_key/ref_id point at an existing object when the error is about it. */
static int
error_write(struct request *rq, struct response *rs, int status, const char *code,
	    const char *field, const char *message, const char *ref_key, int64_t ref_id)
{
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "error");
	jw_object(&w);
	jw_kstring(&w, "code", code);
	jw_kstring(&w, "message", message);
	if (field != NULL)
		jw_kstring(&w, "field", field);
	if (ref_key != NULL)
		jw_kint(&w, ref_key, ref_id);
	jw_end(&w);
	jw_end(&w);
	return resp_json(rs, status, &w);
}

int
resp_error(struct request *rq, struct response *rs, int status, const char *code,
	   const char *field, const char *message)
{
	return error_write(rq, rs, status, code, field, message, NULL, 0);
}

int
resp_error_ref(struct request *rq, struct response *rs, int status, const char *code,
	       const char *message, const char *ref_key, int64_t ref_id)
{
	return error_write(rq, rs, status, code, NULL, message, ref_key, ref_id);
}

int
resp_retry_later(struct request *rq, struct response *rs, const char *code, const char *message,
		 long seconds)
{
	if (seconds < 1)
		seconds = 1;
	resp_header(rs, "Retry-After", arena_printf(rq->a, "%ld", seconds));
	return error_write(rq, rs, 429, code, NULL, message, "retry_after", seconds);
}

int
quota_take(struct request *rq, struct response *rs, enum limit_action action)
{
	long wait;
	int rc = limits_take(rq->user->id, action, time(NULL), &wait);
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (wait == 0)
		return 0;
	db_rollback();
	return resp_retry_later(rq, rs, "rate_limited",
				arena_printf(rq->a, "You have reached the limit of %s. Please try again later.",
					     limits_describe(action)), wait);
}

int
cap_check(struct request *rq, struct response *rs, const char *count_sql, int max,
	  const char *message)
{
	if (max <= 0)
		return 0;
	sqlite3_stmt *st = db_stmt(count_sql);
	sqlite3_bind_int64(st, 1, rq->user->id);
	int rc = sqlite3_step(st);
	int64_t kept = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	if (kept < max)
		return 0;
	db_rollback();
	return resp_error(rq, rs, 409, "limit_reached", NULL, message);
}

int
resp_busy(struct request *rq, struct response *rs)
{
	resp_header(rs, "Retry-After", "1");
	return resp_error(rq, rs, 503, "busy", NULL,
			  "The site is busy right now. Please try again in a moment.");
}

int
db_fail(struct request *rq, struct response *rs, int rc)
{
	bool full = db_disk_full(rc); /* before the rollback, which has an errno of its own */
	const char *msg = arena_strdup(rq->a, sqlite3_errmsg(db));
	db_rollback();
	if (db_busy(rc)) {
		metrics_db_busy();
		return resp_busy(rq, rs);
	}
	metrics_db_error();
	if (full) {
		log_msg("database write failed, disk full: %s", msg);
		return resp_error(rq, rs, 507, "insufficient_storage", NULL,
				  "The server is out of storage space; your change was not saved.");
	}
	log_msg("database error %d on %s: %s", rc, rq->route ? rq->route : "-", msg);
	return resp_error(rq, rs, 500, "internal_error", NULL,
			  "Something went wrong on our side. Please try again later.");
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes a form-encoded span into the arena; NULL on a bad escape or an encoded NUL. */
static char *
form_decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			if (n - i < 3)
				return NULL;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return NULL;
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

const char *
query_get(struct request *rq, const char *name, bool *bad)
{
	size_t nlen = strlen(name);
	const char *p = rq->query;
	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		if (klen == nlen && memcmp(p, name, nlen) == 0) {
			const char *v = eq ? eq + 1 : p + len;
			char *out = form_decode(rq->a, v, (size_t)(p + len - v));
			if (out == NULL && bad != NULL)
				*bad = true;
			return out;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

const char *
cookie_get(struct request *rq, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = rq->cookie;
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nlen && p[nlen] == '=' && memcmp(p, name, nlen) == 0)
			return arena_strndup(rq->a, p + nlen + 1, len - nlen - 1);
		p = end;
	}
	return NULL;
}

const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	default: return "Unknown";
	}
}
