/* json.c: strict request-body readers and response builders (see json.h). */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
json_defer_delete(void *p)
{
	cJSON_Delete(p);
}

static void *
must(void *p)
{
	if (p == NULL) {
		fputs("frostbyte: out of memory in cJSON\n", stderr);
		abort();
	}
	return p;
}

bool
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	while (s < end) {
		unsigned c = *s;
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1; cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2; cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3; cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - s) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		s += n + 1;
	}
	return true;
}

size_t
utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
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
	int st = lookup(rq, rs, name, required, NULL, &it);
	*out = NULL;
	if (st != 0 || it == NULL)
		return st;
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

int
json_num(struct request *rq, struct response *rs, const char *name, double min, double max,
	 bool required, double *out, bool *present)
{
	const cJSON *it;
	int st = lookup(rq, rs, name, required, present, &it);
	if (st != 0 || it == NULL)
		return st;
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
	int st = lookup(rq, rs, name, required, present, &it);
	if (st != 0 || it == NULL)
		return st;
	/* valueint saturates and truncates (4.7 -> 4), so judge the double. */
	double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max)
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
	int st = lookup(rq, rs, name, required, present, &it);
	if (st != 0 || it == NULL)
		return st;
	if (!cJSON_IsBool(it))
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "Field \"%s\" must be true or false.", name));
	*out = cJSON_IsTrue(it);
	return 0;
}

cJSON *json_obj(void) { return must(cJSON_CreateObject()); }
cJSON *json_arr(void) { return must(cJSON_CreateArray()); }

void
json_add(cJSON *o, const char *name, cJSON *item)
{
	if (!cJSON_AddItemToObject(o, name, must(item)))
		abort();
}

void
json_push(cJSON *arr, cJSON *item)
{
	if (!cJSON_AddItemToArray(arr, must(item)))
		abort();
}

void
json_add_str(cJSON *o, const char *name, const char *value)
{
	json_add(o, name, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

void json_add_int(cJSON *o, const char *name, int64_t v) { json_add(o, name, cJSON_CreateNumber((double)v)); }
void json_add_num(cJSON *o, const char *name, double v) { json_add(o, name, cJSON_CreateNumber(v)); }
void json_add_bool(cJSON *o, const char *name, bool v) { json_add(o, name, cJSON_CreateBool(v)); }
void json_add_null(cJSON *o, const char *name) { json_add(o, name, cJSON_CreateNull()); }
