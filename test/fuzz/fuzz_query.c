/* fuzz_query.c: the query-string decoder and the Cookie header parser, on the same bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

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
	struct request rq;
	request_init(&rq, &a);
	rq.query = arena_strndup(&a, (const char *)data, size);
	rq.cookie = rq.query;
	static const char *const names[] = { "q", "state", "near", "sort", "limit", "cursor", "stars", "" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool bad = false;
		const char *v = query_get(&rq, names[i], &bad);
		if (v != NULL && bad)
			abort(); /* a value is never returned with a bad escape */
		if (v != NULL && memchr(v, '\0', strlen(v) + 1) != v + strlen(v))
			abort();
	}
	(void)cookie_get(&rq, "frostbyte_session");
	(void)cookie_get(&rq, "");
	arena_reset(&a);
	return 0;
}
