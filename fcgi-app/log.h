/* log.h: one line per request, and startup/failure messages, on stderr (journald or the run log). */
#ifndef FROSTBYTE_LOG_H
#define FROSTBYTE_LOG_H

#include "http.h"

/* Where lines go: stderr; fuzzers point it at /dev/null (millions of "upstream answered
 * nonsense" lines would bury their own reports). */
extern int log_fd;

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* method, route pattern (never the raw path or query), status, milliseconds, user id. Never tokens,
 * cookies or bodies. */
void log_request(const struct request *rq, const struct response *rs, double ms);

#endif
