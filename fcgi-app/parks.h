/* parks.h: GET /api/parks and GET /api/parks/{id or slug}. */
#ifndef FROSTBYTE_PARKS_H
#define FROSTBYTE_PARKS_H

#include <sqlite3.h>

#include "http.h"
#include "json.h"

int parks_list(struct request *rq, struct response *rs);
int parks_get(struct request *rq, struct response *rs);
int parks_filters(struct request *rq, struct response *rs);

/* Writes the park's summary object; SQLITE_ROW, SQLITE_DONE (no such park) or an error code. */
int parks_summary_write_by_id(struct jw *w, int64_t id);

/* The score sort=rating orders by, over park_stats columns n and total: the Bayesian average
 * (C*m + sum)/(C + n) with C = 10 and m the site-wide mean, so one 5-star rating does not outrank
 * 200 ratings at 4.6. A park nobody rated scores m. */
#define PARKS_BAYES_SQL                                                                         \
	"((10.0 * (SELECT coalesce(CAST(sum(total) AS REAL) / nullif(sum(n), 0), 0) FROM park_stats)" \
	" + total) / (10.0 + n))"

/* Averages and scores are written with this many decimals (docs/openapi.yaml): more would only
 * print the noise of a division, and a fixed count keeps them in jw_fixed's integer path. */
#define PARKS_AVERAGE_DECIMALS 2

/* When to go (schema/009_visit_months.sql): a month of the year says something about a park once
 * this many visible reviews name it, and the park's month chart once this many name any month;
 * good_in=M keeps the parks whose month M says something and averages at least PARKS_GOOD_STARS. */
#define PARKS_VISITS_MONTH_MIN 2
#define PARKS_VISITS_MIN 5
#define PARKS_GOOD_STARS 4
#define PARKS_STR_(x) #x
#define PARKS_STR(x) PARKS_STR_(x)

/* The month of the year (1-12) of "12", "dec" or "December" (any case), or 0. */
int parks_month(const char *s);

/* Shared with the analytics. A park summary from columns 0-8 (id, slug, name, states, latitude,
 * longitude, n, total, reviews of park_stats); dist_col >= 0 adds the star distribution from the
 * five columns s1..s5 starting there. The object is left open for the caller to add to and end. */
void parks_summary_write(struct jw *w, sqlite3_stmt *st, int dist_col);
/* {"average","count"[,"distribution"]} from columns n, total at col (and s1..s5 at dist_col). */
void parks_rating_write(struct jw *w, sqlite3_stmt *st, int col, int dist_col);

#endif
