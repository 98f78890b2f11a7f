/* gzip.c: compressing a public answer once (see gzip.h). */
#include "gzip.h"

#include <zlib.h>

#include "arena.h"

void
gzip_answer(struct request *rq, struct response *rs)
{
	if (rs->body_len < GZIP_MIN_LENGTH || rs->body_len > UINT32_MAX / 2) /* zlib counts in uInt */
		return;
	z_stream z = { 0 };
	/* windowBits 15 + 16: the gzip wrapper that Content-Encoding: gzip names. Level 6: the answer is
	 * compressed once a second at most, so it can afford more than nginx's level 5 per reader. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	uLong bound = deflateBound(&z, (uLong)rs->body_len);
	Bytef *out = arena_alloc(rq->a, bound);
	z.next_in = (Bytef *)(uintptr_t)rs->body; /* zlib's input is not const, but is only read */
	z.avail_in = (uInt)rs->body_len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH); /* the whole body in one call: bound is room enough */
	size_t len = bound - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END)
		return;
	rs->body = (const char *)out;
	rs->body_len = len;
	resp_header(rs, "Content-Encoding", "gzip");
	resp_header(rs, "Vary", "Accept-Encoding");
}
