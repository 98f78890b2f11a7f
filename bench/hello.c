/* hello.c: the ceiling baseline for bench/run. The smallest FastCGI responder on the same libfcgi,
 * run by the same spawn-fcgi + multiwatch pool behind the same nginx settings as frostbyte-fcgi:
 * whatever it serves per second is the most any FastCGI route here can serve on this machine.
 * /hello?bytes=N answers a body of N bytes (up to 64 KiB) instead, the ceiling for a page that
 * size (the bytes themselves cost nginx and the kernel time).
 * Build: cc -O2 -o hello-fcgi bench/hello.c $(pkg-config --cflags --libs fcgi) */
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

static const char reply[] =
	"Status: 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"\r\n"
	"{\"hello\":\"world\"}";

static const char head[] = "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n";
static char padded[64 * 1024];

int
main(void)
{
	FCGX_Request r;
	if (FCGX_Init() != 0)
		return 1;
	/* fd 0: the listening socket spawn-fcgi hands to every worker. */
	if (FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	memset(padded, 'x', sizeof(padded));
	while (FCGX_Accept_r(&r) >= 0) {
		const char *q = FCGX_GetParam("QUERY_STRING", r.envp);
		long n = q && strncmp(q, "bytes=", 6) == 0 ? strtol(q + 6, NULL, 10) : 0;
		if (n > 0 && n <= (long)sizeof(padded)) {
			FCGX_PutStr(head, (int)sizeof(head) - 1, r.out);
			FCGX_PutStr(padded, (int)n, r.out);
		} else {
			FCGX_PutStr(reply, (int)sizeof(reply) - 1, r.out);
		}
		FCGX_Finish_r(&r);
	}
	return 0;
}
