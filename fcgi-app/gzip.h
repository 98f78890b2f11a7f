/* gzip.h: a public answer compressed once by the app, so that nginx's micro-cache keeps the
 * compressed copy and serves it to every reader that accepts gzip, rather than compressing the same
 * bytes again for each of them (nginx-conf/micro-cache-location.conf). */
#ifndef FROSTBYTE_GZIP_H
#define FROSTBYTE_GZIP_H

#include "http.h"

/* As gzip_min_length in nginx-conf/gzip.conf: smaller answers gain little. */
#define GZIP_MIN_LENGTH 1024

/* Replaces rs's body, when it is at least GZIP_MIN_LENGTH bytes, by its gzip form in rq's arena
 * and says so (Content-Encoding: gzip, Vary: Accept-Encoding). On any failure the body stays as it
 * was, and nginx compresses it as it does every other answer. */
void gzip_answer(struct request *rq, struct response *rs);

#endif
