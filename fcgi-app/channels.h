/* channels.h: the discussion boards (GET /api/channels, GET /api/channels/{id}). */
#ifndef FROSTBYTE_CHANNELS_H
#define FROSTBYTE_CHANNELS_H

#include <stdint.h>

#include "http.h"

int channels_list(struct request *rq, struct response *rs);
int channels_get(struct request *rq, struct response *rs);

/* SQLITE_ROW when the board exists, SQLITE_DONE when not, or an SQLite error code. */
int channels_exists(int64_t id);

#endif
