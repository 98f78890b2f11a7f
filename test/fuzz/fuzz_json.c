/* fuzz_json.c: every resource's JSON body validation, through the real router and handlers on an
 * in-process database (test/harness.c). Input: one byte choosing the route, then the body. The
 * oracle: no crash, and the answer is one the contract allows (never a 500), with a JSON body.
 * Sign-up, sign-in and the account's password changes are left out: a valid body there costs an
 * Argon2 hash (a tenth of a second), which would stall the fuzzer; their fields go through the
 * same json_* readers exercised here. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "gemini.h"
#include "harness.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *user, *admin;
static char paths[16][96];
static int npaths;
static const char *methods[16];
static const char *tokens[16];

static enum gemini_result
stub_call(struct arena *a, const struct gemini_turn *turns, size_t n, const char **reply)
{
	(void)a, (void)turns, (void)n;
	*reply = "Bring layers.";
	return GEMINI_OK;
}

static void
route(const char *method, const char *path, const char *token)
{
	methods[npaths] = method;
	tokens[npaths] = token;
	snprintf(paths[npaths], sizeof(paths[0]), "%s", path);
	npaths++;
}

static int
created_id(struct reply r)
{
	cJSON *id = jget(r.json, "id");
	if (r.status != 201 || !cJSON_IsNumber(id)) {
		printf("fuzz_json: setup failed with %d: %s\n", r.status, r.body ? r.body : "");
		exit(1);
	}
	return id->valueint;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	harness_setup();
	atexit(harness_teardown); /* removes the temporary database */
	log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	gemini_call = stub_call;
	user = signup("fuzzer", "correct horse battery");
	admin = signup("fuzzadmin", "correct horse battery");
	const char *other = signup("bystander", "correct horse battery");
	sqlite3_exec(db, "UPDATE users SET role = 'admin' WHERE username = 'fuzzadmin'", NULL, NULL, NULL);
	int theirs = created_id(call("POST", "/api/parks/2/reviews", "{\"stars\":3,\"title\":\"t\",\"body\":\"b\"}",
				     "Authorization", other, NULL));
	int mine = created_id(call("POST", "/api/parks/4/reviews", "{\"stars\":3,\"title\":\"t\",\"body\":\"b\"}",
				   "Authorization", user, NULL));
	int post = created_id(call("POST", "/api/channels/1/posts", "{\"title\":\"t\",\"body\":\"b\"}",
				   "Authorization", user, NULL));
	int loc = created_id(call("POST", "/api/users/me/locations",
				  "{\"label\":\"camp\",\"latitude\":44.5,\"longitude\":-110.5}", "Authorization", user, NULL));
	int conv = created_id(call("POST", "/api/chat/conversations", "{}", "Authorization", user, NULL));

	char p[96];
	route("PUT", "/api/parks/1/rating", user);
	route("POST", "/api/parks/3/reviews", user);
	snprintf(p, sizeof(p), "/api/reviews/%d", mine);
	route("PATCH", p, user);
	snprintf(p, sizeof(p), "/api/reviews/%d/reports", theirs);
	route("POST", p, user);
	snprintf(p, sizeof(p), "/api/admin/reviews/%d", theirs);
	route("PATCH", p, admin);
	route("POST", "/api/channels/1/posts", user);
	snprintf(p, sizeof(p), "/api/posts/%d", post);
	route("PATCH", p, user);
	route("POST", "/api/users/me/locations", user);
	snprintf(p, sizeof(p), "/api/users/me/locations/%d", loc);
	route("PATCH", p, user);
	route("POST", "/api/quiz/results", user);
	route("POST", "/api/chat/conversations", user);
	snprintf(p, sizeof(p), "/api/chat/conversations/%d/messages", conv);
	route("POST", p, user);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int i = data[0] % npaths;
	/* The body is the rest, exactly: Content-Length says how long, nothing ends it early. */
	size_t len = size - 1;
	char *body = malloc(len ? len : 1), clen[24];
	memcpy(body, data + 1, len);
	snprintf(clen, sizeof(clen), "%zu", len);
	struct reply r = call(methods[i], paths[i], body, "Content-Length", clen, "Authorization", tokens[i], NULL);
	free(body);
	switch (r.status) {
	case 200: case 201: case 204: case 400: case 403: case 404: case 409: case 429: case 503:
		break;
	default:
		printf("fuzz_json: %s %s answered %d: %s\n", methods[i], paths[i], r.status, r.body ? r.body : "");
		abort();
	}
	if (r.status != 204 && r.json == NULL) {
		printf("fuzz_json: %s %s answered a body that is not JSON\n", methods[i], paths[i]);
		abort();
	}
	if (r.status >= 400 && !cJSON_IsString(jget(r.json, "error.code")))
		abort();
	return 0;
}
