/* test_arena.c: the per-request arena. */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "tap.h"

static int deferred;
static void count(void *p) { deferred += *(int *)p; }

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
	return tap_done();
}
