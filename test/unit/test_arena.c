/* test_arena.c: the per-request arena. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "tap.h"

static int deferred;
static void count(void *p) { deferred += *(int *)p; }

/* Sizes no request can ask for: a programming error, stopped before the rounding overflows. */
static void alloc_max(void *a) { arena_alloc(a, SIZE_MAX); }
static void alloc_almost_max(void *a) { arena_alloc(a, SIZE_MAX - 8); }
static void alloc_half(void *a) { arena_alloc(a, SIZE_MAX / 2 + 1); }

int
main(void)
{
	struct arena a;
	arena_init(&a);

	char *s = arena_strdup(&a, "hello");
	is_str(s, "hello", "strdup copies");
	ok(((uintptr_t)arena_alloc(&a, 3) % 16) == 0, "allocations are 16-byte aligned");
	ok(((uintptr_t)arena_alloc(&a, 5) % 16) == 0, "consecutive allocations stay aligned");
	is_str(arena_printf(&a, "%d-%s", 42, "x"), "42-x", "printf formats into the arena");
	is_str(arena_strndup(&a, "abcdef", 3), "abc", "strndup cuts and terminates");

	bool aligned = true;
	for (size_t n = 0; n < 300; n++)
		aligned &= (uintptr_t)arena_alloc(&a, n) % 16 == 0;
	ok(aligned, "allocations of every size from 0 to 299 bytes stay aligned");

	char *big = arena_alloc(&a, 100000);
	memset(big, 'x', 100000);
	ok(big[99999] == 'x', "an allocation larger than a chunk works");
	char *z = arena_zalloc(&a, 64);
	int zero = 1;
	for (int i = 0; i < 64; i++)
		zero &= z[i] == 0;
	ok(zero, "zalloc zeroes");

	static int one = 1, two = 2;
	arena_defer(&a, count, &one);
	arena_defer(&a, count, &two);
	arena_reset(&a);
	is_int(deferred, 3, "reset runs every deferred call");
	arena_reset(&a);
	is_int(deferred, 3, "a second reset runs nothing twice");

	/* After reset the arena is usable again and keeps one chunk. */
	for (int i = 0; i < 1000; i++)
		arena_alloc(&a, 100);
	arena_reset(&a);
	ok(a.chunks != NULL && a.defers == NULL, "reset keeps one chunk for the next request");
	is_str(arena_strdup(&a, "again"), "again", "arena works after reset");
	arena_destroy(&a);
	ok(a.chunks == NULL, "destroy frees the last chunk");

	/* A first request larger than a chunk leaves nothing behind: only a standard chunk is kept. */
	arena_init(&a);
	memset(arena_alloc(&a, 1 << 20), 'x', 1 << 20);
	arena_reset(&a);
	ok(a.chunks == NULL, "reset frees a first chunk larger than the standard size");
	arena_strdup(&a, "small");
	arena_alloc(&a, 200000);
	arena_reset(&a);
	ok(a.chunks != NULL, "... and keeps a standard first chunk past a large one");
	uintptr_t kept = (uintptr_t)a.chunks;
	arena_alloc(&a, 100);
	ok((uintptr_t)a.chunks == kept, "... which the next request allocates from");

	ok(tap_aborts(alloc_max, &a), "an allocation of SIZE_MAX bytes stops at the assertion");
	ok(tap_aborts(alloc_almost_max, &a), "... as does SIZE_MAX - 8, whose rounding would overflow");
	ok(tap_aborts(alloc_half, &a), "... and anything over half the address space");
	arena_destroy(&a);
	return tap_done();
}
