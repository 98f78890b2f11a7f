/* test_util.c: timestamps, base64url and cutting UTF-8 text. */
#include <string.h>

#include "tap.h"
#include "util.h"

static struct arena a;

static void
test_iso_time_is_utc(void)
{
	is_str(iso_time(&a, 0), "1970-01-01T00:00:00Z", "the epoch in ISO 8601 UTC");
	is_str(iso_time(&a, 1795845600), "2026-11-28T06:00:00Z", "a recent time");
}

static void
test_b64url_encode_unpadded_urlsafe(void)
{
	is_str(b64url_encode(&a, (const unsigned char *)"", 0), "", "empty encodes to empty");
	is_str(b64url_encode(&a, (const unsigned char *)"f", 1), "Zg", "one byte, no padding");
	is_str(b64url_encode(&a, (const unsigned char *)"fo", 2), "Zm8", "two bytes, no padding");
	is_str(b64url_encode(&a, (const unsigned char *)"foo", 3), "Zm9v", "three bytes");
	is_str(b64url_encode(&a, (const unsigned char *)"\xfb\xff", 2), "-_8", "url-safe alphabet");
}

static void
test_b64url_decode_refuses_noncanonical(void)
{
	unsigned char out[16];
	is_int(b64url_decode("Zm9v", 4, out, sizeof(out)), 3, "decode three bytes");
	ok(memcmp(out, "foo", 3) == 0, "... to foo");
	is_int(b64url_decode("-_8", 3, out, sizeof(out)), 2, "decode the url-safe alphabet");
	is_int(b64url_decode("Zm9=", 4, out, sizeof(out)), -1, "padding is refused");
	is_int(b64url_decode("Z+9v", 4, out, sizeof(out)), -1, "the standard alphabet is refused");
	is_int(b64url_decode("Zh", 2, out, sizeof(out)), -1, "non-zero trailing bits are refused");
	is_int(b64url_decode("Z", 1, out, sizeof(out)), -1, "a lone character is refused");
	is_int(b64url_decode("Zm9vZm9vZm9v", 12, out, 4), -1, "output beyond the cap is refused");
}

/* Cuts land on character boundaries, whatever the width of the character at the limit. */
static void
test_utf8_cut_never_splits_a_character(void)
{
	const char *euro = "ab\xe2\x82\xac" "cd"; /* a, b, the 3-byte euro sign, c, d */
	ok(utf8_cut(&a, euro, 7) == euro, "a string within the limit is returned as it is");
	is_str(utf8_cut(&a, euro, 6), "ab\xe2\x82\xac" "c\xe2\x80\xa6", "a cut between characters, then ...");
	is_str(utf8_cut(&a, euro, 5), "ab\xe2\x82\xac\xe2\x80\xa6", "a cut just after the euro sign keeps it");
	is_str(utf8_cut(&a, euro, 4), "ab\xe2\x80\xa6", "a cut inside the euro sign (2 of 3 bytes) drops it");
	is_str(utf8_cut(&a, euro, 3), "ab\xe2\x80\xa6", "... and so does a cut after its first byte");
	is_str(utf8_cut(&a, "\xf0\x9f\x8f\x95\xf0\x9f\x8f\x95", 6), "\xf0\x9f\x8f\x95\xe2\x80\xa6",
	       "a cut inside a 4-byte character (a camping emoji) drops it");
	is_str(utf8_cut(&a, "\xf0\x9f\x8f\x95", 2), "\xe2\x80\xa6", "a cut inside the first character leaves only ...");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_utf8_cut_never_splits_a_character),
	TAP_CASE(test_iso_time_is_utc),
	TAP_CASE(test_b64url_encode_unpadded_urlsafe),
	TAP_CASE(test_b64url_decode_refuses_noncanonical),
};

int
main(int argc, char **argv)
{
	arena_init(&a);
	int rc = tap_main(cases, TAP_COUNT(cases), argc, argv);
	arena_destroy(&a);
	return rc;
}
