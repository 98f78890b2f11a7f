/* http.c: the HTTP boundary. FastCGI params and body -> struct request; struct response -> FastCGI
 * output; the accept loop. The only file that includes fcgiapp.h. */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>

#include "db.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "router.h"

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
}

void
resp_header(struct response *rs, const char *name, const char *value)
{
	if (rs->nheaders == HTTP_MAX_HEADERS)
		abort(); /* a programming error: raise HTTP_MAX_HEADERS */
	rs->headers[rs->nheaders++] = (struct header){ name, value };
}

int
resp_json(struct response *rs, int status, struct jw *w)
{
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
resp_busy(struct request *rq, struct response *rs)
{
	resp_header(rs, "Retry-After", "1");
	return resp_error(rq, rs, 503, "busy", NULL,
			  "The site is busy right now. Please try again in a moment.");
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

/* --- FastCGI side --------------------------------------------------------------------------- */

static const char *
param(struct arena *a, FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);
	return v ? arena_strdup(a, v) : NULL; /* params die at FCGX_Finish_r */
}

/* nginx's $request_id is 32 hex digits; anything else (a hand-made FastCGI request) is not
 * copied into the log line. */
static const char *
request_id(struct arena *a, const char *v)
{
	size_t n = v != NULL ? strspn(v, "0123456789abcdefABCDEF") : 0;
	return n > 0 && n <= 64 && v[n] == '\0' ? arena_strdup(a, v) : NULL;
}

/* Parses CONTENT_LENGTH strictly: digits only, no sign, no overflow. Absent means 0. */
static bool
parse_length(const char *s, uint64_t *out)
{
	*out = 0;
	if (s == NULL || *s == '\0')
		return true;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || *out > (UINT64_MAX - 9) / 10)
			return false;
		*out = *out * 10 + (uint64_t)(*s - '0');
	}
	return true;
}

/* Fills rq from the FastCGI request. Returns 0, or an error status already written to rs. */
static int
read_request(FCGX_Request *fr, struct request *rq, struct response *rs)
{
	struct arena *a = rq->a;
	rq->method_name = param(a, fr, "REQUEST_METHOD");
	rq->method = method_parse(rq->method_name);
	if (rq->method_name == NULL)
		rq->method_name = "?";
	rq->path = param(a, fr, "DOCUMENT_URI");
	if (rq->path == NULL)
		rq->path = param(a, fr, "SCRIPT_NAME");
	if (rq->path == NULL)
		rq->path = "/";
	rq->query = param(a, fr, "QUERY_STRING");
	if (rq->query == NULL)
		rq->query = "";
	rq->content_type = param(a, fr, "CONTENT_TYPE");
	rq->authorization = param(a, fr, "HTTP_AUTHORIZATION");
	rq->cookie = param(a, fr, "HTTP_COOKIE");
	rq->origin = param(a, fr, "HTTP_ORIGIN");
	rq->sec_fetch_site = param(a, fr, "HTTP_SEC_FETCH_SITE");
	rq->host = param(a, fr, "HTTP_HOST");
	rq->remote_addr = param(a, fr, "REMOTE_ADDR");
	rq->request_id = request_id(a, FCGX_GetParam("REQUEST_ID", fr->envp));
	const char *https = FCGX_GetParam("HTTPS", fr->envp);
	rq->https = https != NULL && strcasecmp(https, "on") == 0;

	if (!parse_length(FCGX_GetParam("CONTENT_LENGTH", fr->envp), &rq->content_length))
		return resp_error(rq, rs, 400, "bad_request", NULL, "Content-Length is not a number.");
	if (rq->content_length == 0 || rq->content_length > HTTP_BODY_MAX)
		return 0; /* the router answers 413 for an oversized body, before anything reads it */

	size_t want = (size_t)rq->content_length, got = 0;
	char *buf = arena_alloc(a, want + 1);
	while (got < want) {
		int n = FCGX_GetStr(buf + got, (int)(want - got), fr->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (got != want)
		return resp_error(rq, rs, 400, "bad_request", NULL,
				  "The request body is shorter than its Content-Length.");
	rq->body = buf;
	return 0;
}

static void
write_response(FCGX_Request *fr, struct request *rq, struct response *rs)
{
	char head[2048];
	int n = snprintf(head, sizeof(head), "Status: %d %s\r\n", rs->status, status_text(rs->status));
	if (rs->content_type != NULL)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Type: %s; charset=utf-8\r\n",
			      rs->content_type);
	n += snprintf(head + n, sizeof(head) - (size_t)n,
		      "Content-Length: %zu\r\nCache-Control: no-store\r\n", rs->body_len);
	for (int i = 0; i < rs->nheaders && (size_t)n < sizeof(head); i++)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "%s: %s\r\n", rs->headers[i].name,
			      rs->headers[i].value);
	if ((size_t)n + 3 > sizeof(head)) {
		log_msg("response headers too long for %s; answering 500", rq->route ? rq->route : rq->path);
		n = snprintf(head, sizeof(head), "Status: 500 Internal Server Error\r\nContent-Length: 0\r\n");
		rs->status = 500;
		rs->body_len = 0;
	}
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	/* -1 means the client went away; nothing more to do for this request. */
	if (FCGX_PutStr(head, n, fr->out) < 0)
		return;
	if (rs->body_len > 0 && rq->method != M_HEAD)
		FCGX_PutStr(rs->body, (int)rs->body_len, fr->out);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
http_serve(void)
{
	FCGX_Request fr;
	struct arena a;

	if (FCGX_Init() != 0) {
		log_msg("FCGX_Init failed");
		return 1;
	}
	/* spawn-fcgi hands us the listening socket as fd 0. */
	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_msg("FCGX_InitRequest failed");
		return 1;
	}
	arena_init(&a);
	while (FCGX_Accept_r(&fr) >= 0) {
		double t0 = now_ms();
		struct request rq;
		struct response rs;
		request_init(&rq, &a);
		response_init(&rs);
		if (read_request(&fr, &rq, &rs) == 0)
			router_dispatch(&rq, &rs);
		write_response(&fr, &rq, &rs);
		/* Counted before FCGX_Finish_r sends the answer: a client that scrapes right after its
		 * answer must find the request counted. */
		double ms = now_ms() - t0;
		metrics_request(&rq, &rs, ms);
		FCGX_Finish_r(&fr);
		log_request(&rq, &rs, ms);
		db_after_request();
		arena_reset(&a);
	}
	arena_destroy(&a);
	FCGX_Free(&fr, 1);
	return 0;
}
