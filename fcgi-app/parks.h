/* parks.h: GET /api/parks and GET /api/parks/{id or slug}. */
#ifndef FROSTBYTE_PARKS_H
#define FROSTBYTE_PARKS_H

#include "http.h"

int parks_list(struct request *rq, struct response *rs);
int parks_get(struct request *rq, struct response *rs);

/* Writes the park's summary object; SQLITE_ROW, SQLITE_DONE (no such park) or an error code. */
int parks_write_summary(struct jw *w, int64_t id);

#endif
