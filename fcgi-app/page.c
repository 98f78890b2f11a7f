/* page.c: limit and cursor of the keyset lists. */
#include "page.h"

#include <string.h>

#include "json.h"
#include "router.h"
#include "util.h"

int
page_read(struct request *rq, struct response *rs, const char *sort, struct page *p)
{
	bool bad = false;
	const char *limit = query_get(rq, "limit", &bad), *cursor = query_get(rq, "cursor", &bad);
	p->limit = PAGE_DEFAULT;
	p->key = NULL;
	p->id = 0;
	if (bad)
		return resp_error(rq, rs, 400, "invalid_field", NULL, "The query string has a bad %-escape.");
	if (limit != NULL && ((p->limit = parse_id(limit, strlen(limit))) < 1 || p->limit > PAGE_MAX))
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
		return resp_error(rq, rs, 400, "invalid_cursor", "cursor",
				  "That page cursor is not valid for this list; start again from the first page.");
	*last = '\0';
	p->key = raw + slen + 1;
	return 0;
}

const char *
page_cursor(struct arena *a, const char *sort, const char *key, int64_t id)
{
	const char *raw = arena_printf(a, "%s:%s:%lld", sort, key, (long long)id);
	return b64url_encode(a, (const unsigned char *)raw, strlen(raw));
}
