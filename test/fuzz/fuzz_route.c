/* fuzz_route.c: the route matcher and its path captures. Input: "METHOD PATH" (the method is the
 * text before the first space; the rest is the path, up to a NUL). Every match must name a route
 * whose pattern fits the path, with :id captures that are positive ids. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int ready;
	if (!ready) {
		arena_init(&a);
		ready = 1;
	}
	char *text = arena_strndup(&a, (const char *)data, size); /* stops at a NUL, as FastCGI params do */
	char *space = strchr(text, ' ');
	struct request rq;
	request_init(&rq, &a);
	rq.method_name = space ? arena_strndup(&a, text, (size_t)(space - text)) : "GET";
	rq.method = method_parse(rq.method_name);
	rq.path = space ? space + 1 : text;
	char allow[128];
	const struct route *r = router_match(&rq, allow, sizeof(allow));
	if (r != NULL) {
		for (int i = 0; i < HTTP_MAX_CAPTURES; i++)
			if (rq.captures[i] != NULL && rq.ids[i] != 0 &&
			    rq.ids[i] != parse_id(rq.captures[i], strlen(rq.captures[i])))
				abort(); /* an id capture that does not read back */
	} else if (strlen(allow) >= sizeof(allow)) {
		abort();
	}
	arena_reset(&a);
	return 0;
}
