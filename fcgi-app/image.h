/* image.h: photos from strangers, checked and re-encoded with libvips. The type comes from the
 * file's first bytes (never a name), the size from its header before anything is decoded, and what
 * leaves is a new JPEG file with no metadata at all. */
#ifndef FROSTBYTE_IMAGE_H
#define FROSTBYTE_IMAGE_H

#include <stddef.h>

#include "arena.h"

/* Decompression bombs: a header may claim any size, so nothing larger is decoded. 40 MP is above
 * every phone camera's full resolution (a 12 MP photo decodes to 36 MB of RGB). */
#define IMAGE_MAX_PIXELS 40000000LL
#define IMAGE_THUMB_SIDE 400   /* the gallery's thumbnail: its longer side at most this */
#define IMAGE_LARGE_SIDE 1600  /* the lightbox's version */

/* HEIC: what iPhones save; read by libvips' heif module (libheif, with libde265 for HEVC). */
enum image_type { IMAGE_NONE, IMAGE_JPEG, IMAGE_PNG, IMAGE_WEBP, IMAGE_HEIC };

enum image_status {
	IMAGE_OK,
	IMAGE_UNSUPPORTED,   /* the bytes are not a JPEG, PNG, WebP or HEIC (SVG, GIF, AVIF, HTML, ...) */
	IMAGE_MISMATCH,      /* they are, but not of the type the upload declared */
	IMAGE_ANIMATED,      /* an animated PNG or WebP, or a HEIC with more than one image */
	IMAGE_TOO_LARGE,     /* the header claims more than IMAGE_MAX_PIXELS */
	IMAGE_UNDECODABLE,   /* a broken or truncated file */
};

struct image_info {
	enum image_type type;
	int width, height;   /* as stored, before the orientation is applied */
};

struct image_out {
	const unsigned char *data;  /* JPEG bytes, in the arena */
	size_t len;
	int width, height;          /* upright */
};

/* Starts libvips for untrusted input, once per process (later calls do nothing): only the JPEG,
 * PNG, WebP and HEIF loaders stay usable, no operation cache, one thread. Returns 0 or -1. */
int image_init(void);

/* The type the first bytes show, or IMAGE_NONE. */
enum image_type image_sniff(const unsigned char *buf, size_t len);
/* "image/jpeg", "image/png", "image/webp", "image/heic" or "image/heif" (parameters ignored,
 * case-insensitive), else IMAGE_NONE. */
enum image_type image_type_of_mime(const char *content_type);

/* Everything that can be known without decoding the pixels: the type from the first bytes and that
 * it is the declared one, one frame only, and the size from the header (a PNG's own header is read
 * before libvips sees the file). Needs image_init. */
enum image_status image_check(const unsigned char *buf, size_t len, enum image_type declared,
			      struct image_info *info);

/* Decodes the checked image, turns it upright by its EXIF orientation, converts it to sRGB, scales
 * it down so its longer side is at most max_side (never up), and encodes it as JPEG with no
 * metadata. The result (progressive JPEG) lives in a. */
enum image_status image_render(struct arena *a, const unsigned char *buf, size_t len,
			       const struct image_info *info, int max_side, struct image_out *out);

/* libvips' last error message (for the log), and clears it. */
const char *image_error(struct arena *a);

#endif
