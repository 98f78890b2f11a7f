/* cache.c: a small direct-mapped cache of answer bodies, keyed by path and query string, valid
 * for one database change stamp (db_change_stamp) and one UTC day (the analytics count the last
 * 30 days and 24 months up to today). Measured: a page of 20 reviews costs the worker several
 * times the FastCGI round trip to build; from here it costs a hash and a lookup. The router calls
 * cache_get, the handler and cache_put inside one read transaction, so an entry is of the
 * snapshot its stamp names. */
#include "cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

#define SLOTS    32
#define MAX_BODY (64 * 1024)   /* larger answers are rare and not worth the memory */

static struct entry {
	char *key;      /* "path?query", malloc'd with the body: one block */
	char *body;
	size_t len;
} slots[SLOTS];
static uint64_t stamp;
static time_t day;

void
cache_clear(void)
{
	for (int i = 0; i < SLOTS; i++) {
		free(slots[i].key);
		slots[i] = (struct entry){ 0 };
	}
}

/* The slot for this request's key. */
static struct entry *
slot_for(const struct request *rq, bool *same_key)
{
	uint32_t h = 2166136261u; /* FNV-1a over path, '?', query */
	for (const char *p = rq->path; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '?') * 16777619u;
	for (const char *p = rq->query; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	struct entry *e = &slots[h % SLOTS];
	size_t plen = strlen(rq->path);
	*same_key = e->key != NULL && strncmp(e->key, rq->path, plen) == 0 && e->key[plen] == '?' &&
		    strcmp(e->key + plen + 1, rq->query) == 0;
	return e;
}

bool
cache_get(struct request *rq, struct response *rs)
{
	uint64_t now = db_change_stamp();
	time_t today = time(NULL) / 86400;
	if (now != stamp || today != day) { /* the database or the day changed: any entry may be stale */
		cache_clear();
		stamp = now;
		day = today;
	}
	bool hit;
	struct entry *e = slot_for(rq, &hit);
	if (!hit)
		return false;
	rs->status = 200;
	rs->content_type = "application/json";
	rs->body = e->body;  /* lives until the next change or eviction: after this answer is sent */
	rs->body_len = e->len;
	return true;
}

void
cache_put(const struct request *rq, const struct response *rs)
{
	if (rs->status != 200 || rs->nheaders != 0 || rs->body_len > MAX_BODY)
		return;
	/* A commit between cache_get and now may or may not be in this answer: keep it only when
	 * the stamp read before the handler ran still holds, so no entry is older than its stamp. */
	if (db_change_stamp() != stamp)
		return;
	bool same_key; /* whatever the slot held goes: the newest answer wins it */
	struct entry *e = slot_for(rq, &same_key);
	size_t plen = strlen(rq->path), qlen = strlen(rq->query);
	char *block = malloc(plen + qlen + 2 + rs->body_len);
	if (block == NULL)
		return; /* a cache is optional */
	free(e->key);
	memcpy(block, rq->path, plen);
	block[plen] = '?';
	memcpy(block + plen + 1, rq->query, qlen + 1);
	e->key = block;
	e->body = block + plen + qlen + 2;
	memcpy(e->body, rs->body, rs->body_len);
	e->len = rs->body_len;
}
