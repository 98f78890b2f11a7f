/* pager.c: newest-first keyset pages by id, and deleting the caller's own rows (see pager.h). */
#include "pager.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "router.h"
#include "util.h"

/* Cursor = base64url("tag:id") of the last row sent; the next page holds ids below it. */
static bool
parse_cursor(struct arena *a, const char *s, const char *tag, int64_t *id)
{
	size_t len = strlen(s), tlen = strlen(tag);
	unsigned char *raw = arena_alloc(a, len + 1);
	long n = b64url_decode(s, len, raw, len);
	if (n <= (long)tlen + 1)
		return false;
	raw[n] = '\0';
	const char *text = (const char *)raw;
	if ((size_t)n != strlen(text) || strncmp(text, tag, tlen) != 0 || text[tlen] != ':')
		return false;
	*id = parse_id(text + tlen + 1, (size_t)n - tlen - 1);
	return *id != 0;
}

int
page_parse(struct request *rq, struct response *rs, const char *tag, struct page *pg)
{
	bool bad = false;
	const char *limit_s = query_get(rq, "limit", &bad), *cursor_s = query_get(rq, "cursor", &bad);
	if (bad)
		return resp_error(rq, rs, 400, "invalid_field", NULL, "The query string has a bad %-escape.");
	pg->tag = tag;
	pg->limit = 20;
	pg->before = INT64_MAX;
	if (limit_s != NULL && ((pg->limit = parse_id(limit_s, strlen(limit_s))) < 1 || pg->limit > 50))
		return resp_error(rq, rs, 400, "invalid_field", "limit",
				  "limit must be a whole number from 1 to 50.");
	if (cursor_s != NULL && !parse_cursor(rq->a, cursor_s, tag, &pg->before))
		return resp_error(rq, rs, 400, "invalid_cursor", "cursor",
				  "That page cursor is not valid for this list; start again from the first page.");
	return 0;
}

int
page_answer(struct request *rq, struct response *rs, sqlite3_stmt *st, const struct page *pg,
	    page_item_fn item)
{
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "items");
	jw_array(&w);
	const char *next = NULL;
	int64_t last_id = 0, n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == pg->limit) { /* a row beyond the page: there is a next one */
			const char *raw = arena_printf(rq->a, "%s:%lld", pg->tag, (long long)last_id);
			next = b64url_encode(rq->a, (const unsigned char *)raw, strlen(raw));
			break;
		}
		last_id = sqlite3_column_int64(st, 0);
		if ((rc = item(&w, st, rq)) != SQLITE_OK)
			break;
		n++;
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	jw_end(&w);
	jw_kstring(&w, "next_cursor", next);
	jw_end(&w);
	return resp_json(rs, 200, &w);
}

int
page_list(struct request *rq, struct response *rs, const char *tag, const char *sql, int64_t key,
	  page_item_fn item)
{
	struct page pg;
	int st;
	if ((st = page_parse(rq, rs, tag, &pg)) != 0)
		return st;
	sqlite3_stmt *s = db_stmt(sql);
	sqlite3_bind_int64(s, 1, key);
	sqlite3_bind_int64(s, 2, pg.before);
	sqlite3_bind_int64(s, 3, pg.limit + 1);
	return page_answer(rq, rs, s, &pg, item);
}

int
page_delete_own(struct request *rq, struct response *rs, const char *sql, const char *missing)
{
	int rc;
	if ((rc = db_begin()) != SQLITE_OK || (rc = db_exec(sql, "ii", rq->ids[0], rq->user->id)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	bool deleted = sqlite3_changes(db) > 0;
	if ((rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (!deleted)
		return resp_error(rq, rs, 404, "not_found", NULL, missing);
	return resp_empty(rs, 204);
}
