/* test_gemini.c: the Gemini reply parser on canned replies, the request body, and what
 * gemini_init accepts (key file, base URL, model). */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "gemini.h"
#include "tap.h"

static struct arena a;

static enum gemini_result
parse(const char *json, const char **reply)
{
	return gemini_parse_reply(&a, json, strlen(json), reply);
}

#define PARSES(json, want_res, want_text, name) do { const char *r_; \
	is_int(parse(json, &r_), want_res, name); is_str(r_, want_text, "... " name); } while (0)

static void
test_reply_text_parts_joined(void)
{
	PARSES("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Pack layers.\"}]},"
	       "\"finishReason\":\"STOP\"}]}", GEMINI_OK, "Pack layers.", "a plain reply");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"thinking...\",\"thought\":true},"
	       "{\"text\":\"Bring \"},{\"text\":\"water.\"}]}}]}", GEMINI_OK, "Bring water.",
	       "text parts are joined and thought parts left out");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"first\"}]}},"
	       "{\"content\":{\"parts\":[{\"text\":\"second\"}]}}]}", GEMINI_OK, "first",
	       "only the first candidate is used");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"B\\u00e4r \\ud83d\\udc3b \\n\\\"ok\\\"\"}]}}]}",
	       GEMINI_OK, "B\xc3\xa4r \xf0\x9f\x90\xbb \n\"ok\"", "escapes and a surrogate pair decode to UTF-8");
	PARSES("{\"candidates\":[{\"finishReason\":\"MAX_TOKENS\",\"content\":{\"parts\":[{\"text\":\"Half an\"}]}}]}",
	       GEMINI_OK, "Half an", "finishReason MAX_TOKENS keeps the text it has");
	arena_reset(&a);
}

static void
test_reply_blocked_gives_refusal(void)
{
	PARSES("{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}", GEMINI_BLOCKED, GEMINI_REFUSAL,
	       "promptFeedback.blockReason: blocked, with the refusal");
	PARSES("{\"promptFeedback\":{\"blockReason\":\"OTHER\"},\"candidates\":[]}", GEMINI_BLOCKED,
	       GEMINI_REFUSAL, "any blockReason blocks");
	PARSES("{\"candidates\":[{\"finishReason\":\"SAFETY\",\"safetyRatings\":[]}]}", GEMINI_BLOCKED,
	       GEMINI_REFUSAL, "finishReason SAFETY: blocked");
	PARSES("{\"candidates\":[{\"finishReason\":\"PROHIBITED_CONTENT\",\"content\":{\"parts\":[{\"text\":\"x\"}]}}]}",
	       GEMINI_BLOCKED, GEMINI_REFUSAL, "finishReason PROHIBITED_CONTENT: blocked even with text");
	arena_reset(&a);
}

static void
test_reply_without_text_is_error(void)
{
	PARSES("{\"candidates\":[]}", GEMINI_ERROR, NULL, "an empty candidate list is an error");
	PARSES("{}", GEMINI_ERROR, NULL, "no candidates at all is an error");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[]}}]}", GEMINI_ERROR, NULL, "a candidate with no parts");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}]}}]}", GEMINI_ERROR, NULL,
	       "a candidate with empty text");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"only a thought\",\"thought\":true}]}}]}",
	       GEMINI_ERROR, NULL, "a candidate with nothing but thoughts");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":42}]}}]}", GEMINI_ERROR, NULL,
	       "text that is not a string");
	PARSES("{\"candidates\":{\"content\":1}}", GEMINI_ERROR, NULL, "candidates not an array");
	PARSES("{\"candidates\":[\"x\"]}", GEMINI_ERROR, NULL, "a candidate that is not an object");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi", GEMINI_ERROR, NULL, "truncated JSON");
	PARSES("[1,2]", GEMINI_ERROR, NULL, "a JSON array");
	PARSES("", GEMINI_ERROR, NULL, "an empty body");
	PARSES("<html>Service Unavailable</html>", GEMINI_ERROR, NULL, "an HTML error page");
	PARSES("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"bad \xff byte\"}]}}]}", GEMINI_ERROR,
	       NULL, "text that is not valid UTF-8");
	PARSES("{\"Candidates\":[{\"content\":{\"parts\":[{\"text\":\"case\"}]}}]}", GEMINI_ERROR, NULL,
	       "keys are matched case-sensitively");
	arena_reset(&a);
}

/* Nothing past len is read. */
static void
test_reply_length_honoured(void)
{
	const char *body = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok\"}]}}]}GARBAGE";
	const char *r;
	is_int(gemini_parse_reply(&a, body, strlen(body) - 7, &r), GEMINI_OK, "the body's length is honoured");
	arena_reset(&a);
}

static void
test_request_body_carries_instruction_and_turns(void)
{
	struct gemini_turn turns[] = {
		{ "user", "Where to camp in \"Zion\"?" }, { "model", "Watchman.\nBook early." }, { "user", "Thanks" },
	};
	const char *body = gemini_request_body(&a, turns, 3);
	cJSON *j = cJSON_Parse(body);
	ok(cJSON_IsObject(j), "the request body is a JSON object");
	cJSON *sys = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "systemInstruction"), "parts"), 0);
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sys, "text"));
	ok(st && strstr(st, "ranger") && strstr(st, "cheaper") && strstr(st, "Safety"),
	   "it carries the ranger's system instruction");
	cJSON *contents = cJSON_GetObjectItemCaseSensitive(j, "contents");
	is_int(cJSON_GetArraySize(contents), 3, "and every turn, in order");
	int same = 1;
	for (int i = 0; i < 3; i++) {
		cJSON *c = cJSON_GetArrayItem(contents, i);
		const char *role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "role"));
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "parts"), 0), "text"));
		same = same && role && text && strcmp(role, turns[i].role) == 0 && strcmp(text, turns[i].text) == 0;
	}
	ok(same, "roles and texts survive escaping");
	ok(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "generationConfig"),
							   "maxOutputTokens")), "output tokens are bounded");
	cJSON_Delete(j);
	arena_reset(&a);
}

#define GOOGLE "https://generativelanguage.googleapis.com"
#define FLASH  "gemini-2.5-flash"

static char dir[64];

static void
write_key(const char *name, const char *text, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchmod(fd, mode) != 0)
		printf("Bail out! cannot write %s\n", path);
	close(fd);
}

/* Runs gemini_init with the key file `name` and base url; returns whether chat came on. */
static int
init_with(const char *name, const char *base, const char *model)
{
	struct config c;
	char err[256];
	config_load(&c, "/dev/null", err, sizeof(err));
	snprintf(c.gemini_key_file, sizeof(c.gemini_key_file), "%s%s%s", name ? dir : "", name ? "/" : "",
		 name ? name : "");
	snprintf(c.gemini_base_url, sizeof(c.gemini_base_url), "%s", base);
	snprintf(c.gemini_model, sizeof(c.gemini_model), "%s", model);
	c.gemini_connect_timeout_ms = 500;
	c.gemini_timeout_ms = 1000;
	gemini_cleanup();
	gemini_init(&c);
	return gemini_call != NULL;
}

static void
test_init_turns_chat_on_only_when_safe(void)
{
	static const struct {
		const char *key, *base, *model;
		int on;
		const char *what;
	} cases[] = {
		{ NULL, GOOGLE, FLASH, 0, "no key file configured: chat off" },
		{ "good", GOOGLE "/", FLASH, 1, "a 0600 key file and an https base: chat on" },
		{ "missing", GOOGLE, FLASH, 0, "a missing key file: chat off (the worker still starts)" },
		{ "loose", GOOGLE, FLASH, 0, "a key file others can read: chat off" },
		{ "empty", GOOGLE, FLASH, 0, "an empty key file: chat off" },
		{ "two", GOOGLE, FLASH, 0, "a key with a line break (header injection): chat off" },
		{ "good", "http://generativelanguage.googleapis.com", FLASH, 0, "plain http to another host: chat off" },
		{ "good", "http://127.0.0.1.evil.example", FLASH, 0,
		  "plain http to a host that only starts like loopback: chat off" },
		{ "good", GOOGLE, "../../v1/files?x=", 0, "a model name that would change the path: chat off" },
		{ "good", "http://[::1]:1", FLASH, 1, "plain http to [::1]: chat on" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(init_with(cases[i].key, cases[i].base, cases[i].model), cases[i].on, "%s", cases[i].what);
	gemini_cleanup();
}

/* Nothing listens on port 1: the call fails fast, as an upstream error. */
static void
test_refused_connection_is_upstream_error(void)
{
	ok(init_with("good", "http://127.0.0.1:1", FLASH), "plain http to 127.0.0.1: chat on");
	struct gemini_turn t = { "user", "hello" };
	const char *reply;
	is_int(gemini_call(&a, &t, 1, &reply), GEMINI_ERROR, "a refused connection is an upstream error");
	ok(reply == NULL, "... with no reply");
	gemini_cleanup();
	ok(gemini_call == NULL, "gemini_cleanup turns chat off");
	arena_reset(&a);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_reply_text_parts_joined),
	TAP_CASE(test_reply_blocked_gives_refusal),
	TAP_CASE(test_reply_without_text_is_error),
	TAP_CASE(test_reply_length_honoured),
	TAP_CASE(test_request_body_carries_instruction_and_turns),
	TAP_CASE(test_init_turns_chat_on_only_when_safe),
	TAP_CASE(test_refused_connection_is_upstream_error),
};

int
main(int argc, char **argv)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	arena_init(&a);
	snprintf(dir, sizeof(dir), "/tmp/frostbyte-gemini-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	write_key("good", "AIzaFakeKey123\n", 0600);
	write_key("loose", "AIzaFakeKey123\n", 0644);
	write_key("empty", "\n", 0600);
	write_key("two", "AIza\r\nX-Evil: 1\n", 0600);

	tap_run(cases, TAP_COUNT(cases), argc, argv);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	arena_destroy(&a);
	curl_global_cleanup();
	return tap_done();
}
