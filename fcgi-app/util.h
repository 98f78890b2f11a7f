/* util.h: small helpers shared by modules: ids, UTC timestamps, base64url and cutting UTF-8 text. */
#ifndef FROSTBYTE_UTIL_H
#define FROSTBYTE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"

/* Parses a positive int64 id, as in a path or a query (digits only, no leading zero). Returns 0
 * on failure. */
int64_t parse_id(const char *s, size_t len);

/* "2026-11-28T05:40:00Z" into the arena. */
const char *iso_time(struct arena *a, time_t t);

/* base64url without padding. Encode into the arena; decode returns the length or -1 (bad input,
 * non-canonical trailing bits, or more than outcap bytes). */
char *b64url_encode(struct arena *a, const unsigned char *in, size_t len);
long b64url_decode(const char *in, size_t len, unsigned char *out, size_t outcap);

/* s when it is at most max_bytes long, else its longest prefix of at most max_bytes that ends on a
 * character boundary followed by "…", in the arena: for echoing a caller's value into a message
 * without ever splitting a UTF-8 character (which would make the answer invalid UTF-8). */
const char *utf8_cut(struct arena *a, const char *s, size_t max_bytes);

#endif
