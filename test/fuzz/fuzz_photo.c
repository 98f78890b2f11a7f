/* fuzz_photo.c: the upload's validation (image.c): the type from the first bytes against each
 * declared type, the PNG chunk walk and the header limits, then, for a small file that passes, the
 * decoding and re-encoding. Oracles: a status is one of image.h's; an accepted file has the type
 * its bytes show and the declared one, and at most IMAGE_MAX_PIXELS; a rendered photo is a JPEG
 * no larger than asked. */
#include <stdint.h>
#include <stdlib.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int ready;
	if (!ready) {
		if (image_init() != 0)
			abort();
		arena_init(&a);
		ready = 1;
	}
	for (int d = IMAGE_NONE; d <= IMAGE_HEIC; d++) {
		struct image_info info;
		enum image_status st = image_check(data, size, (enum image_type)d, &info);
		if (st > IMAGE_UNDECODABLE)
			abort();
		if (st != IMAGE_OK)
			continue;
		if (info.type != image_sniff(data, size) || (d != IMAGE_NONE && (int)info.type != d) ||
		    info.width <= 0 || info.height <= 0 ||
		    (long long)info.width * info.height > IMAGE_MAX_PIXELS)
			abort();
		/* Decoding costs time per input: only small pictures, once. */
		if (d == IMAGE_NONE && (long long)info.width * info.height <= 65536) {
			struct image_out out;
			if (image_render(&a, data, size, &info, 64, &out) == IMAGE_OK &&
			    (out.width < 1 || out.width > 64 || out.height < 1 || out.height > 64 ||
			     out.len < 4 || out.data[0] != 0xff || out.data[1] != 0xd8))
				abort();
		}
	}
	(void)image_error(&a);
	arena_reset(&a);
	return 0;
}
