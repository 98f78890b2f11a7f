/* gzip.c: compressing an answer once (see gzip.h). */
#include "gzip.h"

#include <stdint.h>
#include <zlib.h>

const char *
gzip_compress(struct arena *a, const char *body, size_t len, size_t *out_len)
{
	if (len < GZIP_MIN_LENGTH || len > UINT32_MAX / 2) /* zlib counts in uInt */
		return NULL;
	z_stream z = { 0 };
	/* windowBits 15 + 16: the gzip wrapper that Content-Encoding: gzip names. Level 6: an answer
	 * is compressed once for many readers, so it can afford more than nginx's level 5 per reader. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	uLong bound = deflateBound(&z, (uLong)len);
	Bytef *out = arena_alloc(a, bound);
	z.next_in = (Bytef *)(uintptr_t)body; /* zlib's input is not const, but is only read */
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH); /* the whole body in one call: bound is room enough */
	*out_len = bound - z.avail_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? (const char *)out : NULL;
}

void
gzip_use(struct response *rs, const char *gz, size_t len)
{
	rs->body = gz;
	rs->body_len = len;
	rs->gzipped = true;
	resp_header(rs, "Content-Encoding", "gzip");
	resp_header(rs, "Vary", "Accept-Encoding");
}

void
gzip_answer(struct request *rq, struct response *rs)
{
	size_t len;
	const char *gz = rs->gzipped ? NULL : gzip_compress(rq->a, rs->body, rs->body_len, &len);
	if (gz != NULL)
		gzip_use(rs, gz, len);
}
