/* parks.h: GET /api/parks and GET /api/parks/{id or slug}. */
#ifndef FROSTBYTE_PARKS_H
#define FROSTBYTE_PARKS_H

#include "http.h"

int parks_list(struct request *rq, struct response *rs);
int parks_get(struct request *rq, struct response *rs);

#endif
