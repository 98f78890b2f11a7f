/* auth.h: passwords (Argon2id), session tokens (HS256 JWT), the caller of a request, CSRF.
 * The only file that includes jwt.h. */
#ifndef FROSTBYTE_AUTH_H
#define FROSTBYTE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sodium.h>

#include "http.h"

#define AUTH_TOKEN_MAX 4096
#define AUTH_COOKIE "frostbyte_session"
#define AUTH_ISSUER "frostbyte"

struct claims {
	int64_t user_id;
	char jti[33];
	time_t iat, exp;
};

/* Keeps a pointer to the key (at least 32 bytes) for the process's lifetime; -1 when too short. */
int auth_init(const unsigned char *key, size_t len);

/* Mints a token for user_id valid for ttl seconds from now; the token is arena-owned. */
const char *auth_issue(struct arena *a, int64_t user_id, time_t now, long ttl, struct claims *out);
/* Verifies a token: size and shape, HS256 signature compared in constant time, the algorithm
 * pinned to HS256, iss, sub, jti, and a present, unexpired exp. Returns 0 or -1. */
int auth_verify(const char *token, time_t now, struct claims *out);

/* Argon2id through libsodium (INTERACTIVE limits). hash_password returns -1 when out of memory. */
int auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES]);
bool auth_check_password(const char *hash, const char *password);
/* Spends the same time as a real check, for unknown users. */
void auth_burn_password_check(const char *password);

/* The caller, in two steps. auth_token reads the token from the Bearer header or the session cookie
 * and checks it (signature, claims; no database), setting rq->token_user, token_id, token_exp and
 * via_cookie. auth_session then checks in the database that the token's session is live and sets
 * rq->user (nothing to do without a token). Each returns 0, or 401 written to rs (auth_token: when
 * required, or when a bad token is sent). The write pool runs auth_token on its accept thread,
 * beside its database thread, and auth_session on the database thread (group.c). */
int auth_token(struct request *rq, struct response *rs, bool required);
int auth_session(struct request *rq, struct response *rs);
/* True when the request's Origin (or, lacking one, Sec-Fetch-Site) shows our own site or an
 * allowed origin. */
bool auth_same_site(const struct request *rq);

/* The verified caller is an admin (role from the users row, read with the session). */
bool auth_is_admin(const struct request *rq);

/* Set-Cookie values for a new session and for signing out. */
void auth_set_cookie(struct request *rq, struct response *rs, const char *token, long max_age);
void auth_clear_cookie(struct request *rq, struct response *rs);

#endif
