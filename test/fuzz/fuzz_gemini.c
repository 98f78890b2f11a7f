/* fuzz_gemini.c: the parser of Gemini's generateContent replies (what an upstream, or anyone in
 * the middle, can send us). A reply it accepts must be valid UTF-8. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemini.h"
#include "json.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int ready;
	if (!ready) {
		arena_init(&a);
		log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		ready = 1;
	}
	/* An exact-size copy, so reading one byte past the body is caught. */
	char *body = malloc(size ? size : 1);
	memcpy(body, data, size);
	const char *reply = NULL;
	enum gemini_result r = gemini_parse_reply(&a, body, size, &reply);
	if (r == GEMINI_OK && (reply == NULL || !utf8_valid(reply, strlen(reply))))
		abort();
	free(body);
	arena_reset(&a);
	return 0;
}
