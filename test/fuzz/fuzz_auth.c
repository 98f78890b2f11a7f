/* fuzz_auth.c: the token checks and the Authorization and Cookie headers. Input: the header
 * value (up to a NUL). A made-up token never opens a session: the answer is 401, never 200 or a
 * crash. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "harness.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	harness_setup();
	atexit(harness_teardown); /* removes the temporary database */
	log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	(void)signup("fuzzer", "correct horse battery"); /* a real session exists beside the forgeries */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct claims c;
	if (auth_verify(text, time(NULL), &c) == 0)
		abort(); /* a forged token verified */
	char *bearer = malloc(size + 8), *cookie = malloc(size + 20);
	snprintf(bearer, size + 8, "Bearer %s", text);
	snprintf(cookie, size + 20, "frostbyte_session=%s", text);
	const char *headers[][2] = { { "Authorization", text }, { "Authorization", bearer },
				     { "Cookie", text }, { "Cookie", cookie } };
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		struct reply r = call("GET", "/api/users/me", NULL, headers[i][0], headers[i][1], NULL);
		if (r.status != 401) {
			printf("fuzz_auth: %s: %.80s answered %d\n", headers[i][0], headers[i][1], r.status);
			abort();
		}
	}
	free(text);
	free(bearer);
	free(cookie);
	return 0;
}
