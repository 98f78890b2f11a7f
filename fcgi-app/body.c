/* body.c: strict, typed reading of JSON request bodies (see body.h). */
#include "body.h"

#include <math.h>
#include <string.h>

#include "json.h"

static void
json_defer_delete(void *p)
{
	cJSON_Delete(p);
}

/* True when the raw body holds the escape \u0000, which cJSON would decode into a string that
 * silently ends early. A backslash counts only when it is not itself escaped. */
static bool
has_escaped_nul(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\')
			continue;
		if (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
			return true;
		i++; /* skip the escaped character, so "\\u0000" (a literal backslash) is not flagged */
	}
	return false;
}

static bool
field_allowed(const char *name, const char *const fields[])
{
	for (size_t i = 0; fields[i] != NULL; i++)
		if (strcmp(name, fields[i]) == 0)
			return true;
	return false;
}

int
json_parse_body(struct request *rq, struct response *rs, const char *const fields[])
{
	const char *body = rq->body ? rq->body : "";
	size_t len = rq->body ? rq->content_length : 0;

	if (len == 0)
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body must be a JSON object.");
	if (!utf8_valid(body, len))
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body is not valid UTF-8.");
	if (has_escaped_nul(body, len))
		return resp_error(rq, rs, 400, "invalid_field", NULL,
				  "Text may not contain NUL characters.");

	/* A raw NUL is never valid JSON; trailing bytes after the value are refused too. */
	const char *end = NULL;
	cJSON *root = memchr(body, '\0', len) ? NULL : cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root != NULL) {
		while (end < body + len && strchr(" \t\r\n", *end) != NULL)
			end++;
		if (end != body + len) {
			cJSON_Delete(root);
			root = NULL;
		}
	}
	if (root == NULL)
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body is not valid JSON.");
	arena_defer(rq->a, json_defer_delete, root);
	if (!cJSON_IsObject(root))
		return resp_error(rq, rs, 400, "malformed_json", NULL,
				  "The request body must be a JSON object.");

	for (const cJSON *it = root->child; it != NULL; it = it->next) {
		if (!field_allowed(it->string, fields)) {
			/* Echo the name only when it is short; it is valid UTF-8 (checked above). */
			const char *f = strlen(it->string) <= 64 ? it->string : NULL;
			return resp_error(rq, rs, 400, "unknown_field", f,
					  arena_printf(rq->a, "Unknown field%s%s%s.", f ? " \"" : "",
						       f ? f : "", f ? "\"" : ""));
		}
		for (const cJSON *dup = it->next; dup != NULL; dup = dup->next)
			if (strcmp(dup->string, it->string) == 0)
				return resp_error(rq, rs, 400, "invalid_field", it->string,
						  arena_printf(rq->a, "Field \"%s\" appears twice.", it->string));
	}
	rq->json = root;
	return 0;
}

/* Finds name in the body: *it is NULL when absent or null, which is an error only when required.
 * Returns 0 or the 400 written. */
static int
lookup(struct request *rq, struct response *rs, const char *name, bool required, bool *present,
       const cJSON **it)
{
	*it = cJSON_GetObjectItemCaseSensitive(rq->json, name);
	if (*it != NULL && cJSON_IsNull(*it))
		*it = NULL;
	if (present != NULL)
		*present = *it != NULL;
	if (*it == NULL && required)
		return resp_error(rq, rs, 400, "missing_field", name,
				  arena_printf(rq->a, "Field \"%s\" is required.", name));
	return 0;
}

int
json_str(struct request *rq, struct response *rs, const char *name, size_t min_chars,
	 size_t max_chars, bool required, const char **out)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, NULL, &it);
	*out = NULL;
	if (status != 0 || it == NULL)
		return status;
	if (!cJSON_IsString(it))
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be a string.", name));
	size_t n = utf8_chars(it->valuestring);
	if (n < min_chars || n > max_chars)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be %zu to %zu characters long.",
					       name, min_chars, max_chars));
	*out = it->valuestring;
	return 0;
}

/* The code point at *p, which is valid UTF-8 (json_parse_body checked the whole body); advances *p. */
static uint32_t
next_code_point(const unsigned char **p)
{
	const unsigned char *s = *p;
	int n = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	uint32_t c = n == 1 ? s[0] : s[0] & (0x3fu >> (n - 1));
	for (int i = 1; i < n; i++)
		c = c << 6 | (s[i] & 0x3fu);
	*p = s + n;
	return c;
}

/* White space, visible or not: a title made only of these looks empty. */
static bool
is_blank_char(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200d) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
	       c == 0x205f || c == 0x2060 || c == 0x3000 || c == 0xfeff;
}

/* Characters no one should be able to put in front of other people: the C0 and C1 controls and
 * DEL (ANSI escape sequences, a carriage return that overwrites a log line), and the bidi
 * embeddings, overrides and isolates, which reorder the text shown around them. A multiline body
 * keeps tabs and line breaks (CR only as part of CRLF); a single line keeps neither. */
static bool
is_refused_char(uint32_t c, uint32_t next, bool multiline)
{
	if (multiline && (c == '\n' || c == '\t' || (c == '\r' && next == '\n')))
		return false;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || (!multiline && (c == 0x2028 || c == 0x2029));
}

int
json_text(struct request *rq, struct response *rs, const char *name, size_t max_chars,
	  bool required, bool multiline, const char **out)
{
	int status = json_str(rq, rs, name, 1, max_chars, required, out);
	if (status != 0 || *out == NULL)
		return status;
	bool blank = true;
	const unsigned char *p = (const unsigned char *)*out;
	while (*p != '\0') {
		uint32_t c = next_code_point(&p);
		if (is_refused_char(c, *p, multiline))
			return resp_error(rq, rs, 400, "invalid_field", name,
					  arena_printf(rq->a, "Field \"%s\" may not contain control characters.",
						       name));
		blank = blank && is_blank_char(c);
	}
	if (blank)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" may not be blank.", name));
	return 0;
}

int
json_num(struct request *rq, struct response *rs, const char *name, double min, double max,
	 bool required, double *out, bool *present)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, present, &it);
	if (status != 0 || it == NULL)
		return status;
	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < min ||
	    it->valuedouble > max)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be a number from %g to %g.",
					       name, min, max));
	*out = it->valuedouble;
	return 0;
}

int
json_int(struct request *rq, struct response *rs, const char *name, int64_t min, int64_t max,
	 bool required, int64_t *out, bool *present)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, present, &it);
	if (status != 0 || it == NULL)
		return status;
	/* valueint saturates and truncates (4.7 -> 4), so judge the double. It is cast only once it
	 * is known to fit: (double)INT64_MAX rounds up to 2^63, so "d > (double)max" would let 2^63
	 * through to a cast out of range, which is undefined behaviour. */
	double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
	if (!isfinite(d) || d != floor(d) || d < -0x1p63 || d >= 0x1p63 || (int64_t)d < min ||
	    (int64_t)d > max)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be a whole number from %lld to %lld.",
					       name, (long long)min, (long long)max));
	*out = (int64_t)d;
	return 0;
}

int
json_bool(struct request *rq, struct response *rs, const char *name, bool required, bool *out,
	  bool *present)
{
	const cJSON *it;
	int status = lookup(rq, rs, name, required, present, &it);
	if (status != 0 || it == NULL)
		return status;
	if (!cJSON_IsBool(it))
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be true or false.", name));
	*out = cJSON_IsTrue(it);
	return 0;
}
