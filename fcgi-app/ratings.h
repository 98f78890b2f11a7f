/* ratings.h: the caller's star rating of a park (PUT/GET/DELETE /api/parks/{id}/rating). */
#ifndef FROSTBYTE_RATINGS_H
#define FROSTBYTE_RATINGS_H

#include <stdbool.h>

#include "http.h"

int ratings_put(struct request *rq, struct response *rs);
int ratings_get(struct request *rq, struct response *rs);
int ratings_delete(struct request *rq, struct response *rs);

/* Inside or outside a transaction: does the park exist? 0 when it does, else the status written
 * (404 not_found, or the database error). Shared with the reviews and the analytics. */
int ratings_need_park(struct request *rq, struct response *rs, int64_t park_id);
/* Opens a read snapshot (db_snapshot_begin) and checks that the park exists in it: 0 with the
 * snapshot open, or the answer's status (404 not_found, or the database error) with it closed. */
int ratings_park_snapshot(struct request *rq, struct response *rs, int64_t park_id);

#endif
