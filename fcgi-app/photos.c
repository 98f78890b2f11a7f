/* photos.c: campers' photos on their reviews (photos.h). An upload is decoded and re-encoded
 * outside any transaction (image.c), its files written (photostore.c), and only then is the row
 * written, in one short write transaction. */
#include "photos.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "config.h"
#include "db.h"
#include "image.h"
#include "log.h"
#include "page.h"
#include "photostore.h"
#include "ratings.h"
#include "reviews.h"
#include "util.h"

/* The columns photo_write reads, from column 0: the photo and its author. */
#define PHOTO_COLUMNS                                                                        \
	"ph.id, ph.review_id, ph.park_id, ph.alt, ph.caption, ph.thumb, ph.thumb_w, ph.thumb_h,"     \
	" ph.large, ph.large_w, ph.large_h, ph.created_at, ph.hidden, u.username, u.display_name"
#define PHOTO_FROM " FROM photos ph JOIN users u ON u.id = ph.user_id"

static const char SQL_REVIEW_OWN[] =
	"SELECT park_id FROM ratings WHERE id = ?1 AND user_id = ?2 AND title IS NOT NULL";
static const char SQL_REVIEW_COUNT[] =
	"SELECT count(*) FROM photos WHERE review_id = ?1";
static const char SQL_QUOTA[] =
	"SELECT uploads, bytes FROM photo_quota WHERE user_id = ?1 AND day = ?2";
static const char SQL_QUOTA_ADD[] =
	"INSERT INTO photo_quota (user_id, day, uploads, bytes) VALUES (?1, ?2, 1, ?3)"
	" ON CONFLICT (user_id, day) DO UPDATE SET uploads = uploads + 1, bytes = bytes + ?3";
static const char SQL_INSERT[] =
	"INSERT INTO photos (review_id, user_id, park_id, alt, caption, thumb, thumb_w, thumb_h,"
	"                    large, large_w, large_h, bytes, created_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id";
static const char SQL_ONE[] =
	"SELECT " PHOTO_COLUMNS ", ph.user_id, r.hidden" PHOTO_FROM
	" JOIN ratings r ON r.id = ph.review_id WHERE ph.id = ?1";
static const char SQL_OF_REVIEW[] =
	"SELECT " PHOTO_COLUMNS PHOTO_FROM " WHERE ph.review_id = ?1 ORDER BY ph.id";
static const char SQL_OF_REVIEW_VISIBLE[] =
	"SELECT " PHOTO_COLUMNS PHOTO_FROM " WHERE ph.review_id = ?1 AND ph.hidden = 0 ORDER BY ph.id";
/* The park's gallery, newest first: visible photos of visible reviews. */
static const char SQL_OF_PARK[] =
	"SELECT " PHOTO_COLUMNS PHOTO_FROM " JOIN ratings r ON r.id = ph.review_id"
	" WHERE ph.park_id = ?1 AND ph.hidden = 0 AND r.hidden = 0 AND ph.id < ?2"
	" ORDER BY ph.id DESC LIMIT ?3";
static const char SQL_COVER[] =
	"SELECT " PHOTO_COLUMNS PHOTO_FROM " JOIN ratings r ON r.id = ph.review_id"
	" WHERE ph.park_id = ?1 AND ph.hidden = 0 AND r.hidden = 0"
	" ORDER BY r.helpful_count DESC, r.id DESC, ph.id LIMIT 1";
static const char SQL_PATCH[] =
	"UPDATE photos SET alt = coalesce(?2, alt),"
	"  caption = CASE WHEN ?3 = '' THEN NULL ELSE coalesce(?3, caption) END WHERE id = ?1";
static const char SQL_DELETE[] =
	"DELETE FROM photos WHERE id = ?1";
static const char SQL_HIDE[] =
	"UPDATE photos SET hidden = ?2 WHERE id = ?1";

/* One photo object from PHOTO_COLUMNS. */
static void
photo_write(struct jw *w, sqlite3_stmt *st, enum show_hidden show_hidden)
{
	static const char *const sizes[] = { "thumb", "large" };
	jw_object(w);
	jw_kint(w, "id", sqlite3_column_int64(st, 0));
	jw_kint(w, "review_id", sqlite3_column_int64(st, 1));
	jw_kint(w, "park_id", sqlite3_column_int64(st, 2));
	jw_kstring(w, "alt", (const char *)sqlite3_column_text(st, 3));
	jw_kstring(w, "caption", (const char *)sqlite3_column_text(st, 4));
	for (int i = 0; i < 2; i++) {
		const char *name = (const char *)sqlite3_column_text(st, 5 + 3 * i);
		char url[128];
		snprintf(url, sizeof(url), "/photos/%.2s/%s.jpg", name ? name : "", name ? name : "");
		jw_key(w, sizes[i]);
		jw_object(w);
		jw_kstring(w, "url", url);
		jw_kint(w, "width", sqlite3_column_int64(st, 6 + 3 * i));
		jw_kint(w, "height", sqlite3_column_int64(st, 7 + 3 * i));
		jw_end(w);
	}
	jw_kstring(w, "created_at", (const char *)sqlite3_column_text(st, 11));
	jw_key(w, "author");
	jw_object(w);
	jw_kstring(w, "username", (const char *)sqlite3_column_text(st, 13));
	jw_kstring(w, "display_name", (const char *)sqlite3_column_text(st, 14));
	jw_end(w);
	bool hidden = sqlite3_column_int(st, 12) != 0;
	if (show_hidden == SHOW_HIDDEN_ALWAYS || (show_hidden == SHOW_HIDDEN_IF_TRUE && hidden))
		jw_kbool(w, "hidden", hidden);
	jw_end(w);
}

/* Text from the query string shown to others: 1..max characters of UTF-8, not blank, no control
 * characters. Returns 0 or the 400 written. */
static int
query_text(struct request *rq, struct response *rs, const char *name, size_t max, bool required,
	   const char **out)
{
	bool bad = false;
	const char *v = query_get(rq, name, &bad);
	*out = NULL;
	if (bad)
		return resp_error(rq, rs, 400, "invalid_field", name, "The query string has a bad %-escape.");
	if (v == NULL) {
		if (!required)
			return 0;
		return resp_error(rq, rs, 400, "missing_field", name,
				  arena_printf(rq->a, "The query parameter \"%s\" is required.", name));
	}
	bool blank = true, control = false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		control = control || *p < 0x20 || *p == 0x7f;
		blank = blank && *p == ' ';
	}
	size_t n = utf8_valid(v, strlen(v)) ? utf8_chars(v) : 0;
	if (n < 1 || n > max || blank || control)
		return resp_error(rq, rs, 400, "invalid_field", name,
				  arena_printf(rq->a, "\"%s\" must be 1 to %zu characters of text, not blank.",
					       name, max));
	*out = v;
	return 0;
}

static const char *
utc_day(struct arena *a)
{
	return arena_strndup(a, iso_time(a, time(NULL)), 10);
}

/* Seconds until the next UTC midnight, when the day's quota starts again. */
static long
until_midnight(void)
{
	time_t now = time(NULL);
	return 86400 - (long)(now % 86400);
}

/* The cheap checks, before any decoding and again in the write transaction: the review is the
 * caller's, has room for a photo, and the caller's quota has room for len bytes. */
static int
upload_allowed(struct request *rq, struct response *rs, int64_t review_id, int64_t len,
	       int64_t *park_id)
{
	sqlite3_stmt *st = db_stmt(SQL_REVIEW_OWN);
	sqlite3_bind_int64(st, 1, review_id);
	sqlite3_bind_int64(st, 2, rq->user->id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*park_id = sqlite3_column_int64(st, 0);
	db_done(st);
	if (rc == SQLITE_DONE) {
		db_rollback();
		return resp_error(rq, rs, 404, "not_found", NULL, "You have no such review.");
	}
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);

	st = db_stmt(SQL_REVIEW_COUNT);
	sqlite3_bind_int64(st, 1, review_id);
	int64_t count = (rc = sqlite3_step(st)) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	if (rc != SQLITE_ROW)
		return db_fail(rq, rs, rc);
	if (count >= PHOTOS_PER_REVIEW) {
		db_rollback();
		return resp_error(rq, rs, 409, "too_many_photos", NULL,
				  "A review has at most 6 photos; remove one to add another.");
	}

	st = db_stmt(SQL_QUOTA);
	sqlite3_bind_int64(st, 1, rq->user->id);
	sqlite3_bind_text(st, 2, utc_day(rq->a), -1, SQLITE_TRANSIENT);
	int64_t uploads = 0, bytes = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uploads = sqlite3_column_int64(st, 0);
		bytes = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	if (uploads >= config.photo_daily_uploads ||
	    bytes + len > (int64_t)config.photo_daily_mb * 1024 * 1024) {
		db_rollback();
		resp_header(rs, "Retry-After", arena_printf(rq->a, "%ld", until_midnight()));
		return resp_error(rq, rs, 429, "quota_exceeded", NULL,
				  arena_printf(rq->a, "You can upload %d photos (%d MiB) a day; try again "
					       "tomorrow (UTC).", config.photo_daily_uploads,
					       config.photo_daily_mb));
	}
	return 0;
}

static int
image_refused(struct request *rq, struct response *rs, enum image_status st)
{
	switch (st) {
	case IMAGE_UNSUPPORTED:
		return resp_error(rq, rs, 415, "unsupported_media_type", NULL,
				  "The file is not a JPEG, PNG, WebP or HEIC photo.");
	case IMAGE_MISMATCH:
		return resp_error(rq, rs, 415, "unsupported_media_type", NULL,
				  "The file is not of the type its Content-Type names.");
	case IMAGE_ANIMATED:
		return resp_error(rq, rs, 422, "animated_image", NULL,
				  "Animated images are not accepted; send a still photo.");
	case IMAGE_TOO_LARGE:
		return resp_error(rq, rs, 422, "image_too_large", NULL,
				  "The photo has more than 40 megapixels; send a smaller one.");
	case IMAGE_UNDECODABLE:
	case IMAGE_OK:
		break;
	}
	log_msg("photo refused: %s", image_error(rq->a));
	return resp_error(rq, rs, 422, "invalid_image", NULL,
			  "The photo could not be read: the file is damaged or incomplete.");
}

static int
store_failed(struct request *rq, struct response *rs)
{
	int e = errno;
	log_msg("photos: cannot write under %s: %s", config.photos_dir, strerror(e));
	if (e == ENOSPC || e == EDQUOT)
		return resp_error(rq, rs, 507, "insufficient_storage", NULL,
				  "The server is out of storage. Please try again later.");
	return resp_error(rq, rs, 500, "internal_error", NULL, "The photo could not be stored.");
}

/* Answers with photo id, read inside the caller's transaction. */
static int
photo_answer(struct request *rq, struct response *rs, int status, int64_t id)
{
	sqlite3_stmt *st = db_stmt(SQL_ONE);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_done(st);
		return db_fail(rq, rs, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	}
	struct jw w;
	jw_init(&w, rq->a);
	photo_write(&w, st, SHOW_HIDDEN_IF_TRUE);
	db_done(st);
	return resp_json(rs, status, &w);
}

int
photos_upload(struct request *rq, struct response *rs)
{
	int64_t review_id = rq->ids[0], park_id = 0;
	/* Only frostbyte-media does image work (fcgi-app/image-none.c); nginx sends uploads there. */
	if (image_init() != 0) {
		log_msg("photos: the image work did not start: %s", image_error(rq->a));
		return resp_error(rq, rs, 503, "unavailable", NULL, "Photos cannot be processed right now.");
	}
	enum image_type declared = image_type_of_mime(rq->content_type);
	if (declared == IMAGE_NONE)
		return resp_error(rq, rs, 415, "unsupported_media_type", NULL,
				  "Send one photo as the request body, with Content-Type image/jpeg, "
				  "image/png, image/webp or image/heic.");
	if (rq->body == NULL || rq->content_length == 0)
		return resp_error(rq, rs, 400, "invalid_body", NULL, "The request has no photo in its body.");
	const char *alt, *caption;
	int status, rc;
	if ((status = query_text(rq, rs, "alt", PHOTO_ALT_MAX, true, &alt)) != 0 ||
	    (status = query_text(rq, rs, "caption", PHOTO_CAPTION_MAX, false, &caption)) != 0)
		return status;
	int64_t len = (int64_t)rq->content_length;

	/* Refuse early what the database alone can refuse; the same checks run again below. */
	if ((rc = db_snapshot_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	status = upload_allowed(rq, rs, review_id, len, &park_id);
	db_snapshot_end();
	if (status != 0)
		return status;

	const unsigned char *buf = (const unsigned char *)rq->body;
	struct image_info info;
	struct image_out thumb, large;
	enum image_status ist = image_check(buf, (size_t)len, declared, &info);
	if (ist == IMAGE_OK)
		ist = image_render(rq->a, buf, (size_t)len, &info, IMAGE_LARGE_SIDE, &large);
	if (ist == IMAGE_OK)
		ist = image_render(rq->a, buf, (size_t)len, &info, IMAGE_THUMB_SIDE, &thumb);
	if (ist != IMAGE_OK)
		return image_refused(rq, rs, ist);
	char thumb_name[PHOTOSTORE_NAME_LEN + 1], large_name[PHOTOSTORE_NAME_LEN + 1];
	if (photostore_put(config.photos_dir, thumb.data, thumb.len, thumb_name) != 0 ||
	    photostore_put(config.photos_dir, large.data, large.len, large_name) != 0)
		return store_failed(rq, rs);

	const char *now = iso_time(rq->a, time(NULL));
	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = upload_allowed(rq, rs, review_id, len, &park_id)) != 0)
		return status;
	sqlite3_stmt *st = db_stmt(SQL_INSERT);
	sqlite3_bind_int64(st, 1, review_id);
	sqlite3_bind_int64(st, 2, rq->user->id);
	sqlite3_bind_int64(st, 3, park_id);
	sqlite3_bind_text(st, 4, alt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, caption, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, thumb_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, thumb.width);
	sqlite3_bind_int(st, 8, thumb.height);
	sqlite3_bind_text(st, 9, large_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, large.width);
	sqlite3_bind_int(st, 11, large.height);
	sqlite3_bind_int64(st, 12, len);
	sqlite3_bind_text(st, 13, now, -1, SQLITE_STATIC);
	int64_t id = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	db_done(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		db_rollback();
		return resp_error(rq, rs, 409, "duplicate_photo", NULL, "This photo is already on the review.");
	}
	if (rc != SQLITE_DONE ||
	    (rc = db_exec(SQL_QUOTA_ADD, "iti", rq->user->id, utc_day(rq->a), len)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	/* A sweep may have removed a file of the same name since it was written (its row went): under
	 * the write lock no sweep runs, so writing it again now makes it stay. */
	char again[PHOTOSTORE_NAME_LEN + 1];
	if (photostore_put(config.photos_dir, thumb.data, thumb.len, again) != 0 ||
	    photostore_put(config.photos_dir, large.data, large.len, again) != 0) {
		db_rollback();
		return store_failed(rq, rs);
	}
	if ((status = photo_answer(rq, rs, 201, id)) != 201)
		return status;
	return (rc = db_commit()) == SQLITE_OK ? 201 : db_fail(rq, rs, rc);
}

static int
list_item(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	(void)rq;
	photo_write(w, st, SHOW_HIDDEN_NEVER);
	return SQLITE_OK;
}

int
photos_park_list(struct request *rq, struct response *rs)
{
	struct page pg;
	int status;
	if ((status = page_read(rq, rs, "photos", &pg)) != 0 ||
	    (status = ratings_need_park(rq, rs, rq->ids[0])) != 0)
		return status;
	sqlite3_stmt *st = db_stmt(SQL_OF_PARK);
	sqlite3_bind_int64(st, 1, rq->ids[0]);
	sqlite3_bind_int64(st, 2, page_before(&pg));
	sqlite3_bind_int64(st, 3, pg.limit + 1);
	resp_cache_scope(rs, rq->ids[0]);
	return page_answer(rq, rs, st, "photos", -1, &pg, list_item);
}

/* The photos of one review, in the order they were added: the author and moderators see hidden
 * ones too, marked. */
int
photos_review_list(struct request *rq, struct response *rs)
{
	struct review_ref ref;
	int rc = db_snapshot_begin(), status;
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = reviews_find(rq, rs, rq->ids[0], &ref)) != 0) {
		db_snapshot_end();
		return status;
	}
	bool all = (rq->user != NULL && rq->user->id == ref.author_id) || auth_is_admin(rq);
	sqlite3_stmt *st = db_stmt(all ? SQL_OF_REVIEW : SQL_OF_REVIEW_VISIBLE);
	sqlite3_bind_int64(st, 1, ref.id);
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "items");
	jw_array(&w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		photo_write(&w, st, all ? SHOW_HIDDEN_ALWAYS : SHOW_HIDDEN_NEVER);
	db_done(st);
	jw_end(&w);
	jw_end(&w);
	db_snapshot_end();
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	return resp_json(rs, 200, &w);
}

struct photo_ref {
	int64_t id, review_id, author_id;
	bool hidden, review_hidden;
};

/* Looks a photo up inside the caller's transaction: 404 (rolling back) when there is none, or
 * when the caller may not see it (hidden, or of a hidden review, and the caller is neither its
 * author nor a moderator). */
static int
photo_find(struct request *rq, struct response *rs, struct photo_ref *out)
{
	sqlite3_stmt *st = db_stmt(SQL_ONE);
	sqlite3_bind_int64(st, 1, rq->ids[0]);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->review_id = sqlite3_column_int64(st, 1);
		out->hidden = sqlite3_column_int(st, 12) != 0;
		out->author_id = sqlite3_column_int64(st, 15);
		out->review_hidden = sqlite3_column_int(st, 16) != 0;
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);
	bool visible = rc == SQLITE_ROW &&
		       ((!out->hidden && !out->review_hidden) || rq->user->id == out->author_id ||
			auth_is_admin(rq));
	if (!visible) {
		db_rollback();
		return resp_error(rq, rs, 404, "not_found", NULL, "There is no such photo.");
	}
	return 0;
}

int
photos_patch(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "alt", "caption", NULL };
	const char *alt, *caption;
	int status, rc;
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_text(rq, rs, "alt", PHOTO_ALT_MAX, false, false, &alt)) != 0 ||
	    (status = json_text(rq, rs, "caption", PHOTO_CAPTION_MAX, false, false, &caption)) != 0)
		return status;
	if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rq->json, "caption")))
		caption = "";
	struct photo_ref ref;
	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = photo_find(rq, rs, &ref)) != 0)
		return status;
	if (ref.author_id != rq->user->id) {
		db_rollback();
		return resp_error(rq, rs, 403, "forbidden", NULL, "Only the author can edit a photo.");
	}
	if ((rc = db_exec(SQL_PATCH, "itt", ref.id, alt, caption)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = photo_answer(rq, rs, 200, ref.id)) != 200)
		return status;
	return (rc = db_commit()) == SQLITE_OK ? 200 : db_fail(rq, rs, rc);
}

int
photos_delete(struct request *rq, struct response *rs)
{
	struct photo_ref ref;
	int rc = db_begin(), status;
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = photo_find(rq, rs, &ref)) != 0)
		return status;
	if (ref.author_id != rq->user->id && !auth_is_admin(rq)) {
		db_rollback();
		return resp_error(rq, rs, 403, "forbidden", NULL, "Only the author can remove a photo.");
	}
	if ((rc = db_exec(SQL_DELETE, "i", ref.id)) != SQLITE_OK || (rc = db_commit()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	photostore_sweep(config.photos_dir);
	return resp_empty(rs, 204);
}

int
photos_moderate(struct request *rq, struct response *rs)
{
	static const char *const fields[] = { "hidden", NULL };
	bool hidden;
	int status, rc;
	if (!auth_is_admin(rq))
		return resp_error(rq, rs, 403, "forbidden", NULL, "Only moderators can do this.");
	if ((status = json_parse_body(rq, rs, fields)) != 0 ||
	    (status = json_bool(rq, rs, "hidden", true, &hidden, NULL)) != 0)
		return status;
	struct photo_ref ref;
	if ((rc = db_begin()) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if ((status = photo_find(rq, rs, &ref)) != 0)
		return status;
	if ((rc = db_exec(SQL_HIDE, "ii", ref.id, (int64_t)hidden)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	sqlite3_stmt *st = db_stmt(SQL_ONE);
	sqlite3_bind_int64(st, 1, ref.id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_done(st);
		return db_fail(rq, rs, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	}
	struct jw w;
	jw_init(&w, rq->a);
	photo_write(&w, st, SHOW_HIDDEN_ALWAYS);
	db_done(st);
	return (rc = db_commit()) == SQLITE_OK ? resp_json(rs, 200, &w) : db_fail(rq, rs, rc);
}

int
photos_cover_write(struct jw *w, int64_t park_id)
{
	sqlite3_stmt *st = db_stmt(SQL_COVER);
	sqlite3_bind_int64(st, 1, park_id);
	int rc = sqlite3_step(st);
	jw_key(w, "cover_photo");
	if (rc == SQLITE_ROW)
		photo_write(w, st, SHOW_HIDDEN_NEVER);
	else
		jw_null(w);
	db_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
photos_review_write(struct jw *w, int64_t review_id)
{
	sqlite3_stmt *st = db_stmt(SQL_OF_REVIEW);
	sqlite3_bind_int64(st, 1, review_id);
	int rc;
	jw_key(w, "photos");
	jw_array(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		photo_write(w, st, SHOW_HIDDEN_ALWAYS);
	jw_end(w);
	db_done(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
