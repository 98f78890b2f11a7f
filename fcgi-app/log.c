/* log.c: request and event logging to stderr, one write(2) per line so workers never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int log_fd = STDERR_FILENO;

/* "2026-11-28T10:15:00Z " into buf (n >= 32); formatted once a second, since every request
 * logs a line. Per thread: the write pool logs from several. */
static size_t
stamp(char *buf, size_t n)
{
	static _Thread_local time_t last = -1;
	static _Thread_local char text[32];
	static _Thread_local size_t len;
	time_t t = time(NULL);
	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		len = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ ", &tm);
		last = t;
	}
	memcpy(buf, text, len < n ? len : 0);
	return len < n ? len : 0;
}

/* getpid is a system call each time; a worker never forks after it starts. */
static int
pid(void)
{
	static _Thread_local int cached;
	if (cached == 0)
		cached = (int)getpid();
	return cached;
}

static void
emit(char *line, size_t len, size_t cap)
{
	if (len >= cap - 1)
		len = cap - 2;
	line[len++] = '\n';
	ssize_t w = write(log_fd, line, len);
	(void)w; /* nowhere left to report a failed log write */
}

void
log_msg(const char *fmt, ...)
{
	char line[1024];
	size_t n = stamp(line, sizeof(line));
	n += (size_t)snprintf(line + n, sizeof(line) - n, "[%d] ", pid());
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	emit(line, n + (m > 0 ? (size_t)m : 0), sizeof(line));
}

void
log_request(const char *method, const char *route, int status, double ms, int64_t user_id,
	    const char *request_id)
{
	char line[512], user[24] = "-";
	size_t n = stamp(line, sizeof(line));
	if (user_id != 0)
		snprintf(user, sizeof(user), "%lld", (long long)user_id);
	/* pid: which worker of the pool served it; req: nginx's $request_id, which joins this line to
	 * nginx's access log line. */
	long tenths = ms > 0 ? (long)(ms * 10 + 0.5) : 0; /* "%.1f" without printf's float path */
	int m = snprintf(line + n, sizeof(line) - n, "%s %s %d %ld.%ldms user=%s pid=%d%s%s",
			 method, route ? route : "-", status, tenths / 10, tenths % 10, user, pid(),
			 request_id ? " req=" : "", request_id ? request_id : "");
	emit(line, n + (m > 0 ? (size_t)m : 0), sizeof(line));
}
