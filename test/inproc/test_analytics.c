/* test_analytics.c: the figures of the parks (kept by triggers in park_stats, park_months and
 * daily_counts) as the analytics, the park pages and sort=rating show them. After a scripted
 * sequence of ratings, reviews, edits, deletes and hides, every figure (and the months reviewers
 * visited in, schema/009_visit_months.sql) equals the one computed
 * here, independently, from a model of what was done, and the kept rows equal a recount. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "harness.h"
#include "reviews.h"

#define USERS 6
#define PARKS 4          /* parks 11..14 */
#define FIRST_PARK 11
#define STEPS 400

static struct cell {
	bool rated, reviewed, hidden, held; /* held: a moderator's hold on the author for the park */
	int stars, camper, review_id, visit; /* visit: the month of visited_on, 0 for none */
} model[USERS][PARKS];

static const char *tokens[USERS + 1]; /* the last is the admin */


static unsigned rng = 12345;
static int
roll(int n)
{
	rng = rng * 1103515245u + 12345u;
	return (int)((rng >> 16) % (unsigned)n);
}

static int failures; /* calls that did not answer as the model expects */

static void
expect(struct reply r, int status, const char *what)
{
	if (r.status != status) {
		failures++;
		printf("# step %s: status %d, expected %d: %s\n", what, r.status, status, r.body ? r.body : "");
	}
}

static void
step(void)
{
	int u = roll(USERS), p = roll(PARKS), park = FIRST_PARK + p, stars = roll(5) + 1;
	struct cell *c = &model[u][p];
	const char *t = tokens[u];
	switch (roll(7)) {
	case 0: case 1: /* rate */
		expect(call("PUT", sfmt("/api/parks/%d/rating", park), sfmt("{\"stars\":%d}", stars),
			    "Authorization", t, NULL), c->rated ? 200 : 201, "rate");
		c->rated = true;
		c->stars = stars;
		break;
	case 2: case 3: { /* review */
		int camper = roll(CAMPER_TYPE_COUNT), visit = roll(13);
		struct reply r = call("POST", sfmt("/api/parks/%d/reviews", park),
				      sfmt("{\"stars\":%d,\"title\":\"T\",\"body\":\"B\",\"camper_type\":\"%s\"%s}",
					  stars, camper_types[camper],
					  visit ? sfmt(",\"visited_on\":\"2025-%02d\"", visit) : ""),
				      "Authorization", t, NULL);
		expect(r, c->reviewed ? 409 : 201, "review");
		if (!c->reviewed) {
			c->rated = c->reviewed = true;
			c->hidden = c->held; /* written again while held: hidden from the start */
			c->stars = stars;
			c->camper = camper;
			c->visit = visit;
			c->review_id = jget(r.json, "id") ? jget(r.json, "id")->valueint : 0;
		}
		break;
	}
	case 4: /* edit the review's stars, and half the time its visit month (null clears it) */
		if (c->reviewed) {
			int visit = roll(2) ? roll(13) : -1;
			const char *month = visit < 0 ? "" : visit == 0 ? ",\"visited_on\":null"
					  : sfmt(",\"visited_on\":\"2024-%02d\"", visit);
			expect(call("PATCH", sfmt("/api/reviews/%d", c->review_id),
				    sfmt("{\"stars\":%d%s}", stars, month), "Authorization", t, NULL), 200, "edit");
			c->stars = stars;
			if (visit >= 0)
				c->visit = visit;
		}
		break;
	case 5: /* delete the review, or the rating when there is no review */
		if (c->reviewed) {
			expect(call("DELETE", sfmt("/api/reviews/%d", c->review_id), NULL, "Authorization", t, NULL),
			       204, "delete review");
			c->rated = !c->hidden; /* a hidden review takes its rating with it */
			c->reviewed = c->hidden = false;
		} else {
			expect(call("DELETE", sfmt("/api/parks/%d/rating", park), NULL, "Authorization", t, NULL),
			       c->rated ? 204 : 404, "delete rating");
			c->rated = false;
		}
		break;
	case 6: /* a moderator hides or unhides */
		if (c->reviewed) {
			bool hide = roll(2) == 0;
			expect(call("PATCH", sfmt("/api/admin/reviews/%d", c->review_id),
				    sfmt("{\"hidden\":%s,\"reason\":\"test\"}", hide ? "true" : "false"),
				    "Authorization", tokens[USERS], NULL), 200, "moderate");
			c->hidden = c->held = hide;
		}
		break;
	}
}

struct figures {
	int n, total, dist[6], reviews, campers[CAMPER_TYPE_COUNT];
};

static struct figures
expected(int p)
{
	struct figures f = { 0 };
	for (int u = 0; u < USERS; u++) {
		const struct cell *c = &model[u][p];
		if (!c->rated || c->hidden)
			continue;
		f.n++;
		f.total += c->stars;
		f.dist[c->stars]++;
		if (c->reviewed) {
			f.reviews++;
			f.campers[c->camper]++;
		}
	}
	return f;
}

/* An average or a score as the API writes it: want rounded to two decimals. */
static bool
same_average(cJSON *v, double want)
{
	if (!cJSON_IsNumber(v))
		return false;
	double hundredths = v->valuedouble * 100;
	return fabs(hundredths - round(hundredths)) < 1e-6 && fabs(v->valuedouble - want) <= 0.005 + 1e-9;
}

static bool
average_is(cJSON *v, const struct figures *f)
{
	return f->n == 0 ? cJSON_IsNull(v) : same_average(v, (double)f->total / f->n);
}


static void
check_all(const char *when_)
{
	char when[64];
	snprintf(when, sizeof(when), "%s", when_); /* fmt's ring is reused below */
	int all_n = 0, all_total = 0, all_reviews = 0;
	for (int p = 0; p < PARKS; p++) {
		struct figures f = expected(p);
		all_n += f.n, all_total += f.total, all_reviews += f.reviews;
		int park = FIRST_PARK + p;

		struct reply r = call("GET", sfmt("/api/parks/%d", park), NULL, NULL);
		bool dist_ok = true;
		for (int s = 1; s <= 5; s++)
			dist_ok &= jint(r.json, sfmt("rating.distribution.%d", s)) == f.dist[s];
		ok(r.status == 200 && jint(r.json, "rating.count") == f.n && average_is(jget(r.json, "rating.average"), &f) &&
		   dist_ok && jint(r.json, "review_count") == f.reviews,
		   "%s: park %d page: count %d, average, distribution and %d reviews", when, park, f.n, f.reviews);

		r = call("GET", sfmt("/api/analytics/parks/%d", park), NULL, NULL);
		cJSON *months = jget(r.json, "reviews_by_month");
		cJSON *this_month = cJSON_GetArrayItem(months, cJSON_GetArraySize(months) - 1);
		int review_stars = 0;
		for (int u = 0; u < USERS; u++)
			if (model[u][p].reviewed && !model[u][p].hidden)
				review_stars += model[u][p].stars;
		bool campers_ok = true;
		for (int k = 0; k < CAMPER_TYPE_COUNT; k++)
			campers_ok &= jint(r.json, sfmt("camper_types.%s", camper_types[k])) == f.campers[k];
		ok(r.status == 200 && jint(r.json, "rating.count") == f.n && average_is(jget(r.json, "rating.average"), &f) &&
		   jint(r.json, "review_count") == f.reviews && cJSON_GetArraySize(months) == 24 &&
		   jint(this_month, "count") == f.reviews &&
		   (f.reviews == 0 ? cJSON_IsNull(jget(this_month, "average"))
				   : same_average(jget(this_month, "average"), (double)review_stars / f.reviews)) &&
		   campers_ok,
		   "%s: park %d analytics: rating, reviews this month with their average, camper types", when, park);

		/* When to go: visible reviews by the month they name (PARKS_VISITS_MONTH_MIN = 2 gives an
		 * average, PARKS_VISITS_MIN = 5 enough data). */
		int visits[13] = { 0 }, vstars[13] = { 0 }, vtotal = 0;
		for (int u = 0; u < USERS; u++) {
			const struct cell *c = &model[u][p];
			if (c->reviewed && !c->hidden && c->visit > 0)
				visits[c->visit]++, vstars[c->visit] += c->stars, vtotal++;
		}
		r = call("GET", sfmt("/api/parks/%d/visit-months", park), NULL, NULL);
		bool months_ok = cJSON_GetArraySize(jget(r.json, "months")) == 12;
		for (int mo = 1; months_ok && mo <= 12; mo++) {
			cJSON *slot = cJSON_GetArrayItem(jget(r.json, "months"), mo - 1);
			months_ok = jint(slot, "month") == mo && jint(slot, "visits") == visits[mo] &&
				    (visits[mo] < 2 ? cJSON_IsNull(jget(slot, "average"))
						    : same_average(jget(slot, "average"), (double)vstars[mo] / visits[mo]));
		}
		ok(r.status == 200 && months_ok && jint(r.json, "visits") == vtotal &&
		   cJSON_IsBool(jget(r.json, "enough_data")) &&
		   cJSON_IsTrue(jget(r.json, "enough_data")) == (vtotal >= 5),
		   "%s: park %d visit months: %d visits by month, averages from 2, enough data from 5", when,
		   park, vtotal);
	}

	struct reply r = call("GET", "/api/analytics/summary", NULL, NULL);
	cJSON *act = jget(r.json, "activity");
	cJSON *today = cJSON_GetArrayItem(act, cJSON_GetArraySize(act) - 1);
	ok(r.status == 200 && jint(r.json, "ratings") == all_n && jint(r.json, "reviews") == all_reviews &&
	   jint(r.json, "parks") == 63 && jint(r.json, "users") == USERS + 1 &&
	   (all_n == 0 ? cJSON_IsNull(jget(r.json, "average_rating"))
		       : same_average(jget(r.json, "average_rating"), (double)all_total / all_n)) &&
	   cJSON_GetArraySize(act) == 30 && jint(today, "reviews") == all_reviews && jint(today, "ratings") == all_n,
	   "%s: summary: %d ratings, %d reviews, site average, today's activity", when, all_n, all_reviews);

	/* sort=rating: the Bayesian score with m = site mean and C = 10, highest first, ties by id. */
	double m = all_n ? (double)all_total / all_n : 0, score[PARKS];
	int want_first = -1;
	for (int p = 0; p < PARKS; p++) {
		struct figures f = expected(p);
		score[p] = (10.0 * m + f.total) / (10.0 + f.n);
		if (f.n > 0 && (want_first < 0 || score[p] > score[want_first] + 1e-12))
			want_first = p;
	}
	/* Unrated parks score exactly m; rated parks above m come before them, the rest after. */
	int pos[PARKS] = { -1, -1, -1, -1 }, i = 0, pages = 0;
	char path[256] = "/api/parks?sort=rating&limit=50";
	cJSON *it, *next;
	do {
		r = call("GET", path, NULL, NULL);
		cJSON_ArrayForEach(it, jget(r.json, "items")) {
			int id = jint(it, "id");
			if (id >= FIRST_PARK && id < FIRST_PARK + PARKS)
				pos[id - FIRST_PARK] = i;
			i++;
		}
		next = jget(r.json, "next_cursor");
		if (cJSON_IsString(next))
			snprintf(path, sizeof(path), "/api/parks?sort=rating&limit=50&cursor=%s", next->valuestring);
	} while (cJSON_IsString(next) && ++pages < 5);
	bool order_ok = i == 63;
	for (int p = 0; p < PARKS; p++)
		order_ok &= pos[p] >= 0;
	for (int p = 0; p < PARKS; p++)
		for (int q = 0; q < PARKS; q++)
			if (score[p] > score[q] + 1e-12 && pos[p] > pos[q])
				order_ok = false;
	ok(r.status == 200 && order_ok, "%s: sort=rating orders the parks by the Bayesian score", when);
	if (want_first >= 0) {
		r = call("GET", "/api/analytics/summary", NULL, NULL);
		bool top_ok = false;
		cJSON_ArrayForEach(it, jget(r.json, "top_rated"))
			if (jint(it, "id") == FIRST_PARK + want_first)
				top_ok = same_average(jget(it, "score"), score[want_first]);
		ok(top_ok, "%s: top_rated holds the best park with its score", when);
	}
}

static void
signup_users(void)
{
	if (tokens[0] != NULL)
		return;
	for (int u = 0; u < USERS; u++)
		tokens[u] = bearer(sfmt("figure%d", u));
	tokens[USERS] = admin_bearer("moderator");
}

static void
test_figures_of_an_empty_site(void)
{
	signup_users();
	check_all("before anything");
}

static void
test_figures_follow_random_writes(void)
{
	signup_users();
	for (int i = 1; i <= STEPS; i++) {
		step();
		if (i % 100 == 0)
			check_all(sfmt("after %d steps", i));
	}
	is_int(failures, 0, "every step answered as the model expects");
}

/* The kept figures equal a recount from the rows (after the random writes above). */
static void
test_kept_figures_equal_a_recount(void)
{
	/* One recount per camper type of the C table (reviews.h). */
#define CAMPER_RECOUNT(name) " OR " #name " <> (SELECT count(*) FROM ratings r WHERE"                \
	" r.park_id = s.park_id AND hidden = 0 AND title IS NOT NULL AND camper_type = '" #name "')"
	static const struct { const char *what, *sql; } recounts[] = {
		{ "park_stats", "SELECT count(*) FROM park_stats s WHERE"
		  " n <> (SELECT count(*) FROM ratings r WHERE r.park_id = s.park_id AND hidden = 0)"
		  " OR total <> (SELECT coalesce(sum(stars), 0) FROM ratings r WHERE r.park_id = s.park_id AND hidden = 0)"
		  " OR reviews <> (SELECT count(*) FROM ratings r WHERE r.park_id = s.park_id AND hidden = 0 AND title IS NOT NULL)"
		  CAMPER_TYPES(CAMPER_RECOUNT) },
		{ "park_months", "SELECT (SELECT count(*) FROM ("
		  " SELECT park_id, month, reviews, stars FROM park_months WHERE reviews <> 0"
		  " EXCEPT SELECT park_id, substr(review_created_at, 1, 7), count(*), sum(stars) FROM ratings"
		  "  WHERE title IS NOT NULL AND hidden = 0 GROUP BY 1, 2))"
		  " + (SELECT count(*) FROM ("
		  " SELECT park_id, substr(review_created_at, 1, 7), count(*), sum(stars) FROM ratings"
		  "  WHERE title IS NOT NULL AND hidden = 0 GROUP BY 1, 2"
		  " EXCEPT SELECT park_id, month, reviews, stars FROM park_months))" },
		{ "park_visit_months", "SELECT (SELECT count(*) FROM ("
		  " SELECT park_id, month, visits, stars FROM park_visit_months WHERE visits <> 0"
		  " EXCEPT SELECT park_id, CAST(substr(visited_on, 6, 2) AS INTEGER), count(*), sum(stars)"
		  "  FROM ratings WHERE title IS NOT NULL AND hidden = 0 AND visited_on IS NOT NULL GROUP BY 1, 2))"
		  " + (SELECT count(*) FROM ("
		  " SELECT park_id, CAST(substr(visited_on, 6, 2) AS INTEGER), count(*), sum(stars) FROM ratings"
		  "  WHERE title IS NOT NULL AND hidden = 0 AND visited_on IS NOT NULL GROUP BY 1, 2"
		  " EXCEPT SELECT park_id, month, visits, stars FROM park_visit_months))" },
		{ "daily_counts", "SELECT count(*) FROM daily_counts d WHERE"
		  " ratings <> (SELECT count(*) FROM ratings WHERE substr(rated_at, 1, 10) = d.day AND hidden = 0)"
		  " OR reviews <> (SELECT count(*) FROM ratings WHERE title IS NOT NULL AND hidden = 0"
		  "    AND substr(review_created_at, 1, 10) = d.day)" },
	};
	for (size_t k = 0; k < sizeof(recounts) / sizeof(recounts[0]); k++) {
		sqlite3_stmt *st;
		int bad = -1;
		if (sqlite3_prepare_v2(db, recounts[k].sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			bad = sqlite3_column_int(st, 0);
		else
			printf("# %s\n", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		is_int(bad, 0, "%s equals a recount of the rows", recounts[k].what);
	}
}

/* Last: over the statements the cases above made the app prepare. */
static void
test_no_full_scans(void)
{
	static const char *const big[] = { "ratings", "r", "helpful_votes", "reports", "rp", "moderation_log", NULL };
	check_no_full_scans("ratings, votes or reports", 10, big);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_figures_of_an_empty_site),
	TAP_CASE(test_figures_follow_random_writes),
	TAP_CASE(test_kept_figures_equal_a_recount),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
