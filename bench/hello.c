/* hello.c: the ceiling baseline for bench/run. The smallest FastCGI responder on the same libfcgi,
 * run by the same spawn-fcgi + multiwatch pool behind the same nginx settings as frostbyte-fcgi:
 * whatever it serves per second is the most any FastCGI route here can serve on this machine.
 * Build: cc -O2 -o hello-fcgi bench/hello.c $(pkg-config --cflags --libs fcgi) */
#include <fcgiapp.h>

static const char reply[] =
	"Status: 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"\r\n"
	"{\"hello\":\"world\"}";

int
main(void)
{
	FCGX_Request r;
	if (FCGX_Init() != 0)
		return 1;
	/* fd 0: the listening socket spawn-fcgi hands to every worker. */
	if (FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(reply, (int)sizeof(reply) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
