/* bench/photo.c: the upload's image work alone, as photos_upload does it (image.c): check the
 * header, render the 1600 px and the 400 px versions. Prints the milliseconds of each step;
 * bench/photos runs it under /usr/bin/time for the peak memory. Usage: photo FILE [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "image.h"

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	if (argc < 2 || image_init() != 0)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (f == NULL)
		return 2;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	unsigned char *buf = malloc((size_t)n);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return 2;
	fclose(f);
	int rounds = argc > 2 ? atoi(argv[2]) : 1;
	struct arena a;
	arena_init(&a);
	for (int r = 0; r < rounds; r++) {
		struct image_info info;
		struct image_out large, thumb;
		double t0 = now_ms();
		if (image_check(buf, (size_t)n, IMAGE_JPEG, &info) != IMAGE_OK)
			return 1;
		double t1 = now_ms();
		if (image_render(&a, buf, (size_t)n, &info, IMAGE_LARGE_SIDE, &large) != IMAGE_OK)
			return 1;
		double t2 = now_ms();
		if (image_render(&a, buf, (size_t)n, &info, IMAGE_THUMB_SIDE, &thumb) != IMAGE_OK)
			return 1;
		double t3 = now_ms();
		printf("%dx%d %ld bytes: check %.1f ms, large %dx%d %.1f ms (%zu bytes), thumb %dx%d %.1f ms"
		       " (%zu bytes), total %.1f ms\n", info.width, info.height, n, t1 - t0, large.width,
		       large.height, t2 - t1, large.len, thumb.width, thumb.height, t3 - t2, thumb.len, t3 - t0);
		arena_reset(&a);
	}
	arena_destroy(&a);
	free(buf);
	return 0;
}
