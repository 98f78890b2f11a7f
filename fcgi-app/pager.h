/* pager.h: lists ordered newest first by id (posts, locations, quiz results): limit, an opaque
 * keyset cursor, and the {"items","next_cursor"} page; and deleting one of the caller's rows. */
#ifndef FROSTBYTE_PAGER_H
#define FROSTBYTE_PAGER_H

#include <stdint.h>

#include <sqlite3.h>

#include "http.h"
#include "json.h"

struct page {
	const char *tag;   /* names the list inside its cursor, so one list's cursor fails on another */
	int64_t limit;     /* 1..50, default 20 */
	int64_t before;    /* rows with id < before; INT64_MAX on the first page */
};

/* Reads limit and cursor from the query. 0, or the 400 written (invalid_field, invalid_cursor). */
int page_parse(struct request *rq, struct response *rs, const char *tag, struct page *pg);

/* Writes one row of st as a list item; returns SQLITE_OK or an SQLite error code. */
typedef int (*page_item_fn)(struct jw *w, sqlite3_stmt *st, struct request *rq);

/* Steps st, which must select the row id first, order by id descending and be bound to return
 * up to pg->limit + 1 rows, and answers 200 with the page (or the database error). Resets st. */
int page_answer(struct request *rq, struct response *rs, sqlite3_stmt *st, const struct page *pg,
		page_item_fn item);

/* The whole list route: reads limit and cursor, runs sql with ?1 = key (the owner or the board),
 * ?2 = the id to start below, ?3 = limit + 1, and answers with the page. */
int page_list(struct request *rq, struct response *rs, const char *tag, const char *sql, int64_t key,
	      page_item_fn item);

/* DELETE of one of the caller's rows: sql is "DELETE ... WHERE id = ?1 AND user_id = ?2". Answers
 * 204, or 404 with `missing` as the message when the caller has no such row. */
int page_delete_own(struct request *rq, struct response *rs, const char *sql, const char *missing);

#endif
