/* page.c: keyset pages and the caller's own deletes (see page.h). */
#include "page.h"

#include <string.h>

#include "db.h"
#include "util.h"

int
page_read(struct request *rq, struct response *rs, const char *sort, struct page *p)
{
	bool bad = false;
	const char *limit = query_get(rq, "limit", &bad), *cursor = query_get(rq, "cursor", &bad);
	p->limit = 20;
	p->key = NULL;
	p->id = 0;
	if (bad)
		return resp_error(rq, rs, 400, "invalid_field", NULL, "The query string has a bad %-escape.");
	if (limit != NULL && ((p->limit = parse_id(limit, strlen(limit))) < 1 || p->limit > 50))
		return resp_error(rq, rs, 400, "invalid_field", "limit",
				  "limit must be a whole number from 1 to 50.");
	if (cursor == NULL)
		return 0;

	size_t len = strlen(cursor), slen = strlen(sort);
	char *raw = arena_alloc(rq->a, len + 1);
	long n = b64url_decode(cursor, len, (unsigned char *)raw, len);
	char *last = NULL;
	if (n > 0) {
		raw[n] = '\0';
		last = strrchr(raw, ':');
	}
	/* Only a cursor this sort made: "sort:" prefix, no NUL inside, text key, a valid id. */
	if (last == NULL || (size_t)n != strlen(raw) || strncmp(raw, sort, slen) != 0 ||
	    raw[slen] != ':' || last <= raw + slen || !utf8_valid(raw, (size_t)n) ||
	    (p->id = parse_id(last + 1, strlen(last + 1))) == 0)
		return page_bad_cursor(rq, rs);
	*last = '\0';
	p->key = raw + slen + 1;
	return 0;
}

int
page_bad_cursor(struct request *rq, struct response *rs)
{
	return resp_error(rq, rs, 400, "invalid_cursor", "cursor",
			  "That page cursor is not valid for this list; start again from the first page.");
}

/* The sort key of the current row as cursor text. */
static const char *
key_text(struct arena *a, sqlite3_stmt *st, int col)
{
	if (col < 0)
		return "0";
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER: return arena_printf(a, "%lld", (long long)sqlite3_column_int64(st, col));
	case SQLITE_FLOAT: return arena_printf(a, "%.17g", sqlite3_column_double(st, col));
	default: return db_text(a, st, col);
	}
}

int
page_answer(struct request *rq, struct response *rs, sqlite3_stmt *st, const char *sort,
	    int key_col, const struct page *p, page_item_fn item)
{
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "items");
	jw_array(&w);
	const char *next = NULL, *last_key = NULL;
	int64_t last_id = 0, n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == p->limit) { /* a row beyond the page: the next page starts after the last one sent */
			const char *raw = arena_printf(rq->a, "%s:%s:%lld", sort, last_key, (long long)last_id);
			next = b64url_encode(rq->a, (const unsigned char *)raw, strlen(raw));
			break;
		}
		if ((rc = item(&w, st, rq)) != SQLITE_OK)
			break;
		if (++n == p->limit) {
			last_id = sqlite3_column_int64(st, 0);
			last_key = key_text(rq->a, st, key_col);
		}
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
page_list(struct request *rq, struct response *rs, const char *sort, const char *sql, int64_t key,
	  page_item_fn item)
{
	struct page p;
	int status;
	if ((status = page_read(rq, rs, sort, &p)) != 0)
		return status;
	sqlite3_stmt *s = db_stmt(sql);
	sqlite3_bind_int64(s, 1, key);
	sqlite3_bind_int64(s, 2, page_before(&p));
	sqlite3_bind_int64(s, 3, p.limit + 1);
	return page_answer(rq, rs, s, sort, -1, &p, item);
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
