/* test_photos.c: photos on reviews, in-process, with real image files made here (libvips and
 * bytes written by hand): EXIF and GPS gone after upload, a rotated photo upright, refusals of
 * truncated, oversized, SVG, polyglot, animated and too-large files, someone else's review, the
 * six-photo limit, the daily quota, lists, edits, moderation, cover photos, and the files removed
 * with their photo, review and account. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "config.h"
#include "harness.h"
#include "image.h"

/* ---- image bytes ---- */

struct bytes { unsigned char *p; size_t n; };

static struct bytes
bytes_cat(struct bytes a, const void *b, size_t n)
{
	struct bytes r = { malloc(a.n + n), a.n + n };
	memcpy(r.p, a.p, a.n);
	memcpy(r.p + a.n, b, n);
	return r;
}

/* A libvips saver's output (g_malloc'd) as our own bytes. */
static struct bytes
from_vips(void *buf, size_t n)
{
	struct bytes r = { malloc(n), n };
	memcpy(r.p, buf, n);
	g_free(buf);
	return r;
}

/* A JPEG of w x h: the top half of value `top`, the bottom of `bottom` (grey levels), plus noise
 * of `seed` so each picture differs. */
static struct bytes
make_jpeg(int w, int h, int top, int bottom, int seed)
{
	VipsImage *upper, *lower, *joined, *noise, *sum, *cast;
	void *buf = NULL;
	size_t n = 0;
	if (vips_black(&upper, w, h / 2, "bands", 3, NULL) || vips_black(&lower, w, h - h / 2, "bands", 3, NULL))
		abort();
	VipsImage *u2, *l2;
	if (vips_linear1(upper, &u2, 1.0, (double)top, NULL) || vips_linear1(lower, &l2, 1.0, (double)bottom, NULL) ||
	    vips_join(u2, l2, &joined, VIPS_DIRECTION_VERTICAL, NULL) ||
	    vips_gaussnoise(&noise, w, h, "sigma", 2.0 + seed, "mean", 0.0, NULL) ||
	    vips_add(joined, noise, &sum, NULL) || vips_cast(sum, &cast, VIPS_FORMAT_UCHAR, NULL) ||
	    vips_jpegsave_buffer(cast, &buf, &n, "Q", 90, "strip", TRUE, NULL))
		abort();
	VipsImage *all[] = { upper, lower, u2, l2, joined, noise, sum, cast };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		g_object_unref(all[i]);
	return from_vips(buf, n);
}

static void put16le(unsigned char *p, unsigned v) { p[0] = v & 0xff; p[1] = v >> 8; }
static void put32le(unsigned char *p, unsigned v) { for (int i = 0; i < 4; i++) p[i] = (v >> (8 * i)) & 0xff; }
static void put32be(unsigned char *p, unsigned v) { for (int i = 0; i < 4; i++) p[i] = (v >> (24 - 8 * i)) & 0xff; }

static void
ifd_entry(unsigned char *p, unsigned tag, unsigned type, unsigned count, unsigned value)
{
	put16le(p, tag);
	put16le(p + 2, type);
	put32le(p + 4, count);
	put32le(p + 8, value);
}

/* jpeg with an APP1 EXIF segment written by hand right after SOI: Orientation, a camera model
 * and a GPS position (44°27'36" N, 110°49'48" W). */
static struct bytes
with_exif(struct bytes jpeg, int orientation)
{
	unsigned char t[256] = { 'I', 'I', 42, 0, 8, 0, 0, 0 };
	/* IFD0 at 8: 3 entries; Model's text at 50; the GPS IFD at 60: 4 entries; rationals at 114. */
	put16le(t + 8, 3);
	ifd_entry(t + 10, 0x0112, 3, 1, (unsigned)orientation);   /* Orientation, SHORT */
	ifd_entry(t + 22, 0x0110, 2, 10, 50);                      /* Model, ASCII */
	ifd_entry(t + 34, 0x8825, 4, 1, 60);                       /* GPS IFD pointer */
	put32le(t + 46, 0);
	memcpy(t + 50, "SpyCam 3\0\0", 10);
	put16le(t + 60, 4);
	ifd_entry(t + 62, 1, 2, 2, 'N');                           /* GPSLatitudeRef "N" */
	ifd_entry(t + 74, 2, 5, 3, 114);                           /* GPSLatitude */
	ifd_entry(t + 86, 3, 2, 2, 'W');                           /* GPSLongitudeRef "W" */
	ifd_entry(t + 98, 4, 5, 3, 138);                           /* GPSLongitude */
	put32le(t + 110, 0);
	unsigned lat[] = { 44, 1, 27, 1, 36, 1 }, lon[] = { 110, 1, 49, 1, 48, 1 };
	for (int i = 0; i < 6; i++) {
		put32le(t + 114 + 4 * i, lat[i]);
		put32le(t + 138 + 4 * i, lon[i]);
	}
	size_t tiff = 162, seg = 2 + 6 + tiff;
	unsigned char app1[4 + 6 + 162] = { 0xff, 0xe1, (unsigned char)(seg >> 8), (unsigned char)seg,
					    'E', 'x', 'i', 'f', 0, 0 };
	memcpy(app1 + 10, t, tiff);
	struct bytes soi = { jpeg.p, 2 };
	struct bytes a = bytes_cat(soi, app1, sizeof(app1));
	struct bytes r = bytes_cat(a, jpeg.p + 2, jpeg.n - 2);
	free(a.p);
	return r;
}

static unsigned
crc32_of(const unsigned char *p, size_t n)
{
	unsigned c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* One PNG chunk (length, type, data, CRC) appended to b. */
static struct bytes
png_chunk(struct bytes b, const char *type, const unsigned char *data, unsigned n)
{
	unsigned char *c = malloc(12 + n);
	put32be(c, n);
	memcpy(c + 4, type, 4);
	if (n)
		memcpy(c + 8, data, n);
	put32be(c + 8 + n, crc32_of(c + 4, 4 + n));
	struct bytes r = bytes_cat(b, c, 12 + n);
	free(c);
	free(b.p);
	return r;
}

/* A PNG whose header says w x h, with one tiny (wrong) IDAT; an acTL chunk when animated. */
static struct bytes
png_claiming(unsigned w, unsigned h, bool animated)
{
	static const unsigned char magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	struct bytes b = { malloc(8), 8 };
	memcpy(b.p, magic, 8);
	unsigned char ihdr[13] = { 0 };
	put32be(ihdr, w);
	put32be(ihdr + 4, h);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 2;  /* RGB */
	b = png_chunk(b, "IHDR", ihdr, 13);
	if (animated) {
		unsigned char actl[8] = { 0, 0, 0, 2, 0, 0, 0, 0 };
		b = png_chunk(b, "acTL", actl, 8);
	}
	static const unsigned char idat[] = { 0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01 };
	b = png_chunk(b, "IDAT", idat, sizeof(idat));
	return png_chunk(b, "IEND", NULL, 0);
}

/* A real PNG from libvips. */
static struct bytes
make_png(int w, int h, int grey)
{
	VipsImage *black, *img;
	void *buf = NULL;
	size_t n = 0;
	if (vips_black(&black, w, h, "bands", 3, NULL) || vips_linear1(black, &img, 1.0, (double)grey, NULL))
		abort();
	VipsImage *u;
	if (vips_cast(img, &u, VIPS_FORMAT_UCHAR, NULL) || vips_pngsave_buffer(u, &buf, &n, NULL))
		abort();
	g_object_unref(black);
	g_object_unref(img);
	g_object_unref(u);
	return from_vips(buf, n);
}

/* ---- helpers ---- */

/* The review of `park` by `user` (made the first time). */
static int
review_of(const char *user, int park)
{
	struct reply r = call("POST", sfmt("/api/parks/%d/reviews", park),
			      "{\"stars\":5,\"title\":\"Trail photos\",\"body\":\"See the pictures.\"}",
			      "Authorization", bearer(user), NULL);
	if (r.status == 201)
		return jint(r.json, "id");
	return jint(r.json, "error.review_id");
}

static struct reply
upload(const char *user, int review, const char *type, struct bytes b, const char *query)
{
	char len[32];
	snprintf(len, sizeof(len), "%zu", b.n);
	/* The body is raw bytes: NUL-terminated copy so the harness may treat it as a string too. */
	char *body = malloc(b.n + 1);
	memcpy(body, b.p, b.n);
	body[b.n] = '\0';
	struct reply r = call("POST", sfmt("/api/reviews/%d/photos?%s", review, query ? query : "alt=A%20view"),
			      body, "Authorization", bearer(user), "Content-Type", type, "Content-Length", len, NULL);
	/* the request's body is not kept by the reply */
	free(body);
	return r;
}

/* The file behind a photo URL ("/photos/ab/abc...jpg"), read whole; n = 0 when missing. */
static struct bytes
photo_file(const char *url)
{
	struct bytes b = { NULL, 0 };
	if (url == NULL || strncmp(url, "/photos/", 8) != 0)
		return b;
	FILE *f = fopen(sfmt("%s/%s", config.photos_dir, url + 8), "rb");
	if (f == NULL)
		return b;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	b.p = malloc((size_t)n);
	b.n = fread(b.p, 1, (size_t)n, f);
	fclose(f);
	return b;
}

static bool
file_exists(const char *url)
{
	return url != NULL && access(sfmt("%s/%s", config.photos_dir, url + 8), F_OK) == 0;
}

static const char *
str(cJSON *j, const char *path)
{
	cJSON *v = jget(j, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
contains(struct bytes b, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= b.n; i++)
		if (memcmp(b.p + i, needle, n) == 0)
			return true;
	return false;
}

/* The JPEG's segments before the image data: true when any is APPn (EXIF, JFIF, XMP, ICC) or a
 * comment. */
static bool
has_metadata_segment(struct bytes b)
{
	size_t at = 2;
	while (at + 4 <= b.n && b.p[at] == 0xff) {
		unsigned m = b.p[at + 1];
		if ((m >= 0xe0 && m <= 0xef) || m == 0xfe)
			return true;
		if (m == 0xda)
			return false;
		at += 2 + ((size_t)b.p[at + 2] << 8 | b.p[at + 3]);
	}
	return false;
}

/* ---- cases ---- */

static void
test_photo_gps_exif_removed(void)
{
	struct bytes plain = make_jpeg(640, 480, 200, 60, 0), gps = with_exif(plain, 1);
	/* The input really carries the position, as a phone's photo does. */
	ok(contains(gps, "Exif") && contains(gps, "SpyCam"), "the upload has an EXIF block with a GPS IFD");
	struct reply r = upload("alice", review_of("alice", 2), "image/jpeg", gps,
				"alt=Old%20Faithful%20at%20dawn&caption=From%20the%20boardwalk");
	is_int(r.status, 201, "a JPEG with GPS EXIF is accepted: 201");
	is_str(str(r.json, "alt"), "Old Faithful at dawn", "... with its alt text");
	is_str(str(r.json, "caption"), "From the boardwalk", "... and caption");
	is_int(jint(r.json, "large.width"), 640, "... large: 640 wide (never scaled up)");
	is_int(jint(r.json, "thumb.width"), 400, "... thumbnail: 400 wide");
	is_int(jint(r.json, "thumb.height"), 300, "... and 300 high");
	const char *urls[] = { str(r.json, "thumb.url"), str(r.json, "large.url") };
	for (int i = 0; i < 2; i++) {
		struct bytes f = photo_file(urls[i]);
		ok(f.n > 0, "%s: the file is stored", urls[i] ? urls[i] : "(no url)");
		ok(f.n > 3 && f.p[0] == 0xff && f.p[1] == 0xd8, "... as a JPEG");
		ok(!has_metadata_segment(f), "... with no APP or comment segment at all");
		ok(!contains(f, "Exif") && !contains(f, "SpyCam") && !contains(f, "GPS"),
		   "... and no EXIF bytes anywhere");
		free(f.p);
	}
	ok(urls[0] != NULL && strlen(urls[0]) == strlen("/photos/ab/.jpg") + 64,
	   "the file name is a 64-digit hash, not the upload's name");
	free(plain.p);
	free(gps.p);
}

static void
test_photo_rotated_comes_out_upright(void)
{
	/* Stored 300 x 200 with a white top; EXIF orientation 6 says "turn 90 degrees clockwise to
	 * view", so the picture is 200 x 300 with the white half on the right. */
	struct bytes plain = make_jpeg(300, 200, 250, 5, 1), rotated = with_exif(plain, 6);
	struct reply r = upload("alice", review_of("alice", 3), "image/jpeg", rotated, NULL);
	is_int(r.status, 201, "a rotated phone photo is accepted");
	is_int(jint(r.json, "large.width"), 200, "... upright: 200 wide");
	is_int(jint(r.json, "large.height"), 300, "... and 300 high");
	struct bytes f = photo_file(str(r.json, "large.url"));
	VipsImage *img = NULL;
	double *left = NULL, *right = NULL;
	int nl = 0, nr = 0;
	ok(f.n > 0 && vips_jpegload_buffer(f.p, f.n, &img, NULL) == 0, "the stored file decodes");
	if (img != NULL) {
		is_int(vips_image_get_width(img), 200, "... 200 wide");
		ok(vips_getpoint(img, &left, &nl, 40, 150, NULL) == 0 &&
		   vips_getpoint(img, &right, &nr, 160, 150, NULL) == 0, "... pixels read");
		ok(left && right && left[0] < 60 && right[0] > 200,
		   "... the top of the stored pixels is now on the right: dark left, light right");
		ok(vips_image_get_typeof(img, "orientation") == 0 && vips_image_get_typeof(img, "exif-data") == 0,
		   "... and carries no orientation tag to turn it again");
		g_free(left);
		g_free(right);
		g_object_unref(img);
	}
	free(f.p);
	free(plain.p);
	free(rotated.p);
}

static void
test_photo_png_alpha_and_webp_accepted(void)
{
	struct bytes png = make_png(120, 80, 30);
	struct reply r = upload("alice", review_of("alice", 4), "image/png", png, NULL);
	is_int(r.status, 201, "a PNG is accepted");
	is_int(jint(r.json, "large.width"), 120, "... at its size");
	free(png.p);
}

/* The picture of a JPEG (its EXIF kept) saved again as HEIC, HEVC-coded, as an iPhone saves. */
static struct bytes
heic_of(struct bytes jpeg)
{
	VipsImage *img;
	void *buf = NULL;
	size_t n = 0;
	if (vips_jpegload_buffer(jpeg.p, jpeg.n, &img, NULL) ||
	    vips_heifsave_buffer(img, &buf, &n, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC, NULL))
		abort();
	g_object_unref(img);
	return from_vips(buf, n);
}

static void
test_photo_heic(void)
{
	struct bytes plain = make_jpeg(640, 480, 200, 60, 7), gps = with_exif(plain, 1), heic = heic_of(gps);
	ok(heic.n > 12 && memcmp(heic.p + 4, "ftypheic", 8) == 0 && contains(heic, "SpyCam"),
	   "the test HEIC is a HEIC with the EXIF block and GPS position in it");
	struct reply r = upload("alice", review_of("alice", 17), "image/heic", heic, "alt=Lake");
	is_int(r.status, 201, "a HEIC (iPhone) photo is accepted: 201");
	is_int(jint(r.json, "large.width"), 640, "... at its size: 640 wide");
	is_int(jint(r.json, "thumb.width"), 400, "... thumbnail: 400 wide");
	struct bytes f = photo_file(str(r.json, "large.url"));
	ok(f.n > 3 && f.p[0] == 0xff && f.p[1] == 0xd8 && !has_metadata_segment(f) && !contains(f, "SpyCam") &&
	   !contains(f, "GPS"), "... stored as a JPEG with no metadata: the position is gone");
	free(f.p);

	r = upload("alice", review_of("alice", 17), "image/jpeg", heic, "alt=Lake");
	ok(is_error(&r, 415, "unsupported_media_type", NULL), "a HEIC declared as image/jpeg: 415");
	/* The same container with AV1 inside (AVIF): its brands say so, and it is not taken. */
	struct bytes avif = { malloc(heic.n), heic.n };
	memcpy(avif.p, heic.p, heic.n);
	for (size_t i = 8; i + 4 <= 28 && i + 4 <= avif.n; i += 4)
		if (memcmp(avif.p + i, "heic", 4) == 0)
			memcpy(avif.p + i, "avif", 4);
	r = upload("alice", review_of("alice", 17), "image/heif", avif, "alt=Lake");
	ok(is_error(&r, 415, "unsupported_media_type", NULL), "a file with AVIF's brands, sent as image/heif: 415");
	is_int(count_rows("SELECT count(*) FROM photos WHERE park_id = 17"), 1, "... only the HEIC has a row");
	free(avif.p);
	free(plain.p);
	free(gps.p);
	free(heic.p);
}

static void
test_photo_truncated_refused(void)
{
	struct bytes full = make_jpeg(800, 600, 128, 128, 3);
	struct bytes cut = { full.p, full.n / 2 };
	struct reply r = upload("alice", review_of("alice", 5), "image/jpeg", cut, NULL);
	ok(is_error(&r, 422, "invalid_image", NULL), "a truncated JPEG: 422 invalid_image");
	is_int(count_rows("SELECT count(*) FROM photos WHERE park_id = 5"), 0, "... no row");
	free(full.p);
}

static void
test_photo_decompression_bomb_refused(void)
{
	struct bytes bomb = png_claiming(100000, 100000, false);
	ok(bomb.n < 100, "the PNG claiming 100000 x 100000 is %zu bytes", bomb.n);
	struct reply r = upload("alice", review_of("alice", 5), "image/png", bomb, NULL);
	ok(is_error(&r, 422, "image_too_large", NULL), "... refused from its header: 422 image_too_large");
	free(bomb.p);

	/* A JPEG whose frame header (SOF) claims 65000 x 65000: the limit holds through libvips'
	 * header read too. */
	struct bytes j = make_jpeg(64, 48, 100, 100, 0);
	for (size_t i = 2; i + 9 < j.n; i++)
		if (j.p[i] == 0xff && (j.p[i + 1] == 0xc0 || j.p[i + 1] == 0xc2)) {
			j.p[i + 5] = 0xfd, j.p[i + 6] = 0xe8, j.p[i + 7] = 0xfd, j.p[i + 8] = 0xe8;
			break;
		}
	r = upload("alice", review_of("alice", 5), "image/jpeg", j, NULL);
	ok(is_error(&r, 422, "image_too_large", NULL), "a JPEG claiming 65000 x 65000: 422 image_too_large");
	free(j.p);
}

static void
test_photo_svg_gif_html_refused(void)
{
	int review = review_of("alice", 5);
	const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
	struct bytes b = { (unsigned char *)(uintptr_t)svg, strlen(svg) };
	struct reply r = upload("alice", review, "image/svg+xml", b, NULL);
	ok(is_error(&r, 415, "unsupported_media_type", NULL), "an SVG as image/svg+xml: 415");
	r = upload("alice", review, "image/png", b, NULL);
	ok(is_error(&r, 415, "unsupported_media_type", NULL), "an SVG sent as image/png: 415");
	const char *gif = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
	struct bytes g = { (unsigned char *)(uintptr_t)gif, 14 };
	r = upload("alice", review, "image/jpeg", g, NULL);
	ok(is_error(&r, 415, "unsupported_media_type", NULL), "a GIF sent as image/jpeg: 415");
	struct bytes apng = png_claiming(16, 16, true);
	r = upload("alice", review, "image/png", apng, NULL);
	ok(is_error(&r, 422, "animated_image", NULL), "an animated PNG (acTL): 422 animated_image");
	free(apng.p);
	r = upload("alice", review, "application/octet-stream", b, NULL);
	ok(is_error(&r, 415, "unsupported_media_type", NULL), "another Content-Type: 415");
}

static void
test_photo_polyglot(void)
{
	int review = review_of("alice", 6);
	/* A PNG declared as a JPEG: the bytes decide, and they disagree. */
	struct bytes png = make_png(20, 20, 10);
	struct reply r = upload("alice", review, "image/jpeg", png, NULL);
	ok(is_error(&r, 415, "unsupported_media_type", NULL), "a PNG sent as image/jpeg: 415");
	free(png.p);
	/* A valid JPEG with HTML and script after its end: accepted, and what is served is a new
	 * file made from the pixels, without the payload. */
	struct bytes jpeg = make_jpeg(64, 64, 90, 90, 2);
	const char *html = "<html><script>alert(document.cookie)</script></html>";
	struct bytes poly = bytes_cat(jpeg, html, strlen(html));
	r = upload("alice", review, "image/jpeg", poly, NULL);
	is_int(r.status, 201, "a JPEG with an HTML payload appended: accepted as a photo");
	struct bytes f = photo_file(str(r.json, "large.url"));
	ok(f.n > 0 && !contains(f, "<script") && !contains(f, "<html"), "... the stored file has no trace of it");
	free(f.p);
	free(jpeg.p);
	free(poly.p);
}

static void
test_photo_too_big_body_refused(void)
{
	/* 12 MB: refused on its declared length, before the body is read or decoded. */
	struct bytes big = { calloc(1, 12 * 1024 * 1024), 12 * 1024 * 1024 };
	big.p[0] = 0xff, big.p[1] = 0xd8, big.p[2] = 0xff;
	struct reply r = upload("alice", review_of("alice", 8), "image/jpeg", big, NULL);
	ok(is_error(&r, 413, "payload_too_large", NULL), "a 12 MB upload: 413 payload_too_large");
	free(big.p);
	/* The 10 MiB cap is the upload route's alone: JSON routes keep 64 KiB. */
	r = call("PATCH", "/api/photos/1", "{}", "Authorization", bearer("alice"), "Content-Length", "70000", NULL);
	ok(is_error(&r, 413, "payload_too_large", NULL), "a 70 kB JSON body elsewhere: still 413");
}

static void
test_photo_someone_elses_review(void)
{
	int review = review_of("alice", 9);
	struct bytes j = make_jpeg(64, 64, 10, 10, 4);
	struct reply r = upload("mallory", review, "image/jpeg", j, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "an upload to someone else's review: 404");
	r = upload("mallory", 999999, "image/jpeg", j, NULL);
	ok(is_error(&r, 404, "not_found", NULL), "... to no review: 404");
	is_int(count_rows("SELECT count(*) FROM photos WHERE park_id = 9"), 0, "... no row");
	r = upload("alice", review, "image/jpeg", j, "caption=no%20alt");
	ok(is_error(&r, 400, "missing_field", "alt"), "no alt text: 400 missing_field alt");
	r = upload("alice", review, "image/jpeg", j, "alt=%20%20");
	ok(is_error(&r, 400, "invalid_field", "alt"), "blank alt text: 400 invalid_field alt");
	r = call("POST", sfmt("/api/reviews/%d/photos?alt=x", review), NULL, "Content-Type", "image/jpeg", NULL);
	is_int(r.status, 401, "no caller: 401");
	free(j.p);
}

static void
test_photo_six_per_review(void)
{
	int review = review_of("carol", 10);
	for (int i = 0; i < 6; i++) {
		struct bytes j = make_jpeg(48, 48, 20 * i, 200 - 20 * i, i);
		struct reply r = upload("carol", review, "image/jpeg", j, NULL);
		is_int(r.status, 201, "photo %d of 6: 201", i + 1);
		free(j.p);
	}
	struct bytes j = make_jpeg(48, 48, 7, 7, 9);
	struct reply r = upload("carol", review, "image/jpeg", j, NULL);
	ok(is_error(&r, 409, "too_many_photos", NULL), "a seventh: 409 too_many_photos");
	free(j.p);
}

static void
test_photo_daily_quota(void)
{
	int saved = config.photo_daily_uploads;
	config.photo_daily_uploads = 2;
	int review = review_of("dave", 11);
	for (int i = 0; i < 2; i++) {
		struct bytes j = make_jpeg(40, 40, 30 * i, 30 * i, i);
		is_int(upload("dave", review, "image/jpeg", j, NULL).status, 201, "upload %d within the quota", i + 1);
		free(j.p);
	}
	struct bytes j = make_jpeg(40, 40, 99, 99, 5);
	struct reply r = upload("dave", review, "image/jpeg", j, NULL);
	ok(is_error(&r, 429, "quota_exceeded", NULL), "the third of the day: 429 quota_exceeded");
	const char *ra = reply_header(&r, "Retry-After");
	ok(ra != NULL && atoi(ra) > 0 && atoi(ra) <= 86400, "... with Retry-After until UTC midnight");
	/* Deleting a photo does not give the upload back. */
	int photo = (int)count_rows("SELECT max(id) FROM photos WHERE user_id = (SELECT id FROM users WHERE username = 'dave')");
	is_int(call("DELETE", sfmt("/api/photos/%d", photo), NULL, "Authorization", bearer("dave"), NULL).status, 204,
	       "a photo deleted");
	r = upload("dave", review, "image/jpeg", j, NULL);
	ok(is_error(&r, 429, "quota_exceeded", NULL), "... the quota still counts it");
	config.photo_daily_uploads = saved;
	int saved_mb = config.photo_daily_mb;
	config.photo_daily_mb = 1;
	struct bytes big = make_jpeg(1400, 1000, 0, 0, 30);
	ok(big.n > 512 * 1024, "a noisy %zu-byte photo", big.n);
	is_int(upload("erin", review_of("erin", 11), "image/jpeg", big, NULL).status, 201, "... within 1 MiB a day");
	struct bytes big2 = make_jpeg(1400, 1000, 0, 0, 31);
	r = upload("erin", review_of("erin", 11), "image/jpeg", big2, NULL);
	ok(is_error(&r, 429, "quota_exceeded", NULL), "... a second one passes the day's bytes: 429");
	config.photo_daily_mb = saved_mb;
	free(j.p);
	free(big.p);
	free(big2.p);
}

static void
test_photo_lists_edit_delete(void)
{
	int review = review_of("frank", 12);
	struct bytes j = make_jpeg(64, 48, 50, 150, 6);
	struct reply r = call("GET", "/api/parks/12/photos", NULL, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "the park's gallery starts empty");
	r = upload("frank", review, "image/jpeg", j, "alt=Canyon");
	int id = jint(r.json, "id");
	const char *thumb = str(r.json, "thumb.url"), *large = str(r.json, "large.url");
	char thumb_s[128], large_s[128];
	snprintf(thumb_s, sizeof(thumb_s), "%s", thumb ? thumb : "");
	snprintf(large_s, sizeof(large_s), "%s", large ? large : "");
	r = call("GET", "/api/parks/12/photos", NULL, NULL);
	is_int(jint(r.json, "items.0.id"), id, "the gallery shows the new photo (the cache followed)");
	is_str(str(r.json, "items.0.author.display_name"), "frank", "... with its author");
	r = call("GET", sfmt("/api/reviews/%d/photos", review), NULL, NULL);
	is_int(jint(r.json, "items.0.id"), id, "the review's photos list it");
	r = call("PATCH", sfmt("/api/photos/%d", id), "{\"alt\":\"The canyon at noon\",\"caption\":\"Hot\"}",
		 "Authorization", bearer("frank"), NULL);
	is_int(r.status, 200, "the author edits alt and caption: 200");
	is_str(str(r.json, "alt"), "The canyon at noon", "... alt changed");
	r = call("PATCH", sfmt("/api/photos/%d", id), "{\"caption\":null}", "Authorization", bearer("frank"), NULL);
	ok(r.status == 200 && cJSON_IsNull(jget(r.json, "caption")), "... caption cleared with null");
	r = call("PATCH", sfmt("/api/photos/%d", id), "{\"alt\":\"\"}", "Authorization", bearer("frank"), NULL);
	ok(is_error(&r, 400, "invalid_field", "alt"), "... alt may not be emptied");
	r = call("PATCH", sfmt("/api/photos/%d", id), "{\"alt\":\"mine\"}", "Authorization", bearer("mallory"), NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "someone else edits: 403");
	r = call("DELETE", sfmt("/api/photos/%d", id), NULL, "Authorization", bearer("mallory"), NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "someone else deletes: 403");
	ok(file_exists(thumb_s) && file_exists(large_s), "the files are there");
	r = call("DELETE", sfmt("/api/photos/%d", id), NULL, "Authorization", bearer("frank"), NULL);
	is_int(r.status, 204, "the author deletes: 204");
	is_int(count_rows(sfmt("SELECT count(*) FROM photos WHERE id = %d", id)), 0, "... the row is gone");
	ok(!file_exists(thumb_s) && !file_exists(large_s), "... and both files");
	is_int(count_rows("SELECT count(*) FROM photo_files_gone"), 0, "... and nothing is left to sweep");
	r = call("GET", "/api/parks/12/photos", NULL, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "... and the gallery is empty again");
	free(j.p);
}

static void
test_photo_shared_file_stays_while_named(void)
{
	/* The same picture on two reviews is one pair of files; deleting one photo keeps them. */
	struct bytes j = make_jpeg(64, 48, 77, 77, 8);
	struct reply a = upload("gina", review_of("gina", 13), "image/jpeg", j, NULL);
	struct reply b = upload("hank", review_of("hank", 13), "image/jpeg", j, NULL);
	is_int(a.status + b.status, 402, "one picture uploaded by two campers");
	char large[128];
	snprintf(large, sizeof(large), "%s", str(b.json, "large.url") ? str(b.json, "large.url") : "");
	is_int(call("DELETE", sfmt("/api/photos/%d", jint(a.json, "id")), NULL, "Authorization", bearer("gina"), NULL).status,
	       204, "the first is deleted");
	ok(file_exists(large), "... the file stays for the second");
	free(j.p);
}

static void
test_photo_moderation(void)
{
	int review = review_of("ivan", 14);
	struct bytes j = make_jpeg(64, 48, 10, 240, 11);
	struct reply r = upload("ivan", review, "image/jpeg", j, NULL);
	int id = jint(r.json, "id");
	r = call("PATCH", sfmt("/api/admin/photos/%d", id), "{\"hidden\":true}", "Authorization", bearer("mallory"), NULL);
	ok(is_error(&r, 403, "forbidden", NULL), "a camper cannot hide a photo: 403");
	r = call("PATCH", sfmt("/api/admin/photos/%d", id), "{\"hidden\":true}", "Authorization", admin_bearer("ranger"), NULL);
	ok(r.status == 200 && cJSON_IsTrue(jget(r.json, "hidden")), "an admin hides it: 200, hidden true");
	r = call("GET", "/api/parks/14/photos", NULL, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "... gone from the gallery");
	r = call("GET", sfmt("/api/reviews/%d/photos", review), NULL, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "... and from the review's photos for readers");
	r = call("GET", sfmt("/api/reviews/%d/photos", review), NULL, "Authorization", bearer("ivan"), NULL);
	ok(cJSON_IsTrue(jget(r.json, "items.0.hidden")), "... its author sees it, marked hidden");
	r = call("GET", "/api/parks/14", NULL, NULL);
	ok(cJSON_IsNull(jget(r.json, "cover_photo")), "... it is nobody's cover");
	call("PATCH", sfmt("/api/admin/photos/%d", id), "{\"hidden\":false}", "Authorization", admin_bearer("ranger"), NULL);
	r = call("GET", "/api/parks/14/photos", NULL, NULL);
	is_int(jint(r.json, "items.0.id"), id, "unhidden: back in the gallery");

	/* A reported review's photos come to the moderators with it; hiding the review hides them. */
	call("POST", sfmt("/api/reviews/%d/reports", review), "{\"reason\":\"offensive\"}", "Authorization", bearer("judy"), NULL);
	r = call("GET", "/api/admin/reports", NULL, "Authorization", admin_bearer("ranger"), NULL);
	bool found = false;
	cJSON *it;
	cJSON_ArrayForEach(it, jget(r.json, "items"))
		if (jint(it, "review.id") == review)
			found = jint(it, "photos.0.id") == id && str(it, "photos.0.large.url") != NULL;
	ok(found, "the report queue shows the reported review's photos");
	call("PATCH", sfmt("/api/admin/reviews/%d", review), "{\"hidden\":true,\"reason\":\"Offensive\"}",
	     "Authorization", admin_bearer("ranger"), NULL);
	r = call("GET", "/api/parks/14/photos", NULL, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "a hidden review's photos leave the gallery");
	r = call("DELETE", sfmt("/api/photos/%d", id), NULL, "Authorization", bearer("judy"), NULL);
	ok(is_error(&r, 404, "not_found", NULL), "... and are not found by others");
	free(j.p);
}

static void
test_photo_cover_is_most_helpful_reviews(void)
{
	int a = review_of("kate", 15), b = review_of("liam", 15);
	struct bytes ja = make_jpeg(64, 48, 1, 1, 12), jb = make_jpeg(64, 48, 2, 2, 13);
	int pa = jint(upload("kate", a, "image/jpeg", ja, NULL).json, "id");
	int pb = jint(upload("liam", b, "image/jpeg", jb, NULL).json, "id");
	struct reply r = call("GET", "/api/parks/15", NULL, NULL);
	is_int(jint(r.json, "cover_photo.id"), pb, "no votes: the newest review's photo is the cover");
	ok(jint(r.json, "cover_photo.thumb.width") > 0, "... with its size");
	call("PUT", sfmt("/api/reviews/%d/helpful", a), NULL, "Authorization", bearer("mona"), NULL);
	r = call("GET", "/api/parks/15", NULL, NULL);
	is_int(jint(r.json, "cover_photo.id"), pa, "a helpful vote makes kate's photo the cover");
	r = call("GET", "/api/parks?limit=50", NULL, NULL);
	int cover = -1;
	cJSON *it;
	cJSON_ArrayForEach(it, jget(r.json, "items"))
		if (jint(it, "id") == 15)
			cover = jint(it, "cover_photo.id");
	is_int(cover, pa, "... on the park list too");
	free(ja.p);
	free(jb.p);
}

static void
test_photo_deleted_with_review_and_account(void)
{
	int review = review_of("nora", 16);
	struct bytes j = make_jpeg(64, 48, 33, 66, 14), k = make_jpeg(64, 48, 44, 88, 15);
	struct reply r = upload("nora", review, "image/jpeg", j, NULL);
	char url[128];
	snprintf(url, sizeof(url), "%s", str(r.json, "large.url") ? str(r.json, "large.url") : "");
	ok(file_exists(url), "nora's photo is stored");
	is_int(call("DELETE", sfmt("/api/reviews/%d", review), NULL, "Authorization", bearer("nora"), NULL).status, 204,
	       "nora deletes her review");
	is_int(count_rows(sfmt("SELECT count(*) FROM photos WHERE review_id = %d", review)), 0, "... its photos' rows go");
	ok(!file_exists(url), "... and their files");

	const char *tok = signup("otto_photos", TEST_PASSWORD);
	r = call("POST", "/api/parks/17/reviews", "{\"stars\":4,\"title\":\"Bye\",\"body\":\"Soon gone.\"}",
		 "Authorization", tok, NULL);
	int rv = jint(r.json, "id");
	char len[32];
	snprintf(len, sizeof(len), "%zu", k.n);
	char *body = malloc(k.n + 1);
	memcpy(body, k.p, k.n);
	body[k.n] = 0;
	r = call("POST", sfmt("/api/reviews/%d/photos?alt=x", rv), body, "Authorization", tok,
		 "Content-Type", "image/jpeg", "Content-Length", len, NULL);
	free(body);
	snprintf(url, sizeof(url), "%s", str(r.json, "thumb.url") ? str(r.json, "thumb.url") : "");
	ok(r.status == 201 && file_exists(url), "otto's photo is stored");
	r = call("DELETE", "/api/users/me", sfmt("{\"password\":\"%s\"}", TEST_PASSWORD), "Authorization", tok, NULL);
	is_int(r.status, 204, "otto deletes his account");
	is_int(count_rows(sfmt("SELECT count(*) FROM photos WHERE review_id = %d", rv)), 0, "... his photos' rows go");
	ok(!file_exists(url), "... and their files");
	free(j.p);
	free(k.p);
}

static void
test_no_full_scans(void)
{
	static const char *const big[] = { "photos", "ph", "ratings", "r", NULL };
	check_no_full_scans("photos or reviews", 8, big);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_photo_gps_exif_removed),
	TAP_CASE(test_photo_rotated_comes_out_upright),
	TAP_CASE(test_photo_png_alpha_and_webp_accepted),
	TAP_CASE(test_photo_heic),
	TAP_CASE(test_photo_truncated_refused),
	TAP_CASE(test_photo_decompression_bomb_refused),
	TAP_CASE(test_photo_svg_gif_html_refused),
	TAP_CASE(test_photo_polyglot),
	TAP_CASE(test_photo_too_big_body_refused),
	TAP_CASE(test_photo_someone_elses_review),
	TAP_CASE(test_photo_six_per_review),
	TAP_CASE(test_photo_daily_quota),
	TAP_CASE(test_photo_lists_edit_delete),
	TAP_CASE(test_photo_shared_file_stays_while_named),
	TAP_CASE(test_photo_moderation),
	TAP_CASE(test_photo_cover_is_most_helpful_reviews),
	TAP_CASE(test_photo_deleted_with_review_and_account),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	if (image_init() != 0) {
		printf("Bail out! libvips did not start\n");
		return 1;
	}
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
