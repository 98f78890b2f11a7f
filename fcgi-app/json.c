/* json.c: strict request-body readers and response builders (see json.h).
 *
 * The writer states its invariants with assert(), kept in every build (configure never defines
 * NDEBUG): a broken one is a programming error in a handler, and ending the worker beats sending
 * invalid JSON. */
#include "json.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
json_defer_delete(void *p)
{
	cJSON_Delete(p);
}

bool
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	while (s < end) {
		unsigned c = *s;
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1; cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2; cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3; cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - s) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		s += n + 1;
	}
	return true;
}

size_t
utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* True when the raw body holds the escape \u0000, which cJSON would decode into a string that
 * silently ends early. A backslash counts only when it is not itself escaped. */
static bool
has_escaped_nul(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\')
			continue;
		if (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
			return true;
		i++; /* skip the escaped character, so "\\u0000" (a literal backslash) is not flagged */
	}
	return false;
}

static bool
field_allowed(const char *name, const char *const fields[])
{
	for (size_t i = 0; fields[i] != NULL; i++)
		if (strcmp(name, fields[i]) == 0)
			return true;
	return false;
}

int
json_parse_body(struct request *rq, struct response *rs, const char *const fields[])
{
	const char *body = rq->body ? rq->body : "";
	size_t len = rq->body ? rq->content_length : 0;

	if (len == 0)
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body must be a JSON object.");
	if (!utf8_valid(body, len))
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body is not valid UTF-8.");
	if (has_escaped_nul(body, len))
		return resp_error(rq, rs, 400, "invalid_field", NULL,
				  "Text may not contain NUL characters.");

	/* A raw NUL is never valid JSON; trailing bytes after the value are refused too. */
	const char *end = NULL;
	cJSON *root = memchr(body, '\0', len) ? NULL : cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root != NULL) {
		while (end < body + len && strchr(" \t\r\n", *end) != NULL)
			end++;
		if (end != body + len) {
			cJSON_Delete(root);
			root = NULL;
		}
	}
	if (root == NULL)
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body is not valid JSON.");
	arena_defer(rq->a, json_defer_delete, root);
	if (!cJSON_IsObject(root))
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body must be a JSON object.");

	for (const cJSON *it = root->child; it != NULL; it = it->next) {
		if (!field_allowed(it->string, fields)) {
			/* Echo the name only when it is short; it is valid UTF-8 (checked above). */
			const char *f = strlen(it->string) <= 64 ? it->string : NULL;
			return resp_error(rq, rs, 400, "unknown_field", f,
					  arena_printf(rq->a, "Unknown field%s%s%s.", f ? " \"" : "",
						       f ? f : "", f ? "\"" : ""));
		}
		for (const cJSON *dup = it->next; dup != NULL; dup = dup->next)
			if (strcmp(dup->string, it->string) == 0)
				return resp_error(rq, rs, 400, "invalid_field", it->string,
						  arena_printf(rq->a, "Field \"%s\" appears twice.", it->string));
	}
	rq->json = root;
	return 0;
}

/* Finds name in the body: *it is NULL when absent or null, which is an error only when required.
 * Returns 0 or the 400 written. */
static int
lookup(struct request *rq, struct response *rs, const char *name, bool required, bool *present,
       const cJSON **it)
{
	*it = cJSON_GetObjectItemCaseSensitive(rq->json, name);
	if (*it != NULL && cJSON_IsNull(*it))
		*it = NULL;
	if (present != NULL)
		*present = *it != NULL;
	if (*it == NULL && required)
		return resp_error(rq, rs, 400, "missing_field", name,
				  arena_printf(rq->a, "Field \"%s\" is required.", name));
	return 0;
}

int
json_str(struct request *rq, struct response *rs, const char *name, size_t min_chars,
	 size_t max_chars, bool required, const char **out)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, NULL, &it);
	*out = NULL;
	if (status != 0 || it == NULL)
		return status;
	if (!cJSON_IsString(it))
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be a string.", name));
	size_t n = utf8_chars(it->valuestring);
	if (n < min_chars || n > max_chars)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be %zu to %zu characters long.",
					       name, min_chars, max_chars));
	*out = it->valuestring;
	return 0;
}

int
json_text(struct request *rq, struct response *rs, const char *name, size_t max_chars,
	  bool required, bool multiline, const char **out)
{
	int status = json_str(rq, rs, name, 1, max_chars, required, out);
	if (status != 0 || *out == NULL)
		return status;
	bool blank = true;
	for (const unsigned char *p = (const unsigned char *)*out; *p; p++) {
		if (*p == 0x7f || (*p < 0x20 && !(multiline && (*p == '\n' || *p == '\r' || *p == '\t'))))
			return resp_error(rq, rs, 400, "invalid_field", name,
					  arena_printf(rq->a, "Field \"%s\" may not contain control characters.",
						       name));
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			blank = false;
	}
	if (blank)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" may not be blank.", name));
	return 0;
}

int
json_num(struct request *rq, struct response *rs, const char *name, double min, double max,
	 bool required, double *out, bool *present)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, present, &it);
	if (status != 0 || it == NULL)
		return status;
	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < min ||
	    it->valuedouble > max)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be a number from %g to %g.",
					       name, min, max));
	*out = it->valuedouble;
	return 0;
}

int
json_int(struct request *rq, struct response *rs, const char *name, int64_t min, int64_t max,
	 bool required, int64_t *out, bool *present)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, present, &it);
	if (status != 0 || it == NULL)
		return status;
	/* valueint saturates and truncates (4.7 -> 4), so judge the double. */
	double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be a whole number from %lld to %lld.",
					       name, (long long)min, (long long)max));
	*out = (int64_t)d;
	return 0;
}

int
json_bool(struct request *rq, struct response *rs, const char *name, bool required, bool *out,
	  bool *present)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, present, &it);
	if (status != 0 || it == NULL)
		return status;
	if (!cJSON_IsBool(it))
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be true or false.", name));
	*out = cJSON_IsTrue(it);
	return 0;
}

/* --- the response writer --------------------------------------------------------------------- */

void
jw_init(struct jw *w, struct arena *a)
{
	memset(w, 0, sizeof(*w));
	w->a = a;
	w->cap = 8192;
	w->buf = arena_alloc(a, w->cap);
}

static void
grow(struct jw *w, size_t n)
{
	size_t cap = w->cap * 2;
	while (w->len + n + 1 > cap)
		cap *= 2;
	char *nb = arena_alloc(w->a, cap);
	memcpy(nb, w->buf, w->len);
	w->buf = nb;
	w->cap = cap;
}

static inline void
put(struct jw *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap)
		grow(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void
putc_(struct jw *w, char c)
{
	if (w->len + 2 > w->cap)
		grow(w, 1);
	w->buf[w->len++] = c;
}

/* Places the comma before a member or an element. */
static void
comma(struct jw *w)
{
	if (w->comma[w->depth])
		putc_(w, ',');
	w->comma[w->depth] = true;
}

/* Before a value: after its key, or as an element of an array, or the one value at the top. */
static void
value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	assert(w->closer[w->depth] != '}' && (w->depth > 0 || !w->comma[0]));
	comma(w);
}

static void
open_(struct jw *w, char open, char close)
{
	assert(w->depth + 1 < JW_DEPTH); /* responses are shallow */
	value(w);
	putc_(w, open);
	w->depth++;
	w->comma[w->depth] = false;
	w->closer[w->depth] = close;
}

void jw_object(struct jw *w) { open_(w, '{', '}'); }
void jw_array(struct jw *w) { open_(w, '[', ']'); }

void
jw_end(struct jw *w)
{
	assert(w->depth > 0 && !w->after_key); /* something is open, and no key waits for its value */
	putc_(w, w->closer[w->depth]);
	w->depth--;
}

/* True when one of the 8 bytes in v is below 0x20, a quote or a backslash (exact for "any":
 * the classic has-less-than and has-byte tricks; bytes >= 0x80 never match). */
static inline bool
needs_escape8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
	return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
}

/* Review bodies make most of the bytes of a page: runs that need no escaping are found eight
 * bytes at a time and copied whole. */
static void
escaped(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s);
	if (w->len + n + 3 > w->cap)
		grow(w, n + 2);
	putc_(w, '"');
	const char *run = s, *end = s + n;
	while (s < end) {
		uint64_t v;
		if (end - s >= 8) {
			memcpy(&v, s, 8);
			if (!needs_escape8(v)) {
				s += 8;
				continue;
			}
		}
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\') {
			s++;
			continue;
		}
		put(w, run, (size_t)(s - run));
		run = ++s;
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(w, u, 6);
		}
		}
	}
	put(w, run, (size_t)(s - run));
	putc_(w, '"');
}

/* Keys are our own literals (names like "review_count"): nothing in them needs escaping. */
void
jw_key(struct jw *w, const char *key)
{
	assert(w->closer[w->depth] == '}' && !w->after_key); /* in an object, after a value */
	comma(w);
	size_t n = strlen(key);
	if (w->len + n + 4 > w->cap)
		grow(w, n + 3);
	char *o = w->buf + w->len;
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	w->len += n + 3;
	w->after_key = true;
}

void
jw_string(struct jw *w, const char *s)
{
	if (s == NULL) {
		jw_null(w);
		return;
	}
	value(w);
	escaped(w, s);
}

static void
digits(struct jw *w, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(w, tmp + i, sizeof(tmp) - (size_t)i);
}

void
jw_int(struct jw *w, int64_t v)
{
	value(w);
	if (v < 0)
		put(w, "-", 1);
	digits(w, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* For a double that must read back the same (a user's coordinates): %.15g when that does, else
 * %.17g, so 44.6 stays 44.6. A printf and a strtod, often a second printf: about 6,000
 * instructions (callgrind), against 270 for jw_fixed, which is why the figures of every list
 * (averages, scores, coordinates) use jw_fixed. JSON has no NaN or Infinity: those write null. */
void
jw_double(struct jw *w, double v)
{
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	value(w);
	put(w, tmp, (size_t)n);
}

void
jw_fixed(struct jw *w, double v, int decimals)
{
	static const double scale[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	assert(decimals >= 0 && decimals <= 9);
	if (!isfinite(v) || fabs(v * scale[decimals]) > 9e15) {
		jw_double(w, v);
		return;
	}
	/* Integer arithmetic instead of printf: this runs for every coordinate and average of every
	 * list. */
	long long r = llround(v * scale[decimals]);
	uint64_t u = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
	uint64_t div = (uint64_t)scale[decimals];
	uint64_t whole = u / div, frac = u % div;
	value(w);
	if (r < 0)
		put(w, "-", 1);
	digits(w, whole);
	if (frac != 0) {
		char f[10];
		int n = decimals;
		for (int i = n - 1; i >= 0; i--, frac /= 10)
			f[i] = (char)('0' + frac % 10);
		while (n > 0 && f[n - 1] == '0')
			n--;
		put(w, ".", 1);
		put(w, f, (size_t)n);
	}
}

void
jw_bool(struct jw *w, bool v)
{
	value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void
jw_null(struct jw *w)
{
	value(w);
	put(w, "null", 4);
}

void
jw_raw(struct jw *w, const char *json)
{
	value(w);
	put(w, json, strlen(json));
}

void jw_kstring(struct jw *w, const char *key, const char *s) { jw_key(w, key); jw_string(w, s); }
void jw_kint(struct jw *w, const char *key, int64_t v) { jw_key(w, key); jw_int(w, v); }
void jw_kbool(struct jw *w, const char *key, bool v) { jw_key(w, key); jw_bool(w, v); }
void jw_knull(struct jw *w, const char *key) { jw_key(w, key); jw_null(w); }
