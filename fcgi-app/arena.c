/* arena.c: per-request bump allocator (see arena.h).
 *
 * assert() states the invariants. configure never defines NDEBUG, so the checks stay in
 * production builds: each guards a programming error, and ending the worker there (multiwatch
 * starts another) is better than handing out memory that overlaps. */
#include "arena.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Large enough that a typical request (body, response, copies) fits in the one chunk kept across
 * resets, so the hot path never calls malloc. */
#define ARENA_CHUNK (96 * 1024)
#define ARENA_ALIGN 16
_Static_assert((ARENA_ALIGN & (ARENA_ALIGN - 1)) == 0 && ARENA_CHUNK % ARENA_ALIGN == 0,
	       "the alignment is a power of two and chunks hold whole aligned slots");

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_defer {
	struct arena_defer *next;
	void (*fn)(void *);
	void *ptr;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);
	if (p == NULL) { /* can happen in production: see arena.h */
		fputs("frostbyte: out of memory\n", stderr);
		abort();
	}
	return p;
}

void
arena_init(struct arena *a)
{
	a->chunks = NULL;
	a->defers = NULL;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	/* Sizes are bounded by the request and its answer; half the address space is a bug, and the
	 * bound keeps the rounding below and the chunk header from overflowing. */
	assert(size <= SIZE_MAX / 2);
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct arena_chunk *c = a->chunks;
	if (c == NULL || c->size - c->used < need) {
		size_t csize = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		c = xmalloc(sizeof(*c) + csize);
		c->size = csize;
		c->used = 0;
		c->next = a->chunks;
		a->chunks = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	assert(c->used <= c->size && (uintptr_t)p % ARENA_ALIGN == 0);
	return p;
}

void *
arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);
	memset(p, 0, size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert(n >= 0); /* fails only for a bad format or wide characters, which we never print */
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_defer(struct arena *a, void (*fn)(void *), void *ptr)
{
	struct arena_defer *d = arena_alloc(a, sizeof(*d));
	d->fn = fn;
	d->ptr = ptr;
	d->next = a->defers;
	a->defers = d;
}

void
arena_reset(struct arena *a)
{
	/* Defer records live in the chunks, so run them all before freeing any chunk. */
	for (struct arena_defer *d = a->defers; d != NULL; d = d->next)
		d->fn(d->ptr);
	a->defers = NULL;

	/* Keep the oldest chunk for the next request when it has the standard size, so a worker
	 * never holds more than ARENA_CHUNK bytes between requests, whatever came before. */
	struct arena_chunk *c = a->chunks, *next;
	a->chunks = NULL;
	for (; c != NULL; c = next) {
		next = c->next;
		if (next == NULL && c->size == ARENA_CHUNK) {
			c->used = 0;
			a->chunks = c;
		} else {
			free(c);
		}
	}
}

void
arena_destroy(struct arena *a)
{
	arena_reset(a);
	free(a->chunks);
	a->chunks = NULL;
}
