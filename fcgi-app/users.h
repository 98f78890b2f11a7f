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

/* Lower-cases a username in place and checks it: 3-32 of a-z 0-9 _ . - */
bool users_valid_username(char *s);

#endif
