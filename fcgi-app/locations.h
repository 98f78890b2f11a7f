/* locations.h: the places a user saves, private to that user (/api/users/me/locations). */
#ifndef FROSTBYTE_LOCATIONS_H
#define FROSTBYTE_LOCATIONS_H

#include "http.h"

int locations_list(struct request *rq, struct response *rs);
int locations_create(struct request *rq, struct response *rs);
int locations_get(struct request *rq, struct response *rs);
int locations_patch(struct request *rq, struct response *rs);
int locations_delete(struct request *rq, struct response *rs);

#endif
