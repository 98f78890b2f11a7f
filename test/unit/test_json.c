/* test_json.c: strict body parsing and typed getters. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "body.h"
#include "harness.h"
#include "json.h"

static struct arena a;
static struct request rq;
static struct response rs;

static const char *const fields[] = { "name", "stars", "lat", "flag", NULL };

/* Parses body; returns the status (0 when accepted). */
static int
parse(const char *body, size_t len)
{
	arena_reset(&a);
	request_init(&rq, &a);
	response_init(&rs);
	rq.body = body;
	rq.content_length = len;
	return json_parse_body(&rq, &rs, fields);
}
#define P(lit) parse(lit, sizeof(lit) - 1)

/* Misuses of the writer, each a programming error its assertions stop. */
static const char *const misuses[] = {
	"jw_end with nothing open", "jw_end after a key without its value", "jw_key in an array",
	"a value in an object without its key", "a second value at the top",
	"nesting deeper than JW_DEPTH - 1", "jw_fixed with 10 decimals",
};
static int misuse_case;

static void
misuse(void *arena)
{
	struct jw w;
	jw_init(&w, arena);
	switch (misuse_case) {
	case 0: jw_object(&w); jw_end(&w); jw_end(&w); break;
	case 1: jw_object(&w); jw_key(&w, "k"); jw_end(&w); break;
	case 2: jw_array(&w); jw_key(&w, "k"); break;
	case 3: jw_object(&w); jw_int(&w, 1); break;
	case 4: jw_int(&w, 1); jw_int(&w, 2); break;
	case 5: for (int i = 0; i < JW_DEPTH; i++) jw_array(&w); break;
	case 6: jw_fixed(&w, 1.5, 10); break;
	}
}

static const char *
code(void)
{
	cJSON *j = cJSON_ParseWithLength(rs.body, rs.body_len);
	static char buf[64];
	cJSON *c = jget(j, "error.code");
	snprintf(buf, sizeof(buf), "%s", cJSON_IsString(c) ? c->valuestring : "");
	cJSON_Delete(j);
	return buf;
}

static const char *
field_of(void)
{
	cJSON *j = cJSON_ParseWithLength(rs.body, rs.body_len);
	static char buf[64];
	cJSON *c = jget(j, "error.field");
	snprintf(buf, sizeof(buf), "%s", cJSON_IsString(c) ? c->valuestring : "");
	cJSON_Delete(j);
	return buf;
}

int
main(void)
{
	arena_init(&a);

	/* Envelope and parse errors. */
	is_int(P("{\"name\":\"x\"}"), 0, "a valid object is accepted");
	is_int(P("{\"name\":"), 400, "truncated JSON is refused");
	is_str(code(), "malformed_json", "... as malformed_json");
	is_int(P("[1,2]"), 400, "an array body is refused");
	is_str(code(), "malformed_json", "... as malformed_json");
	is_int(P("{} x"), 400, "trailing bytes after the object are refused");
	is_int(P("{}   \n"), 0, "trailing whitespace is fine");
	is_int(parse("", 0), 400, "an empty body is refused");
	is_int(P("{\"name\":\"\xff\"}"), 400, "invalid UTF-8 is refused");
	is_str(code(), "malformed_json", "... as malformed_json");
	is_int(P("{\"name\":\"\xed\xa0\x80\"}"), 400, "an encoded surrogate is invalid UTF-8");
	is_int(P("{\"name\":\"\xc0\xaf\"}"), 400, "an overlong encoding is invalid UTF-8");
	is_int(parse("{\"name\":\"a\0b\"}", 13), 400, "a raw NUL byte is refused");
	is_int(P("{\"name\":\"a\\u0000b\"}"), 400, "an escaped NUL is refused");
	is_str(code(), "invalid_field", "... as invalid_field");
	is_int(P("{\"name\":\"a\\\\u0000b\"}"), 0, "an escaped backslash before u0000 is plain text");
	is_int(P("{\"bogus\":1}"), 400, "an unknown field is refused");
	is_str(code(), "unknown_field", "... as unknown_field");
	is_str(field_of(), "bogus", "... naming the field");
	is_int(P("{\"Name\":\"x\"}"), 400, "field names are case-sensitive");
	is_int(P("{\"name\":\"a\",\"name\":\"b\"}"), 400, "a duplicated field is refused");
	is_str(code(), "invalid_field", "... as invalid_field");
	{
		size_t n = 100000;
		char *deep = malloc(n);
		memset(deep, '[', n);
		is_int(parse(deep, n), 400, "100000 nested arrays are refused without a crash");
		free(deep);
	}

	/* Strings. */
	const char *s;
	P("{\"name\":\"h\xc3\xa9llo\"}");
	is_int(json_str(&rq, &rs, "name", 1, 5, true, &s), 0, "5 characters (6 bytes) fit 1..5");
	is_str(s, "h\xc3\xa9llo", "the string is returned");
	is_int(json_str(&rq, &rs, "name", 1, 4, true, &s), 400, "5 characters exceed 4");
	is_str(code(), "invalid_field", "... invalid_field");
	is_str(field_of(), "name", "... naming the field");
	P("{\"name\":5}");
	is_int(json_str(&rq, &rs, "name", 1, 5, true, &s), 400, "a number is not a string");
	P("{}");
	is_int(json_str(&rq, &rs, "name", 1, 5, true, &s), 400, "a required string may not be absent");
	is_str(code(), "missing_field", "... missing_field");
	is_int(json_str(&rq, &rs, "name", 1, 5, false, &s), 0, "an optional string may be absent");
	ok(s == NULL, "... and reads as NULL");
	P("{\"name\":null}");
	is_int(json_str(&rq, &rs, "name", 1, 5, true, &s), 400, "null is absent for a required field");

	/* Text people write: the one rule (json_text). */
	static const struct { const char *body; bool multiline; int status; const char *what; } texts[] = {
		{ "{\"name\":\"Caf\xc3\xa9 at dawn \xe2\x9c\x93\"}", false, 0, "plain text with accents and symbols" },
		{ "{\"name\":\"a\\nb\\tc\\r\\nd\"}", true, 0, "a body keeps newlines, tabs and CRLF" },
		{ "{\"name\":\"a\\nb\"}", false, 400, "a title refuses a newline" },
		{ "{\"name\":\"a\\tb\"}", false, 400, "a title refuses a tab" },
		{ "{\"name\":\"a\\rb\"}", true, 400, "a lone CR, which overwrites a terminal line, is refused" },
		{ "{\"name\":\"\\u001b[31mred\"}", true, 400, "an ANSI escape (ESC) is refused" },
		{ "{\"name\":\"a\\u007fb\"}", false, 400, "DEL is refused" },
		{ "{\"name\":\"a\xc2\x9b" "31mb\"}", true, 400, "a C1 control (CSI, U+009B) is refused" },
		{ "{\"name\":\"abc\xe2\x80\xae" "gpj.exe\"}", false, 400, "a bidi override (U+202E) is refused" },
		{ "{\"name\":\"a\xe2\x81\xa6" "b\"}", true, 400, "a bidi isolate (U+2066) is refused" },
		{ "{\"name\":\"a\xe2\x80\xa8" "b\"}", false, 400, "a title refuses the line separator U+2028" },
		{ "{\"name\":\" \"}", false, 400, "\" \" is blank" },
		{ "{\"name\":\" \\n\\t \"}", true, 400, "white space alone is blank" },
		{ "{\"name\":\"\xc2\xa0\xe3\x80\x80\xe2\x80\x8b\xef\xbb\xbf\"}", false, 400,
		  "no-break, ideographic and zero-width spaces alone are blank" },
		{ "{\"name\":\" x \"}", false, 0, "text with spaces around it is not blank" },
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		is_int(parse(texts[i].body, strlen(texts[i].body)), 0, "%s", texts[i].what);
		is_int(json_text(&rq, &rs, "name", 100, true, texts[i].multiline, &s), texts[i].status,
		       "... json_text answers %d", texts[i].status);
		if (texts[i].status != 0)
			ok(strcmp(code(), "invalid_field") == 0 && strcmp(field_of(), "name") == 0,
			   "... invalid_field naming the field");
	}

	/* Integers. */
	int64_t v;
	bool present;
	P("{\"stars\":4}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, &present), 0, "4 is a whole number in 1..5");
	is_int(v, 4, "... read as 4");
	ok(present, "... and present");
	P("{\"stars\":4.5}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "4.5 is refused");
	P("{\"stars\":\"4\"}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "\"4\" is refused");
	P("{\"stars\":0}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "0 is out of range");
	P("{\"stars\":6}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "6 is out of range");
	P("{\"stars\":-1}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "-1 is out of range");
	P("{\"stars\":1e999}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "1e999 (infinity) is refused");
	P("{\"stars\":99999999999999999999}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "a huge number is refused");
	P("{\"stars\":true}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 400, "true is not a number");
	/* Up to the whole int64 range (a board id): 2^63 and beyond are refused, never cast (a cast out
	 * of range is undefined; the sanitizer build stops on it: -fsanitize=float-cast-overflow). */
	static const char *const huge[] = {
		"{\"stars\":9223372036854775808}", "{\"stars\":9223372036854775807}", "{\"stars\":1e300}",
		"{\"stars\":-1e300}", "{\"stars\":18446744073709551616}",
	};
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		parse(huge[i], strlen(huge[i]));
		is_int(json_int(&rq, &rs, "stars", 1, INT64_MAX, true, &v, NULL), 400, "%s is refused for 1..INT64_MAX", huge[i]);
		is_int(json_int(&rq, &rs, "stars", INT64_MIN, INT64_MAX, true, &v, NULL), 400,
		       "... and for the whole int64 range");
	}
	/* One below INT64_MIN is the double -2^63 (JSON numbers are doubles): in range, cast exactly. */
	P("{\"stars\":-9223372036854775809}");
	is_int(json_int(&rq, &rs, "stars", 1, INT64_MAX, true, &v, NULL), 400, "-9223372036854775809 is refused for 1..INT64_MAX");
	is_int(json_int(&rq, &rs, "stars", INT64_MIN, INT64_MAX, true, &v, NULL), 0,
	       "... and reads as -2^63, its double, for the whole int64 range");
	ok(v == INT64_MIN, "... exactly");
	P("{\"stars\":-9223372036854775808}");
	is_int(json_int(&rq, &rs, "stars", INT64_MIN, INT64_MAX, true, &v, NULL), 0, "-2^63 is the smallest int64");
	ok(v == INT64_MIN, "... read exactly");
	P("{\"stars\":9223372036854774784}");
	is_int(json_int(&rq, &rs, "stars", 1, INT64_MAX, true, &v, NULL), 0, "the largest double below 2^63 fits");
	ok(v == 9223372036854774784LL, "... read exactly");
	P("{\"stars\":5e0}");
	is_int(json_int(&rq, &rs, "stars", 1, 5, true, &v, NULL), 0, "5e0 is the whole number 5");

	/* Doubles and booleans. */
	double d;
	P("{\"lat\":-89.5}");
	is_int(json_num(&rq, &rs, "lat", -90, 90, true, &d, NULL), 0, "-89.5 is in -90..90");
	ok(d == -89.5, "... read exactly");
	P("{\"lat\":90.01}");
	is_int(json_num(&rq, &rs, "lat", -90, 90, true, &d, NULL), 400, "90.01 is out of range");
	bool b;
	P("{\"flag\":false}");
	is_int(json_bool(&rq, &rs, "flag", true, &b, NULL), 0, "false is a boolean");
	ok(!b, "... read as false");
	P("{\"flag\":0}");
	is_int(json_bool(&rq, &rs, "flag", true, &b, NULL), 400, "0 is not a boolean");

	/* The response writer. */
	struct jw w;
	arena_reset(&a);
	jw_init(&w, &a);
	jw_object(&w);
	jw_kstring(&w, "s", "q\"b\\n\n\t\x01\xc3\xa9");
	jw_kint(&w, "neg", -42);
	jw_kint(&w, "min", INT64_MIN);
	jw_key(&w, "arr");
	jw_array(&w);
	jw_int(&w, 1);
	jw_null(&w);
	jw_bool(&w, true);
	jw_object(&w);
	jw_end(&w);
	jw_array(&w);
	jw_end(&w);
	jw_end(&w);
	jw_kstring(&w, "nul", NULL);
	jw_key(&w, "raw");
	jw_raw(&w, "{\"a\":[1]}");
	jw_end(&w);
	is_str(arena_strndup(&a, w.buf, w.len),
	       "{\"s\":\"q\\\"b\\\\n\\n\\t\\u0001\xc3\xa9\",\"neg\":-42,\"min\":-9223372036854775808,"
	       "\"arr\":[1,null,true,{},[]],\"nul\":null,\"raw\":{\"a\":[1]}}",
	       "the writer places commas, escapes strings and nests");
	cJSON *back = cJSON_ParseWithLength(w.buf, w.len);
	ok(back != NULL && strcmp(jget(back, "s")->valuestring, "q\"b\\n\n\t\x01\xc3\xa9") == 0,
	   "... and its string reads back the same");
	cJSON_Delete(back);

	for (misuse_case = 0; misuse_case < (int)(sizeof(misuses) / sizeof(misuses[0])); misuse_case++)
		ok(tap_aborts(misuse, &a), "the writer's assertions stop %s", misuses[misuse_case]);
	jw_init(&w, &a);
	for (int i = 0; i < JW_DEPTH - 1; i++)
		jw_array(&w);
	for (int i = 0; i < JW_DEPTH - 1; i++)
		jw_end(&w);
	is_int(w.len, 2 * (JW_DEPTH - 1), "... and JW_DEPTH - 1 levels are written whole");

	/* Coordinates (6 decimals), distances and areas (1), averages and scores (2). */
	static const struct { double v; int dec; const char *want; } fixed[] = {
		{ 44.6, 6, "44.6" }, { -110.5, 6, "-110.5" }, { -14.25, 6, "-14.25" }, { 0, 6, "0" },
		{ 12.04999, 1, "12" }, { 12.05001, 1, "12.1" }, { -0.04, 1, "0" }, { 3.0, 4, "3" },
		{ 1234567.891, 1, "1234567.9" }, { 0.000001, 6, "0.000001" }, { -0.5, 1, "-0.5" },
		{ 13.0 / 3, 2, "4.33" }, { 14.0 / 3, 2, "4.67" }, { 4.0, 2, "4" }, { 4.125, 2, "4.13" },
		{ 4.996, 2, "5" }, { 1.05, 2, "1.05" }, { 4.6 + 1e-12, 2, "4.6" },
		{ NAN, 2, "null" }, { -INFINITY, 2, "null" }, { 1e300, 1, "1e+300" },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		jw_init(&w, &a);
		jw_fixed(&w, fixed[i].v, fixed[i].dec);
		is_str(arena_strndup(&a, w.buf, w.len), fixed[i].want, "jw_fixed(%g, %d) writes %s",
		       fixed[i].v, fixed[i].dec, fixed[i].want);
	}
	/* jw_double: %.15g when it reads back, else %.17g; JSON has no NaN or Infinity. */
	static const struct { double v; const char *want; } dbl[] = {
		{ 4.3, "4.3" }, { 0.1 + 0.2, "0.30000000000000004" }, { 1e300, "1e+300" }, { NAN, "null" },
		{ INFINITY, "null" }, { -INFINITY, "null" }, { 4.0, "4" }, { 63.4584, "63.4584" },
		{ -150.8694, "-150.8694" }, { 1.0 / 3, "0.33333333333333331" }, { -0.0, "-0" },
		{ 5e-324, "4.94065645841247e-324" },
	};
	for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
		jw_init(&w, &a);
		jw_double(&w, dbl[i].v);
		is_str(arena_strndup(&a, w.buf, w.len), dbl[i].want, "jw_double writes %s", dbl[i].want);
	}
	/* Whatever the double, a JSON parser reads back the very same one: coordinates as a user
	 * sends them, and random bit patterns over the whole finite range. */
	int wrong = 0, checked = 0;
	srand(7);
	for (int i = 0; i < 4000; i++) {
		double x;
		if (i % 2 == 0) {
			x = (rand() % 1800001 - 900000) / 10000.0; /* -90..90 with 4 decimals */
		} else {
			uint64_t bits = (uint64_t)rand() << 62 ^ (uint64_t)rand() << 31 ^ (uint64_t)rand();
			memcpy(&x, &bits, sizeof(x));
			if (!isfinite(x))
				continue;
		}
		jw_init(&w, &a);
		jw_array(&w);
		jw_double(&w, x);
		jw_end(&w);
		cJSON *arr = cJSON_ParseWithLength(w.buf, w.len), *num = cJSON_GetArrayItem(arr, 0);
		checked++;
		if (!cJSON_IsNumber(num) || num->valuedouble != x) {
			if (wrong++ < 5)
				printf("# jw_double(%.17g) wrote %.*s\n", x, (int)w.len, w.buf);
		}
		cJSON_Delete(arr);
		if (i % 1000 == 0)
			arena_reset(&a);
	}
	ok(wrong == 0 && checked > 3000, "jw_double's text reads back as the same double, for %d doubles",
	   checked);

	jw_init(&w, &a);
	jw_array(&w);
	for (int i = 0; i < 20000; i++)
		jw_string(&w, "a string long enough to make the buffer grow several times");
	jw_end(&w);
	back = cJSON_ParseWithLength(w.buf, w.len);
	is_int(cJSON_GetArraySize(back), 20000, "a response larger than the first buffer stays whole");
	cJSON_Delete(back);

	/* Escaping, eight bytes at a time: every byte value at every position of a 20-byte string
	 * comes out as a plain byte-by-byte escaper would write it. */
	int mismatches = 0;
	for (int c = 1; c < 256; c++) {
		for (int pos = 0; pos < 20; pos++) {
			char in[21], want[160], *o = want;
			memset(in, 'a' + pos % 26, 20);
			in[pos] = (char)c;
			in[20] = '\0';
			*o++ = '"';
			for (int i = 0; i < 20; i++) {
				unsigned char ch = (unsigned char)in[i];
				if (ch == '"' || ch == '\\')
					o += sprintf(o, "\\%c", ch);
				else if (ch == '\n')
					o += sprintf(o, "\\n");
				else if (ch == '\r')
					o += sprintf(o, "\\r");
				else if (ch == '\t')
					o += sprintf(o, "\\t");
				else if (ch < 0x20)
					o += sprintf(o, "\\u%04x", ch);
				else
					*o++ = (char)ch;
			}
			*o++ = '"';
			*o = '\0';
			jw_init(&w, &a);
			jw_string(&w, in);
			if (w.len != strlen(want) || memcmp(w.buf, want, w.len) != 0)
				mismatches++;
		}
	}
	is_int(mismatches, 0, "jw_string escapes every byte value at every position as the reference does");

	/* UTF-8 helpers. */
	ok(utf8_valid("\xf0\x9f\x8f\x95", 4), "a 4-byte emoji is valid");
	ok(!utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF is invalid");
	ok(!utf8_valid("\xe2\x82", 2), "a cut sequence is invalid");
	is_int(utf8_chars("a\xc3\xa9\xf0\x9f\x8f\x95"), 3, "characters, not bytes, are counted");

	arena_destroy(&a);
	return tap_done();
}
