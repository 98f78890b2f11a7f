/* test_auth.c: token issue and verify (algorithm pinning, exp, tampering, revocation) and
 * password hashing. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "harness.h"
#include "util.h"

static const unsigned char key[32] = "frostbyte-test-key-32-bytes-long";
static struct arena a;

enum alg { HS256, HS512, NONE };

/* A token with any header and payload, signed as asked, with our key or another one. */
static const char *
forge(const char *header, const char *payload, enum alg alg, const unsigned char *k)
{
	const char *h = b64url_encode(&a, (const unsigned char *)header, strlen(header));
	const char *p = b64url_encode(&a, (const unsigned char *)payload, strlen(payload));
	const char *signing = arena_printf(&a, "%s.%s", h, p);
	unsigned char mac[64];
	size_t maclen = 0;
	if (alg == HS256) {
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, k, 32);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)signing, strlen(signing));
		crypto_auth_hmacsha256_final(&st, mac);
		maclen = 32;
	} else if (alg == HS512) {
		crypto_auth_hmacsha512_state st;
		crypto_auth_hmacsha512_init(&st, k, 32);
		crypto_auth_hmacsha512_update(&st, (const unsigned char *)signing, strlen(signing));
		crypto_auth_hmacsha512_final(&st, mac);
		maclen = 64;
	}
	return arena_printf(&a, "%s.%s", signing, b64url_encode(&a, mac, maclen));
}

static const char *
claims_json(long iat, long exp, const char *sub, const char *extra)
{
	return arena_printf(&a, "{\"iss\":\"frostbyte\",\"sub\":\"%s\",\"jti\":"
			    "\"0123456789abcdef0123456789abcdef\",\"iat\":%ld,\"exp\":%ld%s}",
			    sub, iat, exp, extra);
}

static void
test_key_must_be_32_bytes(void)
{
	ok(auth_init(key, 31) == -1, "a key under 32 bytes is refused");
	ok(auth_init(key, sizeof(key)) == 0, "a 32-byte key is accepted");
}

static void
test_issued_token_verifies_until_exp(void)
{
	struct claims c;
	time_t now = time(NULL);
	const char *t = auth_issue(&a, 42, now, 3600, &c);
	is_int(auth_verify(t, now, &c), 0, "a token we issued verifies");
	is_int(c.user_id, 42, "... for its user");
	is_int((long long)(c.exp - c.iat), 3600, "... with its lifetime");
	is_int((long long)strlen(c.jti), 32, "... and a 128-bit hex jti");
	is_int(auth_verify(t, now + 3600, &c), -1, "it is refused once expired");
}

static void
test_forged_tokens_refused(void)
{
	struct claims c;
	time_t now = time(NULL);
	const char *hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	const char *good = claims_json(now, now + 600, "7", "");
	is_int(auth_verify(forge(hs256, good, HS256, key), now, &c), 0, "a well-formed forged-by-us token verifies (control)");
	is_int(auth_verify(forge("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", good, HS512, key), now, &c), -1,
	       "HS512 with our key is refused (algorithm pinned)");
	is_int(auth_verify(forge("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", good, HS256, key), now, &c), -1,
	       "a header claiming HS512 over an HS256 signature is refused");
	is_int(auth_verify(forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", good, NONE, key), now, &c), -1,
	       "alg none with no signature is refused");
	is_int(auth_verify(forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", good, HS256, key), now, &c), -1,
	       "alg none with a valid HMAC is refused");
	is_int(auth_verify(forge(hs256, claims_json(now - 100, now - 1, "7", ""), HS256, key), now, &c), -1,
	       "an expired token is refused");
	is_int(auth_verify(forge(hs256, "{\"iss\":\"frostbyte\",\"sub\":\"7\",\"jti\":"
				 "\"0123456789abcdef0123456789abcdef\",\"iat\":1}", HS256, key), now, &c), -1,
	       "a token without exp is refused");
	is_int(auth_verify(forge(hs256, arena_printf(&a, "{\"iss\":\"frostbyte\",\"sub\":\"7\",\"jti\":"
				 "\"0123456789abcdef0123456789abcdef\",\"iat\":%ld,\"exp\":\"%ld\"}", (long)now,
				 (long)now + 60), HS256, key), now, &c), -1,
	       "a string exp is refused");
	is_int(auth_verify(forge(hs256, claims_json(now, now + 100L * 24 * 3600, "7", ""), HS256, key), now, &c),
	       -1, "a lifetime beyond 90 days is refused");
	is_int(auth_verify(forge(hs256, claims_json(now + 3600, now + 7200, "7", ""), HS256, key), now, &c),
	       -1, "a token issued in the future is refused");
	is_int(auth_verify(forge(hs256, claims_json(now, now + 600, "07", ""), HS256, key), now, &c), -1,
	       "a sub with a leading zero is refused");
	is_int(auth_verify(forge(hs256, claims_json(now, now + 600, "x", ""), HS256, key), now, &c), -1,
	       "a non-numeric sub is refused");
	is_int(auth_verify(forge(hs256, arena_printf(&a, "{\"iss\":\"evil\",\"sub\":\"7\",\"jti\":"
				 "\"0123456789abcdef0123456789abcdef\",\"iat\":%ld,\"exp\":%ld}", (long)now,
				 (long)now + 60), HS256, key), now, &c), -1,
	       "another issuer is refused");
	static const unsigned char other[32] = "another-key-of-32-bytes-........";
	is_int(auth_verify(forge(hs256, good, HS256, other), now, &c), -1, "another key's signature is refused");
}

static void
test_tampered_tokens_refused(void)
{
	struct claims c;
	time_t now = time(NULL);
	const char *t = auth_issue(&a, 42, now, 3600, &c);
	char *tampered = arena_strdup(&a, t);
	char *dot = strchr(tampered, '.') + 1;
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	is_int(auth_verify(tampered, now, &c), -1, "a tampered payload is refused");
	tampered = arena_strdup(&a, t);
	char *sig = strrchr(tampered, '.') + 1;
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	is_int(auth_verify(tampered, now, &c), -1, "a tampered signature is refused");
	tampered = arena_strdup(&a, t);
	*strrchr(tampered, '.') = '\0';
	is_int(auth_verify(arena_printf(&a, "%s.", tampered), now, &c), -1, "a stripped signature is refused");
	is_int(auth_verify("a.b", now, &c), -1, "one dot is refused");
	is_int(auth_verify("a.b.c.d", now, &c), -1, "three dots are refused");
	is_int(auth_verify("", now, &c), -1, "an empty token is refused");
	char big[AUTH_TOKEN_MAX + 10];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = big[20] = '.';
	is_int(auth_verify(big, now, &c), -1, "an oversized token is refused");
}

static void
test_password_hash_is_argon2id(void)
{
	char hash[crypto_pwhash_STRBYTES];
	is_int(auth_hash_password("correct horse battery", hash), 0, "a password hashes");
	ok(strncmp(hash, "$argon2id$", 10) == 0, "... with Argon2id");
	ok(auth_check_password(hash, "correct horse battery"), "the right password checks");
	ok(!auth_check_password(hash, "correct horse batterY"), "a wrong one does not");
}

/* Revocation: a signed-out token is refused even though its signature and exp are fine. */
static void
test_signed_out_token_refused(void)
{
	struct claims c;
	harness_setup();
	const char *token = signup("revoke_me", "long enough password");
	struct reply r = call("GET", "/api/users/me", NULL, "Authorization", token, NULL);
	is_int(r.status, 200, "a fresh session is accepted");
	r = call("DELETE", "/api/session", NULL, "Authorization", token, NULL);
	is_int(r.status, 204, "sign-out answers 204");
	is_int(auth_verify(token + 7, time(NULL), &c), 0, "the revoked token still verifies cryptographically");
	r = call("GET", "/api/users/me", NULL, "Authorization", token, NULL);
	is_int(r.status, 401, "... but the revoked token is refused");
	is_str(err_code(&r), "unauthenticated", "... as unauthenticated");
	harness_teardown();
}

static const struct tap_case cases[] = {
	TAP_CASE(test_key_must_be_32_bytes),
	TAP_CASE(test_issued_token_verifies_until_exp),
	TAP_CASE(test_forged_tokens_refused),
	TAP_CASE(test_tampered_tokens_refused),
	TAP_CASE(test_password_hash_is_argon2id),
	TAP_CASE(test_signed_out_token_refused),
};

int
main(int argc, char **argv)
{
	arena_init(&a);
	if (auth_init(key, sizeof(key)) != 0)
		return 1;
	int rc = tap_main(cases, TAP_COUNT(cases), argc, argv);
	arena_destroy(&a);
	return rc;
}
