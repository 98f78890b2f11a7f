/* users.h: accounts and sessions (POST/DELETE /api/session, /api/users, /api/users/me). */
#ifndef FROSTBYTE_USERS_H
#define FROSTBYTE_USERS_H

#include <stdbool.h>

#include "http.h"

int users_create(struct request *rq, struct response *rs);
int users_me_get(struct request *rq, struct response *rs);
int users_me_patch(struct request *rq, struct response *rs);
int users_me_delete(struct request *rq, struct response *rs);
int session_create(struct request *rq, struct response *rs);
int session_delete(struct request *rq, struct response *rs);

/* Usernames are kept in lower case: sign-up, sign-in and frostbyte-ctl lower-case the name they
 * are given, in place, before they check it or look it up. */
void users_lower_username(char *s);
/* True when s is 3-32 of a-z 0-9 _ . - (so a name with capitals is valid once lower-cased). */
bool users_valid_username(const char *s);

#endif
