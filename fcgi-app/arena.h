/* arena.h: per-request bump allocator, released in one call after each request. */
#ifndef FROSTBYTE_ARENA_H
#define FROSTBYTE_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena_defer;

struct arena {
	struct arena_chunk *chunks;   /* newest first; the oldest is kept across resets if standard-sized */
	struct arena_defer *defers;   /* run in reverse order of registration by arena_reset */
};

void arena_init(struct arena *a);
/* Never returns NULL: running out of memory ends the worker, and multiwatch starts a fresh one. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Registers fn(ptr) to run at the next reset: for memory other libraries own (cJSON, libjwt, malloc). */
void arena_defer(struct arena *a, void (*fn)(void *), void *ptr);
/* Runs the deferred calls and frees every chunk but one of the standard size. */
void arena_reset(struct arena *a);
void arena_destroy(struct arena *a);

#endif
