/* log.h: one line per request, and startup/failure messages, on stderr (journald or the run log). */
#ifndef FROSTBYTE_LOG_H
#define FROSTBYTE_LOG_H

#include <stdint.h>

/* Where lines go: stderr; fuzzers point it at /dev/null (millions of "upstream answered
 * nonsense" lines would bury their own reports). */
extern int log_fd;

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One answered request: method, route pattern (never the raw path or query; NULL: none matched),
 * status, milliseconds, the caller's user id (0: none) and nginx's request id (NULL: none). Never
 * tokens, cookies or bodies. */
void log_request(const char *method, const char *route, int status, double ms, int64_t user_id,
		 const char *request_id);

#endif
