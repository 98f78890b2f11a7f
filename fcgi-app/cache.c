/* cache.c: a small direct-mapped cache of answer bodies, keyed by path and query string. An
 * entry holds the versions of the two scopes its answer depends on (schema/006_cache_scopes.sql:
 * "everything", and the park or the figures across parks its handler named with cache_scope) and
 * is served while both still hold in the request's snapshot, and for one UTC day (the analytics
 * count the last 30 days and 24 months up to today). A rating of one park so leaves every other
 * park's pages cached, and a post or a saved place leaves everything cached. The router calls
 * cache_get, the handler and cache_put inside one read transaction, so an entry's versions are
 * those of the snapshot it was built from. Measured: a page of 20 reviews costs the worker
 * several times the FastCGI round trip to build; from here it costs a hash, a lookup and one
 * small indexed read. */
#include "cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

#define SLOTS    1024
#define MAX_BODY (64 * 1024)        /* larger answers are rare and not worth the memory */
#define BUDGET   (2 * 1024 * 1024)  /* bytes kept in all, so the worker stays small */

static struct entry {
	char *key;      /* "path?query", malloc'd with the body: one block */
	char *body;
	size_t len;
	int64_t scope, all, own;  /* the scope named by the handler; the versions it was built under */
} slots[SLOTS];
static size_t used;   /* body bytes held */
static time_t day;

static const char SQL_VERSIONS[] =
	"SELECT (SELECT version FROM cache_scopes WHERE scope = -1),"
	"       (SELECT version FROM cache_scopes WHERE scope = ?1)";

/* The versions of "everything" and of scope in the current snapshot; false when one is unknown
 * (a scope that has no row: nothing is kept or served under it). */
static bool
versions(int64_t scope, int64_t *all, int64_t *own)
{
	sqlite3_stmt *st = db_stmt(SQL_VERSIONS);
	sqlite3_bind_int64(st, 1, scope);
	bool ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
		  sqlite3_column_type(st, 1) == SQLITE_INTEGER;
	if (ok) {
		*all = sqlite3_column_int64(st, 0);
		*own = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	return ok;
}

static void
drop(struct entry *e)
{
	free(e->key);
	used -= e->len;
	*e = (struct entry){ 0 };
}

void
cache_clear(void)
{
	for (int i = 0; i < SLOTS; i++)
		drop(&slots[i]);
}

void
cache_scope(struct response *rs, int64_t scope)
{
	rs->cacheable = true;
	rs->cache_scope = scope;
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
	time_t today = time(NULL) / 86400;
	if (today != day) { /* the analytics' days and months moved on */
		cache_clear();
		day = today;
	}
	bool hit;
	struct entry *e = slot_for(rq, &hit);
	int64_t all, own;
	if (!hit || !versions(e->scope, &all, &own))
		return false;
	if (all != e->all || own != e->own) {
		drop(e);
		return false;
	}
	rs->status = 200;
	rs->content_type = "application/json";
	rs->body = e->body;  /* lives until the next change or eviction: after this answer is sent */
	rs->body_len = e->len;
	return true;
}

void
cache_put(const struct request *rq, const struct response *rs)
{
	int64_t all, own;
	if (rs->status != 200 || !rs->cacheable || rs->nheaders != 0 || rs->body_len > MAX_BODY ||
	    !versions(rs->cache_scope, &all, &own))
		return;
	bool same_key; /* whatever the slot held goes: the newest answer wins it */
	struct entry *e = slot_for(rq, &same_key);
	drop(e);
	if (used + rs->body_len > BUDGET)
		cache_clear(); /* full: start afresh rather than keep the oldest answers for good */
	size_t plen = strlen(rq->path), qlen = strlen(rq->query);
	char *block = malloc(plen + qlen + 2 + rs->body_len);
	if (block == NULL)
		return; /* a cache is optional */
	memcpy(block, rq->path, plen);
	block[plen] = '?';
	memcpy(block + plen + 1, rq->query, qlen + 1);
	*e = (struct entry){ .key = block, .body = block + plen + qlen + 2, .len = rs->body_len,
			     .scope = rs->cache_scope, .all = all, .own = own };
	memcpy(e->body, rs->body, rs->body_len);
	used += rs->body_len;
}
