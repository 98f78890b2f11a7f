/* health.h: GET /api/health. */
#ifndef FROSTBYTE_HEALTH_H
#define FROSTBYTE_HEALTH_H

#include "http.h"

int health_get(struct request *rq, struct response *rs);

#endif
