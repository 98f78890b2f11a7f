/* limits.h: per-user quotas on writes and the throttle on password checks, counted in the database
 * (schema/008_limits.sql) so that every worker of every pool sees the same counts. */
#ifndef FROSTBYTE_LIMITS_H
#define FROSTBYTE_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The writes a user may make only so often. Window and default count: limits.c; the counts are
 * configuration (config.h). */
enum limit_action { L_POST, L_REVIEW, L_REPORT, L_PLACE, L_CONVERSATION, L_QUIZ, L_ACTIONS };

/* Inside the caller's open write transaction: when `user` has used up the quota for `action`, sets
 * *retry_after to the seconds until one use frees up (>= 1); otherwise records one use and sets it
 * to 0. Returns a SQLite code. */
int limits_take(int64_t user, enum limit_action action, time_t now, long *retry_after);

/* What one action's quota is, for messages: "20 posts an hour". */
const char *limits_describe(enum limit_action action);

#define LOGIN_WINDOW (15 * 60)  /* seconds: failed password checks count this long */

/* Starts one password check for `username` from `addr` ("" when unknown) in a transaction of its
 * own: refused (*retry_after > 0) when the (username, address) pair, the address across usernames,
 * or the username across addresses has failed too often (the last only for addresses that have
 * failed for it, so an attacker never locks the owner out from an address that has not failed).
 * Otherwise the attempt is counted as a failure at once, so concurrent guesses cannot all pass the
 * count, and *attempt is its row. Returns a SQLite code. */
int limits_password_begin(const char *username, const char *addr, time_t now, long *retry_after,
			  int64_t *attempt);
/* Ends the check `attempt`: a right password removes it and the pair's earlier failures. */
int limits_password_end(int64_t attempt, bool right, const char *username, const char *addr);

#endif
