/* cache.c: a small direct-mapped cache of answer bodies, keyed by path and query string. An
 * entry holds the versions of the two scopes its answer depends on (schema/006_cache_scopes.sql:
 * "everything", and the park or the figures across parks its handler named) and is served while
 * both still hold in the request's snapshot, and for one UTC day (the analytics count the last 30
 * days and 24 months up to today). A rating of one park so leaves every other
 * park's pages cached, and a post or a saved place leaves everything cached. The router calls
 * cache_get, the handler and cache_put inside one read transaction, so an entry's versions are
 * those of the snapshot it was built from. Measured: a page of 20 reviews costs the worker
 * several times the FastCGI round trip to build; from here it costs a hash, a lookup and one
 * small indexed read. An entry also keeps the answer's gzip form, made once when it is kept, for
 * the readers who take gzip: compressing a page costs about as much as building it. */
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
	char *key;      /* "path?query", malloc'd with the body and its gzip form: one block */
	char *body;
	size_t len;
	char *gz;       /* the body's gzip form, or NULL (a short answer is sent plain) */
	size_t gz_len;
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
	used -= e->len + e->gz_len;
	*e = (struct entry){ 0 };
}

void
cache_clear(void)
{
	for (int i = 0; i < SLOTS; i++)
		drop(&slots[i]);
}

/* The slot for this key. */
static struct entry *
slot_for(const char *path, const char *query, bool *same_key)
{
	uint32_t h = 2166136261u; /* FNV-1a over path, '?', query */
	for (const char *p = path; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '?') * 16777619u;
	for (const char *p = query; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	struct entry *e = &slots[h % SLOTS];
	size_t plen = strlen(path);
	*same_key = e->key != NULL && strncmp(e->key, path, plen) == 0 && e->key[plen] == '?' &&
		    strcmp(e->key + plen + 1, query) == 0;
	return e;
}

bool
cache_get(const char *path, const char *query, bool gzip, const char **body, size_t *len,
	  bool *gzipped)
{
	time_t today = time(NULL) / 86400;
	if (today != day) { /* the analytics' days and months moved on */
		cache_clear();
		day = today;
	}
	bool hit;
	struct entry *e = slot_for(path, query, &hit);
	int64_t all, own;
	if (!hit || !versions(e->scope, &all, &own))
		return false;
	if (all != e->all || own != e->own) {
		drop(e);
		return false;
	}
	/* Both live until the next change or eviction: after this answer is sent. */
	*gzipped = gzip && e->gz != NULL;
	*body = *gzipped ? e->gz : e->body;
	*len = *gzipped ? e->gz_len : e->len;
	return true;
}

void
cache_put(const char *path, const char *query, int64_t scope, const char *body, size_t len,
	  const char *gz, size_t gz_len)
{
	int64_t all, own;
	if (gz == NULL)
		gz_len = 0;
	if (len > MAX_BODY || !versions(scope, &all, &own))
		return;
	bool same_key; /* whatever the slot held goes: the newest answer wins it */
	struct entry *e = slot_for(path, query, &same_key);
	drop(e);
	if (used + len + gz_len > BUDGET)
		cache_clear(); /* full: start afresh rather than keep the oldest answers for good */
	size_t plen = strlen(path), qlen = strlen(query);
	char *block = malloc(plen + qlen + 2 + len + gz_len);
	if (block == NULL)
		return; /* a cache is optional */
	memcpy(block, path, plen);
	block[plen] = '?';
	memcpy(block + plen + 1, query, qlen + 1);
	*e = (struct entry){ .key = block, .body = block + plen + qlen + 2, .len = len,
			     .gz = gz != NULL ? block + plen + qlen + 2 + len : NULL, .gz_len = gz_len,
			     .scope = scope, .all = all, .own = own };
	memcpy(e->body, body, len);
	if (gz != NULL)
		memcpy(e->gz, gz, gz_len);
	used += len + gz_len;
}
