/* page.h: keyset pagination shared by every list: `limit`, an opaque `cursor`, and the
 * {"items","next_cursor"} answer; and deleting one of the caller's rows.
 *
 * A cursor is base64url("sort:key:id"): the list and sort it belongs to (a cursor of another list
 * is refused), the sort key of the last row sent and that row's id. Never an offset, so a page
 * does not skip or repeat rows when others are written meanwhile. */
#ifndef FROSTBYTE_PAGE_H
#define FROSTBYTE_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "http.h"
#include "json.h"

struct page {
	int64_t limit;     /* 1..50, default 20 */
	const char *key;   /* sort key from the cursor; NULL on the first page */
	int64_t id;        /* id from the cursor; 0 on the first page */
};

/* Reads `limit` and `cursor` (one this sort made) from the query string. Returns 0, or writes the
 * contract's 400 (invalid_field, invalid_cursor). */
int page_read(struct request *rq, struct response *rs, const char *sort, struct page *p);

/* The contract's 400 invalid_cursor, for a list that finds the cursor's key unusable. */
int page_bad_cursor(struct request *rq, struct response *rs);

/* For lists newest first by id: the id a page starts below. */
static inline int64_t
page_before(const struct page *p)
{
	return p->key != NULL ? p->id : INT64_MAX;
}

/* Writes one row of st as a list item; returns SQLITE_OK or an SQLite error code. */
typedef int (*page_item_fn)(struct jw *w, sqlite3_stmt *st, struct request *rq);

/* Steps st, which selects the row's id in column 0, is ordered by (key, id) and bound to return up
 * to limit + 1 rows, and answers 200 with the page, or the database error. key_col is the sort key
 * column (-1: id only); its value goes into the cursor exactly (REAL as %.17g). Resets st. */
int page_answer(struct request *rq, struct response *rs, sqlite3_stmt *st, const char *sort,
		int key_col, const struct page *p, page_item_fn item);

/* A whole newest-first list route: reads the page, runs sql with ?1 = key (the owner or the board),
 * ?2 = the id to start below, ?3 = limit + 1, and answers. */
int page_list(struct request *rq, struct response *rs, const char *sort, const char *sql, int64_t key,
	      page_item_fn item);

/* DELETE of one of the caller's rows: sql is "DELETE ... WHERE id = ?1 AND user_id = ?2". Answers
 * 204, or 404 with `missing` as the message when the caller has no such row. */
int page_delete_own(struct request *rq, struct response *rs, const char *sql, const char *missing);

#endif
