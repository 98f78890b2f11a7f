/* test_http.c: what every route shares: 404, 405 + Allow, 413, 415, the error envelope, the
 * query and cookie parsers of a request, and the database's failures as answers: a write lock
 * held elsewhere (503 busy + Retry-After) and a full disk (507), reads going on through both; a
 * public answer compressed for nginx's micro-cache. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cache.h"
#include "config.h"
#include "db.h"
#include "harness.h"

static void
test_unknown_path_is_404_envelope(void)
{
	struct reply r = call("GET", "/api/nope", NULL, NULL);
	is_int(r.status, 404, "an unknown path answers 404");
	is_str(err_code(&r), "not_found", "... not_found");
	ok(cJSON_IsString(jget(r.json, "error.message")) && strlen(jget(r.json, "error.message")->valuestring) > 0,
	   "... with a message");
	ok(cJSON_GetArraySize(r.json) == 1 && cJSON_GetArraySize(jget(r.json, "error")) == 2,
	   "... and nothing else (no field when no field is at fault)");
}

static void
test_wrong_method_is_405_with_allow(void)
{
	struct reply r = call("DELETE", "/api/parks", NULL, NULL);
	is_int(r.status, 405, "a wrong method answers 405");
	is_str(err_code(&r), "method_not_allowed", "... method_not_allowed");
	is_str(reply_header(&r, "Allow"), "GET, HEAD", "... with Allow");
}

static void
test_body_over_64k_is_413(void)
{
	struct reply r = call("POST", "/api/users", "{}", "Content-Length", "70000", NULL);
	is_int(r.status, 413, "a body over 64 KiB answers 413");
	is_str(err_code(&r), "payload_too_large", "... payload_too_large");
}

static void
test_body_must_be_json_415(void)
{
	struct reply r = call("POST", "/api/users", "{\"username\":\"abc\"}", "Content-Type", "text/plain", NULL);
	is_int(r.status, 415, "a non-JSON body answers 415");
	is_str(err_code(&r), "unsupported_media_type", "... unsupported_media_type");
	r = call("POST", "/api/users", "{\"x\":1}", "Content-Type", "application/json; charset=utf-8", NULL);
	is_int(r.status, 400, "application/json with a charset is accepted as JSON");
	is_str(err_code(&r), "unknown_field", "... and reaches validation");
	r = call("POST", "/api/users", "{\"x\":1}", "Content-Type", "application/jsonx", NULL);
	is_int(r.status, 415, "application/jsonx is not JSON");
}

static void
test_query_get_decodes_first_value(void)
{
	struct arena a;
	arena_init(&a);
	struct request rq;
	request_init(&rq, &a);
	rq.query = "a=1&b=hello+world&c=%41%42&d&e=&a=2&bad=%4";
	bool bad = false;
	is_str(query_get(&rq, "a", &bad), "1", "the first of repeated parameters wins");
	is_str(query_get(&rq, "b", &bad), "hello world", "+ decodes to a space");
	is_str(query_get(&rq, "c", &bad), "AB", "%%XX decodes");
	is_str(query_get(&rq, "d", &bad), "", "a bare key reads as empty");
	is_str(query_get(&rq, "e", &bad), "", "an empty value reads as empty");
	ok(query_get(&rq, "zz", &bad) == NULL && !bad, "an absent key reads as NULL");
	ok(query_get(&rq, "bad", &bad) == NULL && bad, "a cut escape is flagged");
	rq.query = "x=%00";
	bad = false;
	ok(query_get(&rq, "x", &bad) == NULL && bad, "an encoded NUL is refused");
	arena_destroy(&a);
}

static void
test_cookie_get_matches_whole_name(void)
{
	struct arena a;
	arena_init(&a);
	struct request rq;
	request_init(&rq, &a);
	rq.cookie = "a=1; frostbyte_session=tok; b=2";
	is_str(cookie_get(&rq, "frostbyte_session"), "tok", "a cookie among others is found");
	is_str(cookie_get(&rq, "b"), "2", "the last cookie is found");
	ok(cookie_get(&rq, "frostbyte") == NULL, "a name prefix does not match");
	arena_destroy(&a);
}

/* Another process holds the write lock past the timeout: 503 + Retry-After. */
static void
test_write_lock_held_elsewhere_is_503_busy(void)
{
	char lockpath[600];
	snprintf(lockpath, sizeof(lockpath), "%s.lock", config.database);
	int fd = open(lockpath, O_RDWR);
	ok(fd >= 0 && flock(fd, LOCK_EX) == 0, "a second holder takes the write lock");
	struct reply r = call("POST", "/api/users", "{\"username\":\"busy_user\",\"display_name\":\"B\",\"password\":\"0123456789\"}", NULL);
	is_int(r.status, 503, "a write that cannot get the lock answers 503");
	is_str(err_code(&r), "busy", "... busy");
	is_str(reply_header(&r, "Retry-After"), "1", "... with Retry-After: 1");
	r = call("GET", "/api/parks/acadia", NULL, NULL);
	is_int(r.status, 200, "reads go on while the lock is held");
	flock(fd, LOCK_UN);
	close(fd);
}

/* Cap the file at its current size and fill every page (rows of nearly a page each), so the
 * next write needs a page it cannot have, as on a full disk. */
static void
test_full_disk_is_507_and_recovers(void)
{
	ok(sqlite3_exec(db, "PRAGMA max_page_count = 1", NULL, NULL, NULL) == SQLITE_OK,
	   "the database is capped at its current size");
	int filled = 0, rc = SQLITE_OK;
	for (; filled < 10000 && rc == SQLITE_OK; filled++)
		rc = sqlite3_exec(db, "INSERT INTO users (username, display_name, password_hash)"
				  " VALUES ('fill' || (SELECT count(*) FROM users), 'x', zeroblob(4000))",
				  NULL, NULL, NULL);
	is_int(rc & 0xff, SQLITE_FULL, "filling the capped database ends with SQLITE_FULL");
	struct reply r = call("POST", "/api/users", "{\"username\":\"full_user\",\"display_name\":\"F\",\"password\":\"0123456789\"}", NULL);
	is_int(r.status, 507, "a write on a full disk answers 507");
	is_str(err_code(&r), "insufficient_storage", "... insufficient_storage");
	r = call("GET", "/api/parks?limit=3", NULL, NULL);
	is_int(r.status, 200, "reads keep working on a full disk");
	r = call("GET", "/api/health", NULL, NULL);
	is_int(r.status, 200, "health keeps answering on a full disk");
	ok(sqlite3_exec(db, "PRAGMA max_page_count = 1073741823; DELETE FROM users WHERE username LIKE 'fill%'",
			NULL, NULL, NULL) == SQLITE_OK, "space is freed");
	r = call("POST", "/api/users", "{\"username\":\"full_user\",\"display_name\":\"F\",\"password\":\"0123456789\"}", NULL);
	is_int(r.status, 201, "writes work again without a restart");
}

/* The body of a gzip reply, inflated into buf (NUL-terminated); NULL when it is not gzip. */
static const char *
gunzip(const struct reply *r, char *buf, size_t size)
{
	z_stream z = { 0 };
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return NULL;
	z.next_in = (Bytef *)(uintptr_t)r->body;
	z.avail_in = (uInt)r->body_len;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)size - 1;
	int rc = inflate(&z, Z_FINISH);
	size_t n = size - 1 - z.avail_out;
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static void
test_public_answer_gzip_for_the_micro_cache(void)
{
	static char buf[256 * 1024];
	struct reply plain = call("GET", "/api/parks?limit=50", NULL, NULL);
	struct reply gz = call("GET", "/api/parks?limit=50", NULL, "FROSTBYTE_GZIP", "gzip", NULL);
	is_str(reply_header(&gz, "Content-Encoding"), "gzip",
	       "a public answer over 1 KiB, nginx saying the reader takes gzip: compressed by the app");
	is_str(reply_header(&gz, "Vary"), "Accept-Encoding", "... with Vary: Accept-Encoding");
	const char *body = gunzip(&gz, buf, sizeof(buf));
	ok(body != NULL && plain.body_len > 1024 && strcmp(body, plain.body) == 0 &&
	   gz.body_len < plain.body_len / 3,
	   "... and it inflates to the plain answer (%zu -> %zu bytes)", plain.body_len, gz.body_len);
	ok(reply_header(&plain, "Content-Encoding") == NULL && reply_header(&plain, "Vary") == NULL,
	   "without the parameter the answer is plain, and nginx compresses it if the reader asks");
	struct reply small = call("GET", "/api/parks?limit=1", NULL, "FROSTBYTE_GZIP", "gzip", NULL);
	ok(small.body_len < 1024 && reply_header(&small, "Content-Encoding") == NULL,
	   "an answer under 1 KiB stays plain (%zu bytes)", small.body_len);
	struct reply head = call("HEAD", "/api/parks?limit=50", NULL, "FROSTBYTE_GZIP", "gzip", NULL);
	ok(head.status == 200 && reply_header(&head, "Content-Encoding") == NULL,
	   "a HEAD answer, which has no body to send, stays plain");
	struct reply priv = call("GET", "/api/health", NULL, "FROSTBYTE_GZIP", "gzip", NULL);
	ok(reply_header(&priv, "Content-Encoding") == NULL,
	   "an answer that is not public is left to nginx");
}

/* A signed-in camper's reads pass nginx's micro-cache by, but a page the worker's answer cache
 * keeps is compressed once when kept, for every reader who takes gzip, rather than by nginx for
 * each. */
static void
test_kept_answer_gzip_for_signed_in_readers(void)
{
	static char buf[256 * 1024];
	const char *me = bearer("gzip_reader");
	cache_clear(); /* the first read below builds the page */
	struct reply gz[2];
	for (int i = 0; i < 2; i++) { /* the second comes from the answer cache */
		gz[i] = call("GET", "/api/parks?limit=40", NULL, "Authorization", me,
			     "FROSTBYTE_GZIP", "gzip", NULL);
		is_str(reply_header(&gz[i], "Content-Encoding"), "gzip",
		       "%s: a signed-in read of a kept page, the reader taking gzip: compressed by the app",
		       i == 0 ? "built" : "from the cache");
		is_str(gz[i].cache_control, "private, no-store",
		       "... and it stays private: no shared cache keeps it");
		is_str(reply_header(&gz[i], "Vary"), "Accept-Encoding", "... with Vary: Accept-Encoding");
	}
	struct reply plain = call("GET", "/api/parks?limit=40", NULL, "Authorization", me, NULL);
	ok(plain.status == 200 && plain.body_len > 1024 && reply_header(&plain, "Content-Encoding") == NULL,
	   "the cache answers a reader who does not take gzip with the plain body (%zu bytes)",
	   plain.body_len);
	for (int i = 0; i < 2; i++) {
		const char *body = gunzip(&gz[i], buf, sizeof(buf));
		ok(body != NULL && strcmp(body, plain.body) == 0,
		   "the %s gzip answer inflates to the plain one (%zu -> %zu bytes)",
		   i == 0 ? "built" : "cached", plain.body_len, gz[i].body_len);
	}
}

static void
test_public_answer_ends_with_its_second(void)
{
	time_t before = time(NULL);
	struct reply pub = call("GET", "/api/parks?limit=5", NULL, NULL);
	time_t after = time(NULL);
	const char *x = reply_header(&pub, "X-Accel-Expires");
	long long at = x != NULL && x[0] == '@' ? atoll(x + 1) : 0;
	ok(at >= before && at <= after + 1,
	   "a public answer tells nginx to keep its copy to the end of this second (X-Accel-Expires: %s)",
	   x ? x : "none");
	struct reply priv = call("GET", "/api/health", NULL, NULL);
	ok(reply_header(&priv, "X-Accel-Expires") == NULL, "... and any other answer says nothing of it");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_unknown_path_is_404_envelope),
	TAP_CASE(test_wrong_method_is_405_with_allow),
	TAP_CASE(test_body_over_64k_is_413),
	TAP_CASE(test_body_must_be_json_415),
	TAP_CASE(test_query_get_decodes_first_value),
	TAP_CASE(test_cookie_get_matches_whole_name),
	TAP_CASE(test_write_lock_held_elsewhere_is_503_busy),
	TAP_CASE(test_full_disk_is_507_and_recovers),
	TAP_CASE(test_public_answer_gzip_for_the_micro_cache),
	TAP_CASE(test_kept_answer_gzip_for_signed_in_readers),
	TAP_CASE(test_public_answer_ends_with_its_second),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
