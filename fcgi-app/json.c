/* json.c: the response writer and UTF-8 checks (see json.h).
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
