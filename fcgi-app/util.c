/* util.c: ids, UTC timestamps, base64url and cutting UTF-8 text (see util.h). */
#include "util.h"

#include <string.h>

int64_t
parse_id(const char *s, size_t len)
{
	if (len == 0 || len > 18 || s[0] == '0')
		return 0;
	int64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

const char *
iso_time(struct arena *a, time_t t)
{
	struct tm tm;
	char *buf = arena_alloc(a, 24);
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
b64url_encode(struct arena *a, const unsigned char *in, size_t len)
{
	char *out = arena_alloc(a, (len + 2) / 3 * 4 + 1), *o = out;
	size_t i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = b64[v >> 18 & 63]; *o++ = b64[v >> 12 & 63];
		*o++ = b64[v >> 6 & 63];  *o++ = b64[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*o++ = b64[v >> 18 & 63]; *o++ = b64[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = b64[v >> 18 & 63]; *o++ = b64[v >> 12 & 63]; *o++ = b64[v >> 6 & 63];
	}
	*o = '\0';
	return out;
}

static int
b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

long
b64url_decode(const char *in, size_t len, unsigned char *out, size_t outcap)
{
	if (len % 4 == 1)
		return -1;
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == outcap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) /* leftover bits must be zero: one canonical spelling per value */
		return -1;
	return (long)n;
}

const char *
utf8_cut(struct arena *a, const char *s, size_t max_bytes)
{
	if (strlen(s) <= max_bytes)
		return s;
	size_t n = max_bytes;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) /* s[n] continues the character before */
		n--;
	return arena_printf(a, "%.*s\xe2\x80\xa6", (int)n, s); /* "…" */
}
