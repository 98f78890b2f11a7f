/* posts.h: posts on the boards: list, create, read, edit (author), delete (author or admin). */
#ifndef FROSTBYTE_POSTS_H
#define FROSTBYTE_POSTS_H

#include "http.h"

int posts_list(struct request *rq, struct response *rs);
int posts_create(struct request *rq, struct response *rs);
int posts_get(struct request *rq, struct response *rs);
int posts_patch(struct request *rq, struct response *rs);
int posts_delete(struct request *rq, struct response *rs);

#endif
