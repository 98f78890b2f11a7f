/* gemini.c: the libcurl client for generateContent. One easy handle per worker, made before the
 * accept loop and reused, so connections stay alive and TLS sessions are resumed. */
#include "gemini.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "log.h"
#include "metrics.h"

#define REPLY_CAP (256 * 1024)   /* a short answer is a few KiB; anything near this is wrong */
#define HISTORY_ROLE_OK(r) (strcmp((r), "user") == 0 || strcmp((r), "model") == 0)

/* Our own words for the ranger (the original asked for the same expertise and brevity). */
static const char SYSTEM_INSTRUCTION[] =
	"You are Ranger, the camping advisor of Frostbyte, a site about U.S. national parks. You think "
	"like an experienced park ranger with wilderness-survival training, at home in tundra, desert, "
	"forest, valley, canyon, mountain and coastal country. Help campers of every level: where and "
	"when to go, what to pack, how to cook, find water and stay warm, and how to leave no trace. "
	"When you suggest gear, say what matters in it and, where one exists, name a cheaper "
	"alternative that does the job. Safety comes first: mention the real hazards (weather, "
	"wildlife, water, altitude, heat, cold) and say plainly when someone should not go, should "
	"turn back or should call for help; in an emergency tell them to call 911 or the park's "
	"rangers. Keep answers short and clear: no more than four sentences unless the camper asks "
	"for detail. If a question has nothing to do with the outdoors, kindly steer back to camping.";

static CURL *curl;
static struct curl_slist *headers;
static char errbuf[CURL_ERROR_SIZE];
static struct {
	char *p;
	size_t len, cap;
	bool overflow;
} buf;

enum gemini_result (*gemini_call)(struct arena *, const struct gemini_turn *, size_t,
				  const char **);

/* Plain http is allowed only to this machine, for the tests' fake server; anything else must be
 * https, so the key never crosses a network in clear text. */
static bool
loopback_http(const char *url)
{
	static const char *const hosts[] = { "http://127.0.0.1", "http://localhost", "http://[::1]" };
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		size_t n = strlen(hosts[i]);
		if (strncmp(url, hosts[i], n) == 0 && (url[n] == '\0' || url[n] == ':' || url[n] == '/'))
			return true;
	}
	return false;
}

static bool
model_ok(const char *m)
{
	if (*m == '\0')
		return false;
	for (; *m; m++)
		if (!(('a' <= *m && *m <= 'z') || ('A' <= *m && *m <= 'Z') || ('0' <= *m && *m <= '9') ||
		      *m == '-' || *m == '.' || *m == '_'))
			return false;
	return true;
}

/* Reads the key into key[] (trimmed). Returns 0, or -1 with the reason logged. */
static int
read_key(const char *path, char *key, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_msg("ranger chat is off: cannot read the Gemini key file %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		close(fd);
		log_msg("ranger chat is off: the Gemini key file %s must be a regular file readable by its "
			"owner only (chmod 600 %s)", path, path);
		return -1;
	}
	ssize_t n = read(fd, key, cap - 1);
	close(fd);
	if (n < 0)
		n = 0;
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r' || key[n - 1] == ' ' || key[n - 1] == '\t'))
		n--;
	key[n] = '\0';
	/* It goes into a header line: printable ASCII only, so it cannot smuggle in another header. */
	bool ok = n > 0 && (size_t)n < cap - 1;
	for (ssize_t i = 0; ok && i < n; i++)
		ok = key[i] > 0x20 && key[i] < 0x7f;
	if (!ok) {
		explicit_bzero(key, cap);
		log_msg("ranger chat is off: the Gemini key file %s does not hold one key of printable "
			"characters", path);
		return -1;
	}
	return 0;
}

static size_t
on_data(char *data, size_t size, size_t nmemb, void *user)
{
	(void)user;
	size_t n = size * nmemb;
	if (buf.len + n > REPLY_CAP) {
		buf.overflow = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (buf.len + n > buf.cap) {
		size_t cap = buf.cap ? buf.cap : 16384;
		while (cap < buf.len + n)
			cap *= 2;
		char *p = realloc(buf.p, cap);
		if (p == NULL)
			return 0;
		buf.p = p, buf.cap = cap;
	}
	memcpy(buf.p + buf.len, data, n);
	buf.len += n;
	return n;
}

void
gemini_init(const struct config *c)
{
	if (c->gemini_key_file[0] == '\0') {
		log_msg("ranger chat is off: no gemini_key_file is configured");
		return;
	}
	char base[sizeof(c->gemini_base_url)];
	snprintf(base, sizeof(base), "%s", c->gemini_base_url);
	for (size_t n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	bool https = strncmp(base, "https://", 8) == 0;
	if (!https && !loopback_http(base)) {
		log_msg("ranger chat is off: gemini_base_url must be https:// (plain http only to 127.0.0.1, "
			"localhost or [::1])");
		return;
	}
	if (!model_ok(c->gemini_model)) {
		log_msg("ranger chat is off: gemini_model may hold only letters, digits, '-', '.' and '_'");
		return;
	}
	char key[512], line[600];
	if (read_key(c->gemini_key_file, key, sizeof(key)) != 0)
		return;
	snprintf(line, sizeof(line), "x-goog-api-key: %s", key);
	explicit_bzero(key, sizeof(key));

	char url[sizeof(base) + sizeof(c->gemini_model) + 64];
	snprintf(url, sizeof(url), "%s/v1beta/models/%s:generateContent", base, c->gemini_model);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	if (h != NULL)
		headers = curl_slist_append(h, line);
	explicit_bzero(line, sizeof(line));
	if (headers == NULL)
		curl_slist_free_all(h);
	curl = headers != NULL ? curl_easy_init() : NULL;
	if (curl == NULL) {
		log_msg("ranger chat is off: libcurl could not start");
		gemini_cleanup();
		return;
	}
	/* The key stays out of the URL, so no log or error message can carry it. */
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* A worker's environment is not ours to trust: HTTPS_PROXY and friends are ignored. */
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)c->gemini_connect_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)c->gemini_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "frostbyte/1.0");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	gemini_call = gemini_generate;
}

void
gemini_cleanup(void)
{
	if (curl != NULL)
		curl_easy_cleanup(curl);
	curl = NULL;
	gemini_call = NULL;
	curl_slist_free_all(headers); /* the key's copy goes with it */
	headers = NULL;
	free(buf.p);
	memset(&buf, 0, sizeof(buf));
}

const char *
gemini_request_body(struct arena *a, const struct gemini_turn *turns, size_t n)
{
	struct jw w;
	jw_init(&w, a);
	jw_object(&w);
	jw_key(&w, "systemInstruction");
	jw_object(&w);
	jw_key(&w, "parts");
	jw_array(&w);
	jw_object(&w);
	jw_kstring(&w, "text", SYSTEM_INSTRUCTION);
	jw_end(&w);
	jw_end(&w);
	jw_end(&w);
	jw_key(&w, "contents");
	jw_array(&w);
	for (size_t i = 0; i < n; i++) {
		jw_object(&w);
		jw_kstring(&w, "role", HISTORY_ROLE_OK(turns[i].role) ? turns[i].role : "user");
		jw_key(&w, "parts");
		jw_array(&w);
		jw_object(&w);
		jw_kstring(&w, "text", turns[i].text);
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "generationConfig");
	jw_object(&w);
	jw_kint(&w, "maxOutputTokens", 4096); /* a bound on cost; the instruction keeps it short */
	jw_end(&w);
	jw_end(&w);
	return arena_strndup(a, w.buf, w.len); /* the writer's text is not NUL-terminated */
}

static bool
blocking_reason(const cJSON *s)
{
	static const char *const reasons[] = {
		"SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
	};
	if (!cJSON_IsString(s) || s->valuestring[0] == '\0')
		return false;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(s->valuestring, reasons[i]) == 0)
			return true;
	return false;
}

enum gemini_result
gemini_parse_reply(struct arena *a, const char *body, size_t len, const char **reply)
{
	enum gemini_result res = GEMINI_ERROR;
	*reply = NULL;
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root)) {
		log_msg("chat upstream answered something that is not a JSON object");
		goto done;
	}
	/* A prompt the filter refused has a blockReason and usually no candidates at all. */
	const cJSON *feedback = cJSON_GetObjectItemCaseSensitive(root, "promptFeedback");
	const cJSON *block = cJSON_GetObjectItemCaseSensitive(feedback, "blockReason");
	if (cJSON_IsString(block) && block->valuestring[0] != '\0') {
		res = GEMINI_BLOCKED;
		goto done;
	}
	const cJSON *cands = cJSON_GetObjectItemCaseSensitive(root, "candidates");
	const cJSON *cand = cJSON_IsArray(cands) ? cJSON_GetArrayItem(cands, 0) : NULL;
	if (!cJSON_IsObject(cand)) {
		log_msg("chat upstream answered with no candidate");
		goto done;
	}
	if (blocking_reason(cJSON_GetObjectItemCaseSensitive(cand, "finishReason"))) {
		res = GEMINI_BLOCKED;
		goto done;
	}
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(cand, "content");
	const cJSON *parts = cJSON_GetObjectItemCaseSensitive(content, "parts");
	if (!cJSON_IsArray(parts))
		parts = NULL;
	size_t total = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, parts) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
		/* Thinking models may return their reasoning as parts marked thought: not for campers. */
		if (cJSON_IsString(t) && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "thought")))
			total += strlen(t->valuestring);
	}
	if (total == 0) {
		log_msg("chat upstream answered a candidate with no text");
		goto done;
	}
	char *out = arena_alloc(a, total + 1), *o = out;
	cJSON_ArrayForEach(p, parts) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (cJSON_IsString(t) && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "thought"))) {
			size_t n = strlen(t->valuestring);
			memcpy(o, t->valuestring, n);
			o += n;
		}
	}
	*o = '\0';
	/* cJSON does not check UTF-8; the reply is stored and served as JSON text. */
	if (!utf8_valid(out, total)) {
		log_msg("chat upstream answered text that is not valid UTF-8");
		goto done;
	}
	*reply = out;
	res = GEMINI_OK;
done:
	cJSON_Delete(root);
	if (res == GEMINI_BLOCKED)
		*reply = GEMINI_REFUSAL;
	return res;
}

static enum gemini_result
generate(struct arena *a, const struct gemini_turn *turns, size_t n, const char **reply)
{
	*reply = NULL;
	if (curl == NULL)
		return GEMINI_ERROR;
	const char *body = gemini_request_body(a, turns, n);
	buf.len = 0;
	buf.overflow = false;
	errbuf[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(curl);
	/* POSTFIELDS points into the arena, which is reset after the request. */
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		log_msg("chat upstream timed out: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return GEMINI_TIMEOUT;
	}
	if (rc != CURLE_OK) {
		if (buf.overflow)
			log_msg("chat upstream reply is larger than %d bytes; dropped", REPLY_CAP);
		else
			log_msg("chat upstream failed: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return GEMINI_ERROR;
	}
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		log_msg("chat upstream answered HTTP %ld", status);
		return GEMINI_ERROR;
	}
	return gemini_parse_reply(a, buf.p ? buf.p : "", buf.len, reply);
}

/* Every upstream call is counted and timed for /api/metrics, whatever its outcome. */
enum gemini_result
gemini_generate(struct arena *a, const struct gemini_turn *turns, size_t n, const char **reply)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum gemini_result r = generate(a, turns, n, reply);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	metrics_upstream(r == GEMINI_OK ? MU_OK : r == GEMINI_BLOCKED ? MU_BLOCKED :
			 r == GEMINI_TIMEOUT ? MU_TIMEOUT : MU_ERROR, ms);
	return r;
}
