/* image.c: photos from strangers, checked and re-encoded with libvips (image.h). */
#include "image.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <vips/vips.h>
#include <vips/vector.h>

static void
quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	(void)domain, (void)level, (void)message, (void)data;
}

int
image_init(void)
{
	static int ready;
	if (ready)
		return 0;
	if (vips_init("frostbyte") != 0)
		return -1;
	/* A broken upload is answered 422 and needs no line per tile in the worker's log. */
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, quiet, NULL);
	/* Loaders of formats nobody photographs with, some with long histories of bugs, are blocked
	 * twice: libvips' own "untrusted" list, then every loader but the four this module calls by
	 * name, so no path (a sniffing helper, a future call) can reach the others. */
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	vips_operation_block_set("VipsForeignLoadJpegBuffer", FALSE);
	vips_operation_block_set("VipsForeignLoadPngBuffer", FALSE);
	vips_operation_block_set("VipsForeignLoadWebpBuffer", FALSE);
	vips_operation_block_set("VipsForeignLoadHeifBuffer", FALSE);
	/* One photo at a time per worker, nothing kept between requests: the pool's size is the
	 * concurrency, and a worker's memory is one photo's. */
	vips_cache_set_max(0);
	vips_concurrency_set(1);
	/* No run-time generated code (orc): the pools run with MemoryDenyWriteExecute, and a JIT is
	 * one more thing a hostile file could aim at. */
	vips_vector_set_enabled(FALSE);
	ready = 1;
	return 0;
}

static const unsigned char PNG_MAGIC[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A HEIF file starts with its "ftyp" box: size, "ftyp", the major brand, a version, then the
 * compatible brands. HEIC is HEVC-coded HEIF: the major brand "heic" or "heix", or the generic
 * "mif1" with "heic" or "heix" among the compatible ones. Not AVIF (AV1 in the same container)
 * nor image sequences ("msf1", "hevc"): the heif loader reads them too, but nobody asked for them. */
static bool
heic_brand(const unsigned char *buf, size_t len)
{
	if (len < 16 || memcmp(buf + 4, "ftyp", 4) != 0)
		return false;
	uint32_t box = be32(buf);
	if (box < 16 || box > len || box % 4 != 0)
		return false;
	const unsigned char *major = buf + 8;
	if (memcmp(major, "heic", 4) == 0 || memcmp(major, "heix", 4) == 0)
		return true;
	if (memcmp(major, "mif1", 4) != 0)
		return false;
	for (uint32_t at = 16; at + 4 <= box; at += 4)
		if (memcmp(buf + at, "heic", 4) == 0 || memcmp(buf + at, "heix", 4) == 0)
			return true;
	return false;
}

enum image_type
image_sniff(const unsigned char *buf, size_t len)
{
	if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
		return IMAGE_JPEG;
	if (len >= 8 && memcmp(buf, PNG_MAGIC, 8) == 0)
		return IMAGE_PNG;
	if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "WEBP", 4) == 0)
		return IMAGE_WEBP;
	if (heic_brand(buf, len))
		return IMAGE_HEIC;
	return IMAGE_NONE;
}

enum image_type
image_type_of_mime(const char *ct)
{
	static const struct { const char *name; enum image_type type; } types[] = {
		{ "image/jpeg", IMAGE_JPEG }, { "image/png", IMAGE_PNG }, { "image/webp", IMAGE_WEBP },
		{ "image/heic", IMAGE_HEIC }, { "image/heif", IMAGE_HEIC },
	};
	if (ct == NULL)
		return IMAGE_NONE;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i].name);
		if (strncasecmp(ct, types[i].name, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return types[i].type;
	}
	return IMAGE_NONE;
}

/* A PNG's chunks up to its first image data: the size from IHDR, and whether an acTL chunk makes
 * it an animation (libvips would show the first frame only). */
static enum image_status
png_header(const unsigned char *buf, size_t len)
{
	size_t at = 8;
	bool first = true;
	while (at + 8 <= len) {
		uint32_t n = be32(buf + at);
		const unsigned char *type = buf + at + 4;
		if (n > len - at - 8)
			return IMAGE_UNDECODABLE;
		if (first) {
			if (memcmp(type, "IHDR", 4) != 0 || n != 13)
				return IMAGE_UNDECODABLE;
			uint32_t w = be32(buf + at + 8), h = be32(buf + at + 12);
			if (w == 0 || h == 0)
				return IMAGE_UNDECODABLE;
			/* Both are 32 bits: their product fits in 64 bits unsigned, never in a signed overflow. */
			if ((uint64_t)w * h > (uint64_t)IMAGE_MAX_PIXELS)
				return IMAGE_TOO_LARGE;
			first = false;
		} else if (memcmp(type, "acTL", 4) == 0) {
			return IMAGE_ANIMATED;
		} else if (memcmp(type, "IDAT", 4) == 0) {
			return IMAGE_OK;
		}
		if (len - at - 8 - n < 4)
			return IMAGE_UNDECODABLE;
		at += 8 + (size_t)n + 4; /* length, type, data, CRC */
	}
	return IMAGE_UNDECODABLE;
}

/* The loader for the type, by name: never one chosen by libvips' sniffing. shrink_to > 0 lets the
 * JPEG and WebP decoders scale down while decoding (HEIC is decoded whole) (much less memory and time for a thumbnail). */
static VipsImage *
load(const unsigned char *buf, size_t len, const struct image_info *info, int shrink_to)
{
	VipsImage *img = NULL;
	int rc = -1;
	int side = info->width > info->height ? info->width : info->height;
	void *data = (void *)(uintptr_t)buf; /* libvips only reads it */
	switch (info->type) {
	case IMAGE_JPEG: {
		int shrink = 1;
		while (shrink_to > 0 && shrink < 8 && side / (shrink * 2) >= shrink_to)
			shrink *= 2;
		rc = vips_jpegload_buffer(data, len, &img, "shrink", shrink, "fail_on", VIPS_FAIL_ON_ERROR,
					  "access", VIPS_ACCESS_SEQUENTIAL, NULL);
		break;
	}
	case IMAGE_PNG:
		rc = vips_pngload_buffer(data, len, &img, "fail_on", VIPS_FAIL_ON_ERROR,
					 "access", VIPS_ACCESS_SEQUENTIAL, NULL);
		break;
	case IMAGE_WEBP: {
		double scale = shrink_to > 0 && side > shrink_to ? (double)shrink_to / side : 1.0;
		rc = vips_webpload_buffer(data, len, &img, "scale", scale, "fail_on", VIPS_FAIL_ON_ERROR,
					  "access", VIPS_ACCESS_SEQUENTIAL, NULL);
		break;
	}
	case IMAGE_HEIC:
		/* The primary image only; libheif turns it upright by the file's own transformations. */
		rc = vips_heifload_buffer(data, len, &img, "fail_on", VIPS_FAIL_ON_ERROR,
					  "access", VIPS_ACCESS_SEQUENTIAL, NULL);
		break;
	case IMAGE_NONE:
		break;
	}
	return rc == 0 ? img : NULL;
}

enum image_status
image_check(const unsigned char *buf, size_t len, enum image_type declared, struct image_info *info)
{
	memset(info, 0, sizeof(*info));
	info->type = image_sniff(buf, len);
	if (info->type == IMAGE_NONE)
		return IMAGE_UNSUPPORTED;
	if (declared != IMAGE_NONE && info->type != declared)
		return IMAGE_MISMATCH;
	enum image_status st;
	if (info->type == IMAGE_PNG && (st = png_header(buf, len)) != IMAGE_OK)
		return st;
	/* VP8X flags: bit 1 is "animation". */
	if (info->type == IMAGE_WEBP && len >= 21 && memcmp(buf + 12, "VP8X", 4) == 0 && (buf[20] & 0x02))
		return IMAGE_ANIMATED;

	/* A loader reads the header only until pixels are asked for. */
	info->width = info->height = 1;
	VipsImage *img = load(buf, len, info, 0);
	if (img == NULL)
		return IMAGE_UNDECODABLE;
	info->width = vips_image_get_width(img);
	info->height = vips_image_get_height(img);
	int pages = vips_image_get_n_pages(img);
	g_object_unref(img);
	if (pages > 1)
		return IMAGE_ANIMATED;
	if (info->width <= 0 || info->height <= 0)
		return IMAGE_UNDECODABLE;
	if ((long long)info->width * info->height > IMAGE_MAX_PIXELS)
		return IMAGE_TOO_LARGE;
	return IMAGE_OK;
}

/* Removes every metadata item from img (a private copy), besides the saver's "strip": a saver that
 * ignores "strip" copies them into its file. libvips 8.14's webpsave does (it wrote the camper's
 * GPS position into the WebP file, and an EXIF block even with no fields left), so the output is a
 * JPEG, whose saver strips. */
static void
strip_metadata(VipsImage *img)
{
	gchar **names = vips_image_get_fields(img);
	for (gchar **p = names; p != NULL && *p != NULL; p++)
		(void)vips_image_remove(img, *p); /* the built-in fields (width, ...) are not removable */
	g_strfreev(names);
}

enum image_status
image_render(struct arena *a, const unsigned char *buf, size_t len, const struct image_info *info,
	     int max_side, struct image_out *out)
{
	memset(out, 0, sizeof(*out));
	VipsImage *in = load(buf, len, info, max_side), *small = NULL;
	if (in == NULL)
		return IMAGE_UNDECODABLE;
	/* thumbnail_image turns the picture upright by its EXIF orientation (after scaling, so the
	 * rotation costs little) and, through the profile, converts any colour space to sRGB. */
	int rc = vips_thumbnail_image(in, &small, max_side, "height", max_side, "size", VIPS_SIZE_DOWN,
				      "export_profile", "srgb", NULL);
	g_object_unref(in);
	if (rc != 0)
		return IMAGE_UNDECODABLE;
	void *data = NULL;
	size_t n = 0;
	/* No EXIF (a camper's GPS position), XMP, IPTC, ICC or comment leaves the server. The pixels
	 * are decoded by the save, so a truncated or broken file fails there. */
	VipsImage *bare = NULL;
	rc = vips_copy(small, &bare, NULL);
	g_object_unref(small);
	if (rc != 0)
		return IMAGE_UNDECODABLE;
	strip_metadata(bare);
	if (vips_image_hasalpha(bare)) { /* JPEG has no transparency: show it on white, not black */
		VipsImage *flat = NULL;
		VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
		rc = vips_flatten(bare, &flat, "background", white, NULL);
		vips_area_unref(VIPS_AREA(white));
		g_object_unref(bare);
		if (rc != 0)
			return IMAGE_UNDECODABLE;
		bare = flat;
	}
	rc = vips_jpegsave_buffer(bare, &data, &n, "Q", 82, "strip", TRUE, "optimize_coding", TRUE,
				  "interlace", TRUE, NULL);
	out->width = vips_image_get_width(bare);
	out->height = vips_image_get_height(bare);
	g_object_unref(bare);
	if (rc != 0 || n == 0) {
		g_free(data);
		return IMAGE_UNDECODABLE;
	}
	unsigned char *copy = arena_alloc(a, n);
	memcpy(copy, data, n);
	g_free(data);
	out->data = copy;
	out->len = n;
	return IMAGE_OK;
}

const char *
image_error(struct arena *a)
{
	const char *msg = arena_strdup(a, vips_error_buffer());
	vips_error_clear();
	size_t n = strlen(msg);
	return n > 0 && msg[n - 1] == '\n' ? arena_strndup(a, msg, n - 1) : msg;
}
