/* auth.c: passwords, tokens, the caller, CSRF (see auth.h). */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jwt.h>

#include "config.h"
#include "db.h"
#include "util.h"

static const unsigned char *key;
static size_t key_len;

/* A live session: the token's jti is in sessions, for the token's user, not expired. */
static const char SQL_SESSION_USER[] =
	"SELECT u.id, u.username, u.display_name, u.role, u.created_at"
	"  FROM sessions s JOIN users u ON u.id = s.user_id"
	" WHERE s.jti = ?1 AND s.user_id = ?2 AND s.expires_at > ?3";

int
auth_init(const unsigned char *k, size_t len)
{
	if (k == NULL || len < 32 || sodium_init() < 0)
		return -1;
	key = k;
	key_len = len;
	return 0;
}

const char *
auth_issue(struct arena *a, int64_t user_id, time_t now, long ttl, struct claims *out)
{
	unsigned char rnd[16];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(out->jti, sizeof(out->jti), rnd, sizeof(rnd));
	out->user_id = user_id;
	out->iat = now;
	out->exp = now + ttl;

	char sub[24];
	snprintf(sub, sizeof(sub), "%lld", (long long)user_id);
	jwt_t *j = NULL;
	char *text = NULL;
	if (jwt_new(&j) == 0 &&
	    jwt_add_grant(j, "iss", AUTH_ISSUER) == 0 &&
	    jwt_add_grant(j, "sub", sub) == 0 &&
	    jwt_add_grant(j, "jti", out->jti) == 0 &&
	    jwt_add_grant_int(j, "iat", (long)out->iat) == 0 &&
	    jwt_add_grant_int(j, "exp", (long)out->exp) == 0 &&
	    jwt_set_alg(j, JWT_ALG_HS256, key, (int)key_len) == 0)
		text = jwt_encode_str(j);
	jwt_free(j);
	if (text == NULL)
		abort(); /* only fails when out of memory */
	const char *token = arena_strdup(a, text);
	free(text);
	return token;
}

/* Checks shape and the HMAC ourselves: libjwt 1.10 compares signatures with strcmp. This is the
 * token's only signature check (auth_verify); nothing may decode a token that has not passed it. */
static int
check_signature(const char *token)
{
	size_t len = strnlen(token, AUTH_TOKEN_MAX + 1);
	if (len > AUTH_TOKEN_MAX)
		return -1;
	const char *dot1 = strchr(token, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL || dot1 == token ||
	    dot2 == dot1 + 1)
		return -1;
	unsigned char sig[64], mac[crypto_auth_hmacsha256_BYTES];
	long n = b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), sig, sizeof(sig));
	if (n != crypto_auth_hmacsha256_BYTES)
		return -1;
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, (size_t)(dot2 - token));
	crypto_auth_hmacsha256_final(&st, mac);
	return sodium_memcmp(mac, sig, sizeof(mac)) == 0 ? 0 : -1;
}

static bool
hex32(const char *s)
{
	if (s == NULL || strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* jwt_get_grant_int returns -1/ENOENT when absent and 0 for a non-integer: insist on a real value. */
static bool
int_claim(jwt_t *j, const char *name, long *out)
{
	errno = 0;
	*out = jwt_get_grant_int(j, name);
	return errno == 0 && *out > 0;
}

int
auth_verify(const char *token, time_t now, struct claims *out)
{
	if (key == NULL || token == NULL || check_signature(token) != 0)
		return -1;
	/* check_signature has authenticated these very bytes with our key, in constant time, so libjwt
	 * only decodes: given the key it would compute the same HMAC again, through OpenSSL, for about
	 * a tenth of a write's instructions (bench/README.md). Without a key libjwt checks no
	 * signature and reports the algorithm as none; the header, covered by our HMAC, must name the
	 * one we sign with. */
	jwt_t *j = NULL;
	int rc = -1;
	if (jwt_decode(&j, token, NULL, 0) != 0 || j == NULL)
		goto cleanup;
	const char *alg = jwt_get_header(j, "alg");
	if (alg == NULL || strcmp(alg, "HS256") != 0)
		goto cleanup;
	const char *iss = jwt_get_grant(j, "iss");
	const char *sub = jwt_get_grant(j, "sub");
	const char *jti = jwt_get_grant(j, "jti");
	long iat, exp;
	if (iss == NULL || strcmp(iss, AUTH_ISSUER) != 0 || sub == NULL || !hex32(jti) ||
	    !int_claim(j, "iat", &iat) || !int_claim(j, "exp", &exp))
		goto cleanup;
	/* At most a minute of clock skew; lifetimes beyond 90 days are not ours. */
	if (exp <= now || iat > now + 60 || exp <= iat || exp - iat > 90L * 24 * 3600)
		goto cleanup;
	int64_t uid = 0;
	for (const char *p = sub; *p; p++) {
		if (*p < '0' || *p > '9' || uid > INT64_MAX / 10 - 10)
			goto cleanup;
		uid = uid * 10 + (*p - '0');
	}
	if (uid <= 0 || sub[0] == '0')
		goto cleanup;
	out->user_id = uid;
	memcpy(out->jti, jti, 33);
	out->iat = iat;
	out->exp = exp;
	rc = 0;
cleanup:
	jwt_free(j);
	return rc;
}

int
auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

bool
auth_check_password(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void
auth_burn_password_check(const char *password)
{
	static char dummy[crypto_pwhash_STRBYTES];
	if (dummy[0] == '\0' && auth_hash_password("frostbyte-no-such-user", dummy) != 0)
		return;
	(void)auth_check_password(dummy, password);
}

static int
unauthenticated(struct request *rq, struct response *rs)
{
	return resp_error(rq, rs, 401, "unauthenticated", NULL,
			  "Please sign in: your session is missing, expired or ended.");
}

int
auth_token(struct request *rq, struct response *rs, bool required)
{
	const char *token = NULL;
	bool via_cookie = false;
	if (rq->authorization != NULL) {
		if (strncasecmp(rq->authorization, "Bearer ", 7) != 0)
			return unauthenticated(rq, rs);
		token = rq->authorization + 7;
	} else if ((token = cookie_get(rq, AUTH_COOKIE)) != NULL) {
		via_cookie = true;
	}
	if (token == NULL)
		return required ? unauthenticated(rq, rs) : 0;

	struct claims c;
	if (auth_verify(token, time(NULL), &c) != 0)
		return unauthenticated(rq, rs);
	rq->token_user = c.user_id;
	rq->token_id = arena_strdup(rq->a, c.jti);
	rq->token_exp = c.exp;
	rq->via_cookie = via_cookie;
	return 0;
}

int
auth_session(struct request *rq, struct response *rs)
{
	if (rq->token_user == 0)
		return 0;
	sqlite3_stmt *st = db_stmt(SQL_SESSION_USER);
	sqlite3_bind_text(st, 1, rq->token_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, rq->token_user);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct user *u = arena_zalloc(rq->a, sizeof(*u));
		u->id = sqlite3_column_int64(st, 0);
		u->username = db_text(rq->a, st, 1);
		u->display_name = db_text(rq->a, st, 2);
		u->role = db_text(rq->a, st, 3);
		u->created_at = db_text(rq->a, st, 4);
		rq->user = u;
	}
	db_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return unauthenticated(rq, rs);
	return db_fail(rq, rs, rc);
}

/* Is origin ("scheme://host[:port]") one of the space-separated allowed_origins? */
static bool
origin_listed(const char *origin)
{
	size_t n = strlen(origin);
	const char *p = config.allowed_origins;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len == n && len > 0 && memcmp(p, origin, n) == 0)
			return true;
		p += len;
	}
	return false;
}

bool
auth_same_site(const struct request *rq)
{
	if (rq->origin == NULL)
		return rq->sec_fetch_site == NULL || strcmp(rq->sec_fetch_site, "cross-site") != 0;
	if (rq->host != NULL) {
		char own[512];
		snprintf(own, sizeof(own), "%s://%s", rq->https ? "https" : "http", rq->host);
		if (strcmp(own, rq->origin) == 0)
			return true;
	}
	return origin_listed(rq->origin);
}

/* Secure whenever the site runs on HTTPS, and by default even when nginx did not say so. */
static const char *
secure(const struct request *rq)
{
	return config.cookie_secure || rq->https ? "; Secure" : "";
}

void
auth_set_cookie(struct request *rq, struct response *rs, const char *token, long max_age)
{
	resp_header(rs, "Set-Cookie",
		    arena_printf(rq->a, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", AUTH_COOKIE,
				 token, max_age, secure(rq)));
}

void
auth_clear_cookie(struct request *rq, struct response *rs)
{
	resp_header(rs, "Set-Cookie",
		    arena_printf(rq->a, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", AUTH_COOKIE,
				 secure(rq)));
}

bool
auth_is_admin(const struct request *rq)
{
	return rq->user != NULL && strcmp(rq->user->role, "admin") == 0;
}
