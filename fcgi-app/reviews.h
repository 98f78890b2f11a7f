/* reviews.h: reviews of a park, the caller's reviews, and helpful votes. */
#ifndef FROSTBYTE_REVIEWS_H
#define FROSTBYTE_REVIEWS_H

#include <sqlite3.h>

#include "http.h"
#include "json.h"

int reviews_list(struct request *rq, struct response *rs);
int reviews_create(struct request *rq, struct response *rs);
int reviews_get(struct request *rq, struct response *rs);
int reviews_patch(struct request *rq, struct response *rs);
int reviews_delete(struct request *rq, struct response *rs);
int reviews_mine(struct request *rq, struct response *rs);
int helpful_put(struct request *rq, struct response *rs);
int helpful_delete(struct request *rq, struct response *rs);
int helpful_mine(struct request *rq, struct response *rs);

/* The camper types a review may name, in the order the analytics list them: X(name) once each,
 * so the names, their count and the analytics' park_stats columns all come from this line. The
 * database keeps the same list (schema/003_reviews.sql: the CHECK on ratings.camper_type and a
 * park_stats column each); test_reviews checks that the two agree. */
#define CAMPER_TYPES(X) X(tent) X(rv) X(van) X(cabin) X(backpacking) X(day_use)
#define CAMPER_PLUS_ONE(name) + 1
enum { CAMPER_TYPE_COUNT = 0 CAMPER_TYPES(CAMPER_PLUS_ONE) };
extern const char *const camper_types[CAMPER_TYPE_COUNT];

/* The columns reviews_write reads, for "SELECT " REVIEW_COLUMNS REVIEW_FROM " WHERE ...". */
#define REVIEW_COLUMNS                                                                      \
	"r.id, r.park_id, u.id, u.username, u.display_name, r.stars, r.title, r.body,"      \
	" r.visited_on, r.camper_type, r.helpful_count, r.review_created_at,"               \
	" r.review_updated_at, r.hidden"
#define REVIEW_COLUMN_COUNT 14 /* keep with the list above: the columns a caller's own follow */
#define REVIEW_FROM " FROM ratings r JOIN users u ON u.id = r.user_id"

/* Whether a review object has "hidden", which only those allowed to see hidden reviews get (the
 * author, admins). */
enum show_hidden {
	SHOW_HIDDEN_NEVER,   /* public lists, which hold no hidden review */
	SHOW_HIDDEN_IF_TRUE, /* one review, to whoever may read it: "hidden": true when it is */
	SHOW_HIDDEN_ALWAYS,  /* the caller's own reviews, moderation: true or false */
};

/* A review object from REVIEW_COLUMNS starting at column col. */
void reviews_write(struct jw *w, sqlite3_stmt *st, int col, enum show_hidden show_hidden);

/* Answers with review id, read inside the caller's transaction. */
int reviews_answer(struct request *rq, struct response *rs, int status, int64_t id,
		   enum show_hidden show_hidden);

/* Looks a review up inside the caller's transaction. Answers 404 (rolling back) when there is
 * none, or when it is hidden and the caller is neither its author nor an admin. */
struct review_ref {
	int64_t id, author_id, park_id, stars;
	bool hidden;
	const char *rated_at, *updated_at;
};
int reviews_find(struct request *rq, struct response *rs, int64_t id, struct review_ref *out);

#endif
