/* photos.h: campers' photos on their reviews: upload (the media pool), lists, edits, deletion,
 * moderation, and the photo objects other resources show (a park's cover, a reported review's
 * photos). */
#ifndef FROSTBYTE_PHOTOS_H
#define FROSTBYTE_PHOTOS_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "json.h"

#define PHOTOS_PER_REVIEW 6
#define PHOTO_BODY_MAX (10 * 1024 * 1024)  /* nginx's client_max_body_size for uploads matches */
#define PHOTO_ALT_MAX 200
#define PHOTO_CAPTION_MAX 300

int photos_upload(struct request *rq, struct response *rs);
int photos_review_list(struct request *rq, struct response *rs);
int photos_park_list(struct request *rq, struct response *rs);
int photos_patch(struct request *rq, struct response *rs);
int photos_delete(struct request *rq, struct response *rs);
int photos_moderate(struct request *rq, struct response *rs);

/* "cover_photo": the first visible photo of the park's most helpful visible review with photos, or
 * null. Returns an SQLite code. */
int photos_cover_write(struct jw *w, int64_t park_id);
/* "photos": every photo of the review, hidden ones with "hidden": true (for moderators). */
int photos_review_write(struct jw *w, int64_t review_id);

#endif
