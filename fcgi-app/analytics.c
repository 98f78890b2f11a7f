/* analytics.c: a park's figures over time and the site's summary. Everything is read from the
 * same rows and park_stats the pages show, in one read transaction, so the figures agree. */
#include "analytics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "db.h"
#include "json.h"
#include "parks.h"
#include "ratings.h"
#include "reviews.h"
#include "util.h"

#define MONTHS 24
#define DAYS   30

/* Every figure is kept by triggers (schema/003_reviews.sql): no request counts rows. From column
 * 8 on, each camper type's count, from the park_stats column of its name. */
#define CAMPER_COLUMN(name) ", " #name
static const char SQL_PARK_STATS[] =
	"SELECT n, total, reviews, s1, s2, s3, s4, s5" CAMPER_TYPES(CAMPER_COLUMN)
	"  FROM park_stats WHERE park_id = ?1";
static const char SQL_BY_MONTH[] =
	"SELECT month, reviews, CAST(stars AS REAL) / reviews FROM park_months"
	" WHERE park_id = ?1 AND month >= ?2 AND reviews > 0";
static const char SQL_TOTALS[] =
	"SELECT (SELECT count(*) FROM parks), (SELECT count(*) FROM users),"
	"       sum(reviews), sum(n), sum(total) FROM park_stats";
#define SUMMARY_SQL(extra, where, order)                                                     \
	"SELECT p.id, slug, name, states, latitude, longitude, n, total, reviews" extra          \
	"  FROM parks p JOIN park_stats s ON s.park_id = p.id WHERE " where " ORDER BY " order   \
	" LIMIT 10"
static const char SQL_TOP_RATED[] =
	SUMMARY_SQL(", " PARKS_BAYES_SQL " AS score", "n > 0", "score DESC, p.id");
static const char SQL_MOST_REVIEWED[] =
	SUMMARY_SQL("", "reviews > 0", "reviews DESC, n DESC, p.id");
static const char SQL_DAYS[] =
	"SELECT day, ratings, reviews FROM daily_counts WHERE day >= ?1"; /* as slots: count, second */

/* A month or a day of a chart: a count and, from a third column, a second figure. */
struct slot {
	char label[16];
	int64_t count;
	double second;
};

static int
fill_slots(sqlite3_stmt *st, struct slot *slots, int n)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 0);
		for (int i = 0; label != NULL && i < n; i++) {
			if (strcmp(label, slots[i].label) == 0) {
				slots[i].count = sqlite3_column_int64(st, 1);
				slots[i].second = sqlite3_column_double(st, 2);
			}
		}
	}
	db_done(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
analytics_park(struct request *rq, struct response *rs)
{
	int64_t park_id = rq->ids[0];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	struct slot months[MONTHS] = { 0 };
	for (int i = 0; i < MONTHS; i++) { /* oldest first, ending with this month */
		unsigned m = (unsigned)(tm.tm_year * 12 + tm.tm_mon - (MONTHS - 1 - i));
		snprintf(months[i].label, sizeof(months[i].label), "%04u-%02u", 1900 + m / 12, m % 12 + 1);
	}
	int rc = db_snapshot_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	sqlite3_stmt *st = db_stmt(SQL_PARK_STATS);
	sqlite3_bind_int64(st, 1, park_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_done(st);
		db_snapshot_end();
		if (rc == SQLITE_DONE)
			return resp_error(rq, rs, 404, "not_found", NULL, "There is no such park.");
		return db_fail(rq, rs, rc);
	}
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_kint(&w, "park_id", park_id);
	jw_key(&w, "rating");
	parks_rating_write(&w, st, 0, 3);
	jw_kint(&w, "review_count", sqlite3_column_int64(st, 2));
	int64_t campers[CAMPER_TYPE_COUNT];
	for (int i = 0; i < CAMPER_TYPE_COUNT; i++)
		campers[i] = sqlite3_column_int64(st, 8 + i);
	db_done(st);

	sqlite3_stmt *bm = db_stmt(SQL_BY_MONTH);
	sqlite3_bind_int64(bm, 1, park_id);
	sqlite3_bind_text(bm, 2, months[0].label, -1, SQLITE_STATIC);
	if ((rc = fill_slots(bm, months, MONTHS)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	db_snapshot_end();

	jw_key(&w, "reviews_by_month");
	jw_array(&w);
	for (int i = 0; i < MONTHS; i++) {
		jw_object(&w);
		jw_kstring(&w, "month", months[i].label);
		jw_kint(&w, "count", months[i].count);
		jw_key(&w, "average");
		if (months[i].count > 0)
			jw_fixed(&w, months[i].second, PARKS_AVERAGE_DECIMALS); /* the average */
		else
			jw_null(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "camper_types");
	jw_object(&w);
	for (int i = 0; i < CAMPER_TYPE_COUNT; i++)
		jw_kint(&w, camper_types[i], campers[i]);
	jw_end(&w);
	jw_end(&w);
	resp_cache_scope(rs, park_id);
	return resp_json(rs, 200, &w);
}

/* A list of park summaries, with "score" from the column after the summary's when scored. */
static int
park_list(struct jw *w, const char *sql, bool scored)
{
	sqlite3_stmt *st = db_stmt(sql);
	int rc;
	jw_array(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		parks_summary_write(w, st, -1);
		if (scored) {
			jw_key(w, "score");
			jw_fixed(w, sqlite3_column_double(st, 9), PARKS_AVERAGE_DECIMALS);
		}
		jw_end(w);
	}
	jw_end(w);
	db_done(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
analytics_summary(struct request *rq, struct response *rs)
{
	time_t now = time(NULL);
	struct slot days[DAYS] = { 0 }; /* count: ratings; second: reviews */
	for (int i = 0; i < DAYS; i++) { /* oldest first, ending today */
		time_t t = now - (time_t)(DAYS - 1 - i) * 86400;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(days[i].label, sizeof(days[i].label), "%Y-%m-%d", &tm);
	}

	int rc = db_snapshot_begin();
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	sqlite3_stmt *st = db_stmt(SQL_TOTALS);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_done(st);
		return db_fail(rq, rs, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	}
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_kint(&w, "parks", sqlite3_column_int64(st, 0));
	jw_kint(&w, "users", sqlite3_column_int64(st, 1));
	jw_kint(&w, "reviews", sqlite3_column_int64(st, 2));
	int64_t n = sqlite3_column_int64(st, 3), total = sqlite3_column_int64(st, 4);
	jw_kint(&w, "ratings", n);
	jw_key(&w, "average_rating");
	if (n > 0)
		jw_fixed(&w, (double)total / (double)n, PARKS_AVERAGE_DECIMALS);
	else
		jw_null(&w);
	db_done(st);

	sqlite3_stmt *dc = db_stmt(SQL_DAYS);
	sqlite3_bind_text(dc, 1, days[0].label, -1, SQLITE_STATIC);
	jw_key(&w, "top_rated");
	if ((rc = park_list(&w, SQL_TOP_RATED, true)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	jw_key(&w, "most_reviewed");
	if ((rc = park_list(&w, SQL_MOST_REVIEWED, false)) != SQLITE_OK ||
	    (rc = fill_slots(dc, days, DAYS)) != SQLITE_OK)
		return db_fail(rq, rs, rc);
	db_snapshot_end();

	jw_key(&w, "activity");
	jw_array(&w);
	for (int i = 0; i < DAYS; i++) {
		jw_object(&w);
		jw_kstring(&w, "day", days[i].label);
		jw_kint(&w, "reviews", (int64_t)days[i].second);
		jw_kint(&w, "ratings", days[i].count);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	resp_cache_scope(rs, CACHE_FIGURES);
	return resp_json(rs, 200, &w);
}

static const char SQL_VISIT_MONTHS[] =
	"SELECT month, visits, stars FROM park_visit_months WHERE park_id = ?1 AND visits > 0";

/* GET /api/parks/{id}/visit-months: when reviewers went, by month of the year, and how they liked
 * it (schema/009_visit_months.sql). A month's average is given once PARKS_VISITS_MONTH_MIN reviews
 * name it; the best months once PARKS_VISITS_MIN reviews name any month: the months whose average
 * is within BEST_MARGIN of the highest, and their average together. */
#define BEST_MARGIN 0.2
int
analytics_visit_months(struct request *rq, struct response *rs)
{
	static const char *const names[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
						"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t park_id = rq->ids[0], visits[12] = { 0 }, stars[12] = { 0 }, total = 0;
	int rc, status = ratings_park_snapshot(rq, rs, park_id);
	if (status != 0)
		return status;
	sqlite3_stmt *st = db_stmt(SQL_VISIT_MONTHS);
	sqlite3_bind_int64(st, 1, park_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int m = sqlite3_column_int(st, 0);
		if (m >= 1 && m <= 12) {
			visits[m - 1] = sqlite3_column_int64(st, 1);
			stars[m - 1] = sqlite3_column_int64(st, 2);
			total += visits[m - 1];
		}
	}
	db_done(st);
	db_snapshot_end();
	if (rc != SQLITE_DONE)
		return db_fail(rq, rs, rc);

	bool enough = total >= PARKS_VISITS_MIN;
	double best = -1;
	for (int m = 0; m < 12; m++)
		if (visits[m] >= PARKS_VISITS_MONTH_MIN && (double)stars[m] / (double)visits[m] > best)
			best = (double)stars[m] / (double)visits[m];
	bool is_best[12] = { false };
	int64_t best_visits = 0, best_stars = 0;
	for (int m = 0; enough && best > 0 && m < 12; m++) {
		if (visits[m] >= PARKS_VISITS_MONTH_MIN &&
		    (double)stars[m] / (double)visits[m] >= best - BEST_MARGIN - 1e-9) {
			is_best[m] = true;
			best_visits += visits[m];
			best_stars += stars[m];
		}
	}

	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_kint(&w, "park_id", park_id);
	jw_kint(&w, "visits", total);
	jw_kbool(&w, "enough_data", enough);
	jw_kint(&w, "min_visits", PARKS_VISITS_MIN);
	jw_kint(&w, "min_month_visits", PARKS_VISITS_MONTH_MIN);
	jw_key(&w, "months");
	jw_array(&w);
	for (int m = 0; m < 12; m++) {
		jw_object(&w);
		jw_kint(&w, "month", m + 1);
		jw_kstring(&w, "name", names[m]);
		jw_kint(&w, "visits", visits[m]);
		jw_key(&w, "average");
		if (visits[m] >= PARKS_VISITS_MONTH_MIN)
			jw_fixed(&w, (double)stars[m] / (double)visits[m], PARKS_AVERAGE_DECIMALS);
		else
			jw_null(&w);
		jw_kbool(&w, "best", is_best[m]);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "best_months");
	jw_array(&w);
	for (int m = 0; m < 12; m++)
		if (is_best[m])
			jw_int(&w, m + 1);
	jw_end(&w);
	jw_key(&w, "best_average");
	if (best_visits > 0)
		jw_fixed(&w, (double)best_stars / (double)best_visits, PARKS_AVERAGE_DECIMALS);
	else
		jw_null(&w);
	jw_end(&w);
	resp_cache_scope(rs, park_id);
	return resp_json(rs, 200, &w);
}
