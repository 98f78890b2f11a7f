/* gzip.h: answers compressed once by the app rather than by nginx for every reader. A public
 * answer is compressed when nginx's micro-cache fills its copy (nginx-conf/micro-cache-location.conf),
 * and an answer the worker's answer cache keeps is compressed when it is kept (cache.h), so that a
 * signed-in camper's reads, which nginx never caches, are compressed once per change too. Both are
 * the same bytes for every reader and hold no secret, so compression leaks nothing (BREACH). */
#ifndef FROSTBYTE_GZIP_H
#define FROSTBYTE_GZIP_H

#include "arena.h"
#include "http.h"

/* As gzip_min_length in nginx-conf/gzip.conf: smaller answers gain little. */
#define GZIP_MIN_LENGTH 1024

/* The gzip form of body, in a's memory, with its length in *out_len; NULL when body is shorter
 * than GZIP_MIN_LENGTH or zlib fails (the answer then goes plain, and nginx compresses it). */
const char *gzip_compress(struct arena *a, const char *body, size_t len, size_t *out_len);
/* rs sends gz, the gzip form of its answer (len bytes, outliving rs), and says so
 * (Content-Encoding: gzip, Vary: Accept-Encoding). */
void gzip_use(struct response *rs, const char *gz, size_t len);
/* Compresses rs's body with gzip_compress and sends that, unless it is already compressed or
 * too short. */
void gzip_answer(struct request *rq, struct response *rs);

#endif
