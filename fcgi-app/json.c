/* json.c: the response writer and UTF-8 checks (see json.h). */
#include "json.h"

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

/* Places the comma before a value, unless it follows its key. */
static void
value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->comma[w->depth])
		putc_(w, ',');
	w->comma[w->depth] = true;
}

static void
open_(struct jw *w, char open, char close)
{
	value(w);
	putc_(w, open);
	if (w->depth + 1 >= JW_DEPTH)
		abort(); /* a programming error: responses are shallow */
	w->depth++;
	w->comma[w->depth] = false;
	w->closer[w->depth] = close;
}

void jw_object(struct jw *w) { open_(w, '{', '}'); }
void jw_array(struct jw *w) { open_(w, '[', ']'); }

void
jw_end(struct jw *w)
{
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
	value(w);
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

/* v rounded to sig significant digits (half to even), exactly: v = M * 2^E with M < 2^53, and
 * v * 10^k = M * 5^k * 2^(E+k) is computed in 128-bit integers. For 1e-4 <= v < 1e15 and
 * sig <= 17 the product fits (M * 5^20 < 2^100) and k stays in 0..20. Sets m (sig digits) and k
 * (v ~ m / 10^k); false when v rounds up out of that range (printf then writes an exponent). */
static bool
round_decimal(double v, int sig, uint64_t *m, int *k)
{
	int e;
	double f = frexp(v, &e);
	uint64_t mant = (uint64_t)ldexp(f, 53);
	int exp2 = e - 53;
	int d = (int)floor(log10(v)); /* may be one off near a power of ten: fixed below */
	static const uint64_t p10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
		100000000, 1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
		100000000000000, 1000000000000000, 10000000000000000, 100000000000000000 };
	for (;;) {
		int kk = sig - 1 - d;
		if (kk < 0 || kk > 20)
			return false;
		unsigned __int128 p = mant;
		for (int i = 0; i < kk; i++)
			p *= 5;
		int shift = exp2 + kk;
		/* The digit count is decided on the truncated value, so d is exact; then round. */
		unsigned __int128 q, rem = 0, half = 0;
		if (shift >= 0) {
			q = p << shift;
		} else {
			int r = -shift;
			q = p >> r;
			rem = p - (q << r);
			half = (unsigned __int128)1 << (r - 1);
		}
		if (q >= p10[sig]) {
			d++;
			continue;
		}
		if (q < p10[sig - 1]) {
			d--;
			continue;
		}
		if (shift < 0 && (rem > half || (rem == half && (q & 1))))
			q++;
		if (q == p10[sig]) { /* 99...95 rounds up to 10^sig: one digit more before the point */
			if (kk == 0)
				return false;
			q = p10[sig - 1];
			kk--;
		}
		*m = (uint64_t)q;
		*k = kk;
		return true;
	}
}

/* m / 10^k as %g writes it (fixed notation, no trailing zeros); m has sig digits. */
static void
put_decimal(struct jw *w, uint64_t m, int k, int sig)
{
	char dg[20], out[48];
	for (int i = sig - 1; i >= 0; i--, m /= 10)
		dg[i] = (char)('0' + m % 10);
	int n = sig;
	while (n > 1 && dg[n - 1] == '0')
		n--;
	int whole = sig - k; /* digits before the point; <= 0 means 0.000ddd */
	char *o = out;
	if (whole <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -whole; i++)
			*o++ = '0';
		memcpy(o, dg, (size_t)n);
		o += n;
	} else {
		for (int i = 0; i < whole; i++)
			*o++ = i < n ? dg[i] : '0';
		if (n > whole) {
			*o++ = '.';
			memcpy(o, dg + whole, (size_t)(n - whole));
			o += n - whole;
		}
	}
	put(w, out, (size_t)(o - out));
}

/* The shortest of %.15g and %.17g that reads back as v, as printf would write it. Averages and
 * scores fill the park lists, so the usual range is done in integers: printf with strtod to
 * check cost about a microsecond per number. */
void
jw_double(struct jw *w, double v)
{
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	double a = fabs(v);
	if (a >= 1e-4 && a < 1e15) {
		static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
			1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20 };
		uint64_t m;
		int k, sig = 15;
		/* m < 2^53 and 10^k are exact doubles, so the division is the correctly rounded value
		 * of the decimal: the same double strtod would read. */
		bool done = round_decimal(a, 15, &m, &k);
		if (done && (double)m / p10[k] != a) {
			sig = 17;
			done = round_decimal(a, 17, &m, &k);
		}
		if (done) {
			value(w);
			if (v < 0)
				put(w, "-", 1);
			put_decimal(w, m, k, sig);
			return;
		}
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
	if (decimals < 0 || decimals > 9 || !isfinite(v) || fabs(v * scale[decimals]) > 9e15) {
		jw_double(w, v);
		return;
	}
	/* Integer arithmetic instead of printf: this runs for every coordinate of every list. */
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
