/* image-none.c: image.h for the programs built without libvips (frostbyte-fcgi, frostbyte-ctl).
 * Only frostbyte-media, the media pool's program, does image work, and nginx sends photo uploads to
 * that pool alone; loading libvips and its loaders into every other worker would cost each of them
 * about 20 MiB and put a hundred libraries within reach of every request. image_init() fails here,
 * so an upload that reaches another pool is answered 503 before anything else runs. */
#include "image.h"

int
image_init(void)
{
	return -1;
}

enum image_type
image_sniff(const unsigned char *buf, size_t len)
{
	(void)buf, (void)len;
	return IMAGE_NONE;
}

enum image_type
image_type_of_mime(const char *content_type)
{
	(void)content_type;
	return IMAGE_NONE;
}

enum image_status
image_check(const unsigned char *buf, size_t len, enum image_type declared, struct image_info *info)
{
	(void)buf, (void)len, (void)declared, (void)info;
	return IMAGE_UNSUPPORTED;
}

enum image_status
image_render(struct arena *a, const unsigned char *buf, size_t len, const struct image_info *info,
	     int max_side, struct image_out *out)
{
	(void)a, (void)buf, (void)len, (void)info, (void)max_side, (void)out;
	return IMAGE_UNSUPPORTED;
}

const char *
image_error(struct arena *a)
{
	(void)a;
	return "this program is built without libvips: photos are processed by frostbyte-media";
}
