/* page.h: keyset pagination shared by every list: `limit` and an opaque `cursor`.
 *
 * A cursor is base64url("sort:key:id"): the sort it belongs to, the sort key of the last row sent
 * (text; the list converts it) and that row's id. Never an offset, so a page does not skip or repeat
 * rows when others are written meanwhile. */
#ifndef FROSTBYTE_PAGE_H
#define FROSTBYTE_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

#define PAGE_DEFAULT 20
#define PAGE_MAX     50

struct page {
	int64_t limit;
	const char *key;   /* from the cursor; NULL on the first page */
	int64_t id;        /* from the cursor; 0 on the first page */
};

/* Reads `limit` (1..50, default 20) and `cursor` (one made by page_cursor for this sort) from the
 * query string. Returns 0, or writes the contract's 400 (invalid_field, invalid_cursor). */
int page_read(struct request *rq, struct response *rs, const char *sort, struct page *p);

/* The cursor that continues after a row with this sort key and id. */
const char *page_cursor(struct arena *a, const char *sort, const char *key, int64_t id);

#endif
