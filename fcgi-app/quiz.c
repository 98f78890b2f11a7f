/* quiz.c: the park quiz. Each answer is scored against every park's traits (schema/002_parks.sql),
 * so any park can come out on top; the rule is integer arithmetic, so the same answers always
 * give the same parks.
 *
 * Scoring. A park lists its traits most characteristic first, so an option that names a trait
 * value earns match points by where the park lists it: first 4, second 3, third 2, later 1,
 * absent 0 (an option naming two values takes the better). The points are weighted per
 * question: climate x3, terrain x3, water x2, activity x2, lodging x1, wildlife wanted x2 times
 * a multiplier from wildlife interest (very 2, somewhat 1, not very 1, not at all 0). Wildlife
 * interest also scores on its own: very +8 and somewhat +4 when the park lists wildlife viewing,
 * not at all +8 when it does not. "No wildlife, just scenery" earns 16 when the park does not
 * list wildlife viewing. Highest total wins; ties go to the lower park id. The score is the
 * total as a percentage of the most those answers could earn. */
#include "quiz.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "body.h"
#include "db.h"
#include "json.h"
#include "page.h"
#include "parks.h"

enum { Q_CLIMATE, Q_TERRAIN, Q_WATER, Q_ACTIVITY, Q_INTEREST, Q_LODGING, Q_WANTED };
enum { INTEREST_VERY, INTEREST_SOMEWHAT, INTEREST_NOT_VERY, INTEREST_NOT_AT_ALL };
#define WANTED_NONE 4

struct option {
	const char *id, *text;
	const char *phrase;        /* why it matched, for the explanation */
	const char *values[2];     /* trait values it names */
};

struct question {
	const char *id, *text;
	const char *trait;         /* key in parks.traits; NULL for wildlife interest */
	int weight;
	int noptions;
	struct option options[QUIZ_MAX_OPTIONS];
};

static const struct question questions[QUIZ_QUESTIONS] = {
	{ "climate", "What weather do you like best on a trip?", "climate", 3, 4, {
		{ "cold", "Crisp and cold, snow is welcome", "cold climate", { "cold" } },
		{ "cool", "Cool and breezy", "cool climate", { "cool" } },
		{ "warm", "Warm and sunny", "warm climate", { "warm" } },
		{ "rainy", "Mild, with rain and mist", "rainy climate", { "rainy" } },
	} },
	{ "terrain", "Which landscape draws you in?", "terrain", 3, 11, {
		{ "mountains", "High mountains", "mountains", { "mountains" } },
		{ "glaciers", "Glaciers and ice fields", "glaciers", { "glaciers" } },
		{ "forest", "Deep forest", "forest", { "forest" } },
		{ "plains", "Open prairie", "prairie", { "plains" } },
		{ "wetlands", "Swamps and wetlands", "wetlands", { "wetlands" } },
		{ "beach", "Sandy beaches", "beaches", { "beach" } },
		{ "islands", "Islands", "islands", { "islands" } },
		{ "desert", "Desert", "desert", { "desert" } },
		{ "canyon", "Canyons and cliffs", "canyons", { "canyon" } },
		{ "volcanic", "Volcanoes and lava", "volcanoes", { "volcanic" } },
		{ "caves", "Caves underground", "caves", { "caves" } },
	} },
	{ "water", "How close to water do you want to be?", "water", 2, 4, {
		{ "ocean", "Right by the sea", "the sea", { "ocean" } },
		{ "lakes_rivers", "On a lake or a river", "lakes and rivers", { "lakes_rivers" } },
		{ "streams", "Near creeks and waterfalls", "creeks", { "streams" } },
		{ "none", "Dry country suits me", "dry country", { "none" } },
	} },
	{ "activity", "What would you most like to do there?", "activities", 2, 10, {
		{ "hiking", "Hiking", "hiking", { "hiking" } },
		{ "climbing", "Climbing and scrambling", "climbing", { "climbing" } },
		{ "boating", "Boating or paddling", "boating", { "boating" } },
		{ "fishing", "Fishing", "fishing", { "fishing" } },
		{ "swimming", "Swimming", "swimming", { "swimming" } },
		{ "snorkeling", "Snorkeling", "snorkeling", { "snorkeling" } },
		{ "stargazing", "Stargazing", "dark skies", { "stargazing" } },
		{ "scenic_drives", "Scenic drives", "scenic drives", { "scenic_drives" } },
		{ "caving", "Exploring caves", "cave tours", { "caving" } },
		{ "wildlife_viewing", "Watching wildlife", "wildlife watching", { "wildlife_viewing" } },
	} },
	{ "wildlife_interest", "How much does seeing wildlife matter to you?", NULL, 1, 4, {
		{ "very", "A lot: it is why I go", "wildlife watching", { NULL } },
		{ "somewhat", "Somewhat", "wildlife watching", { NULL } },
		{ "not_very", "Not much", NULL, { NULL } },
		{ "not_at_all", "Not at all", "landscapes over wildlife", { NULL } },
	} },
	{ "lodging", "Where would you like to sleep?", "lodging", 1, 5, {
		{ "tent", "A tent at a campground", "tent camping", { "tent" } },
		{ "rv", "An RV or camper van", "RV sites", { "rv" } },
		{ "lodge", "A lodge or cabin", "lodges", { "lodge" } },
		{ "backcountry", "A remote backcountry site", "backcountry camping", { "backcountry" } },
		{ "beach_camping", "A tent on the beach", "beach camping", { "beach_camping" } },
	} },
	{ "wildlife_wanted", "Which animals would you most like to see?", "wildlife", 2, 5, {
		{ "large_mammals", "Big animals: bears, bison, moose", "large mammals", { "large_mammals" } },
		{ "marine_life", "Sea life: reef fish, turtles, whales", "marine life", { "marine_life" } },
		{ "birds", "Birds", "birds", { "birds" } },
		{ "small_creatures", "Small creatures and reptiles", "small creatures",
		  { "small_creatures", "reptiles" } },
		{ "none", "None, I am there for the scenery", "landscapes over wildlife", { NULL } },
	} },
};

static const int interest_multiplier[4] = { 2, 1, 1, 0 };
static const int interest_max[4] = { 8, 4, 0, 8 };

const char *
quiz_question_id(int q)
{
	return questions[q].id;
}

int
quiz_option_count(int q)
{
	return questions[q].noptions;
}

const char *
quiz_option_id(int q, int o)
{
	return questions[q].options[o].id;
}

/* Match points of a trait list (a JSON array, most characteristic first) for one option. */
static uint8_t
match_points(const cJSON *list, const struct option *opt)
{
	int best = 0, pos = 0;
	for (const cJSON *it = list ? list->child : NULL; it != NULL; it = it->next, pos++) {
		if (!cJSON_IsString(it))
			continue;
		for (int v = 0; v < 2 && opt->values[v] != NULL; v++)
			if (strcmp(it->valuestring, opt->values[v]) == 0 && 4 - (pos < 3 ? pos : 3) > best)
				best = 4 - (pos < 3 ? pos : 3);
	}
	return (uint8_t)best;
}

static void
park_points(struct quiz_park *p, const cJSON *traits)
{
	const cJSON *acts = cJSON_GetObjectItemCaseSensitive(traits, "activities");
	static const struct option viewing = { .values = { "wildlife_viewing" } };
	p->wildlife_viewing = match_points(acts, &viewing) > 0;
	for (int q = 0; q < QUIZ_QUESTIONS; q++) {
		const struct question *qu = &questions[q];
		const cJSON *list = qu->trait ? cJSON_GetObjectItemCaseSensitive(traits, qu->trait) : NULL;
		for (int o = 0; o < qu->noptions; o++)
			p->pts[q][o] = match_points(list, &qu->options[o]);
	}
	bool wv = p->wildlife_viewing;
	p->pts[Q_INTEREST][INTEREST_VERY] = wv ? 8 : 0;
	p->pts[Q_INTEREST][INTEREST_SOMEWHAT] = wv ? 4 : 0;
	p->pts[Q_INTEREST][INTEREST_NOT_VERY] = 0;
	p->pts[Q_INTEREST][INTEREST_NOT_AT_ALL] = wv ? 0 : 8;
	p->pts[Q_WANTED][WANTED_NONE] = wv ? 0 : 4;
}

static const char SQL_TRAITS[] = "SELECT id, name, traits FROM parks ORDER BY id";

int
quiz_load(struct arena *a, struct quiz_park **parks, size_t *n)
{
	sqlite3_stmt *st = db_stmt(SQL_TRAITS);
	size_t cap = 64;
	struct quiz_park *out = arena_alloc(a, cap * sizeof(*out));
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct quiz_park *more = arena_alloc(a, 2 * cap * sizeof(*out));
			memcpy(more, out, cap * sizeof(*out));
			out = more;
			cap *= 2;
		}
		struct quiz_park *p = &out[(*n)++];
		memset(p, 0, sizeof(*p));
		p->id = sqlite3_column_int64(st, 0);
		p->name = db_text(a, st, 1);
		cJSON *traits = cJSON_ParseWithLength((const char *)sqlite3_column_text(st, 2),
						      (size_t)sqlite3_column_bytes(st, 2));
		park_points(p, traits);
		cJSON_Delete(traits);
	}
	db_done(st);
	*parks = out;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* What question q adds to a park's total for these answers. */
static int
contribution(const struct quiz_park *p, const uint8_t answer[QUIZ_QUESTIONS], int q)
{
	int w = questions[q].weight;
	if (q == Q_WANTED)
		w *= answer[Q_WANTED] == WANTED_NONE ? 2 : interest_multiplier[answer[Q_INTEREST]];
	return w * p->pts[q][answer[q]];
}

static int
total(const struct quiz_park *p, const uint8_t answer[QUIZ_QUESTIONS])
{
	int sum = 0;
	for (int q = 0; q < QUIZ_QUESTIONS; q++)
		sum += contribution(p, answer, q);
	return sum;
}

void
quiz_rank(const struct quiz_park *parks, size_t n, const uint8_t answer[QUIZ_QUESTIONS],
	  struct quiz_pick *out)
{
	int top[3] = { -1, -1, -1 };
	memset(out, 0, sizeof(*out));
	/* Parks come in id order, so a later park enters only with strictly more points. */
	for (size_t i = 0; i < n; i++) {
		int t = total(&parks[i], answer);
		for (int k = 0; k < 3; k++) {
			if (t > top[k]) {
				for (int j = 2; j > k; j--) {
					top[j] = top[j - 1];
					out->best[j] = out->best[j - 1];
				}
				top[k] = t;
				out->best[k] = i;
				break;
			}
		}
	}
	int max = 0;
	for (int q = 0; q < QUIZ_QUESTIONS; q++)
		if (q != Q_INTEREST && q != Q_WANTED)
			max += questions[q].weight * 4;
	max += interest_max[answer[Q_INTEREST]];
	max += questions[Q_WANTED].weight * 4 *
	       (answer[Q_WANTED] == WANTED_NONE ? 2 : interest_multiplier[answer[Q_INTEREST]]);
	out->points = top[0];
	out->score = (100 * top[0] + max / 2) / max;
}

const char *
quiz_explain(struct arena *a, const struct quiz_park *p, const uint8_t answer[QUIZ_QUESTIONS])
{
	/* The four answers that earned most, biggest first, earlier questions first on ties. */
	const char *phrase[4];
	int np = 0;
	bool used[QUIZ_QUESTIONS] = { false };
	while (np < 4) {
		int pick = -1, best = 0;
		for (int q = 0; q < QUIZ_QUESTIONS; q++) {
			int c = contribution(p, answer, q);
			if (!used[q] && c > best && questions[q].options[answer[q]].phrase != NULL)
				pick = q, best = c;
		}
		if (pick < 0)
			break;
		used[pick] = true;
		const char *ph = questions[pick].options[answer[pick]].phrase;
		bool dup = false;
		for (int i = 0; i < np; i++)
			dup = dup || strcmp(phrase[i], ph) == 0;
		if (!dup)
			phrase[np++] = ph;
	}
	if (np == 0)
		return arena_printf(a, "%s came closest, though none of your answers matched it strongly.",
				    p->name);
	const char *list = phrase[0];
	for (int i = 1; i < np; i++)
		list = arena_printf(a, "%s%s%s", list, i == np - 1 ? " and " : ", ", phrase[i]);
	return arena_printf(a, "%s matches you on %s.", p->name, list);
}

int
quiz_get(struct request *rq, struct response *rs)
{
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_key(&w, "questions");
	jw_array(&w);
	for (int q = 0; q < QUIZ_QUESTIONS; q++) {
		jw_object(&w);
		jw_kstring(&w, "id", questions[q].id);
		jw_kstring(&w, "text", questions[q].text);
		jw_key(&w, "options");
		jw_array(&w);
		for (int o = 0; o < questions[q].noptions; o++) {
			jw_object(&w);
			jw_kstring(&w, "id", questions[q].options[o].id);
			jw_kstring(&w, "text", questions[q].options[o].text);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	return resp_json(rs, 200, &w);
}

/* Reads {"answers":{question: option, ...}}: every question answered with one of its options. */
static int
read_answers(struct request *rq, struct response *rs, uint8_t answer[QUIZ_QUESTIONS])
{
	static const char *const fields[] = { "answers", NULL };
	int status;
	if ((status = json_parse_body(rq, rs, fields)) != 0)
		return status;
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(rq->json, "answers");
	if (obj == NULL || cJSON_IsNull(obj))
		return resp_error(rq, rs, 400, "missing_field", "answers", "Field \"answers\" is required.");
	if (!cJSON_IsObject(obj))
		return resp_error(rq, rs, 400, "invalid_field", "answers",
				  "Field \"answers\" must be an object of question id to option id.");
	bool seen[QUIZ_QUESTIONS] = { false };
	for (const cJSON *it = obj->child; it != NULL; it = it->next) {
		int q = 0;
		while (q < QUIZ_QUESTIONS && strcmp(questions[q].id, it->string) != 0)
			q++;
		const char *field = arena_printf(rq->a, "answers.%.64s", it->string);
		if (q == QUIZ_QUESTIONS)
			return resp_error(rq, rs, 400, "unknown_field", field,
					  arena_printf(rq->a, "There is no question \"%.64s\".", it->string));
		if (seen[q])
			return resp_error(rq, rs, 400, "invalid_field", field,
					  arena_printf(rq->a, "Question \"%s\" is answered twice.", questions[q].id));
		seen[q] = true;
		if (cJSON_IsNull(it))
			continue; /* unanswered: reported below as missing */
		int o = 0;
		while (cJSON_IsString(it) && o < questions[q].noptions &&
		       strcmp(questions[q].options[o].id, it->valuestring) != 0)
			o++;
		if (!cJSON_IsString(it) || o == questions[q].noptions)
			return resp_error(rq, rs, 400, "invalid_field", field,
					  arena_printf(rq->a, "Answer question \"%s\" with one of its option ids "
						       "(see GET /api/quiz).", questions[q].id));
		answer[q] = (uint8_t)o;
	}
	for (int q = 0; q < QUIZ_QUESTIONS; q++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, questions[q].id);
		if (it == NULL || cJSON_IsNull(it))
			return resp_error(rq, rs, 400, "missing_field",
					  arena_printf(rq->a, "answers.%s", questions[q].id),
					  arena_printf(rq->a, "Question \"%s\" is not answered.", questions[q].id));
	}
	return 0;
}

/* {"id"?, "answers", "park", "alternatives", "score", "explanation", "created_at"?}; id 0 and
 * created_at NULL for a result that is not stored. */
static int
result_write(struct jw *w, int64_t id, const char *answers, const int64_t park[3], int64_t score,
	     const char *explanation, const char *created_at)
{
	int rc;
	jw_object(w);
	if (id != 0)
		jw_kint(w, "id", id);
	jw_key(w, "answers");
	jw_raw(w, answers);
	jw_key(w, "park");
	if ((rc = parks_summary_write_by_id(w, park[0])) != SQLITE_ROW)
		return rc;
	jw_key(w, "alternatives");
	jw_array(w);
	for (int i = 1; i < 3; i++)
		if ((rc = parks_summary_write_by_id(w, park[i])) != SQLITE_ROW)
			return rc;
	jw_end(w);
	jw_kint(w, "score", score);
	jw_kstring(w, "explanation", explanation);
	if (created_at != NULL)
		jw_kstring(w, "created_at", created_at);
	jw_end(w);
	return SQLITE_OK;
}

static const char SQL_INSERT[] =
	"INSERT INTO quiz_results (user_id, answers, park_id, alternative1_id, alternative2_id, score,"
	" explanation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id, created_at";
static const char SQL_LIST[] =
	"SELECT id, answers, park_id, alternative1_id, alternative2_id, score, explanation, created_at"
	" FROM quiz_results WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char SQL_DELETE[] = "DELETE FROM quiz_results WHERE id = ?1 AND user_id = ?2";

int
quiz_results_create(struct request *rq, struct response *rs)
{
	uint8_t answer[QUIZ_QUESTIONS];
	int status;
	if ((status = read_answers(rq, rs, answer)) != 0)
		return status;
	struct quiz_park *parks;
	size_t n;
	int rc = quiz_load(rq->a, &parks, &n);
	if (rc != SQLITE_OK)
		return db_fail(rq, rs, rc);
	if (n < 3)
		return db_fail(rq, rs, SQLITE_CORRUPT); /* the seed holds 63 parks */
	struct quiz_pick pick;
	quiz_rank(parks, n, answer, &pick);
	const char *why = quiz_explain(rq->a, &parks[pick.best[0]], answer);
	int64_t ids[3] = { parks[pick.best[0]].id, parks[pick.best[1]].id, parks[pick.best[2]].id };

	struct jw aw;   /* the answers, canonical: question order */
	jw_init(&aw, rq->a);
	jw_object(&aw);
	for (int q = 0; q < QUIZ_QUESTIONS; q++)
		jw_kstring(&aw, questions[q].id, questions[q].options[answer[q]].id);
	jw_end(&aw);
	const char *answers = arena_strndup(rq->a, aw.buf, aw.len);

	int64_t id = 0;
	const char *created_at = NULL;
	if (rq->user != NULL) {
		if ((rc = db_begin()) != SQLITE_OK)
			return db_fail(rq, rs, rc);
		if ((status = quota_take(rq, rs, L_QUIZ)) != 0)
			return status;
		sqlite3_stmt *s = db_stmt(SQL_INSERT);
		sqlite3_bind_int64(s, 1, rq->user->id);
		sqlite3_bind_text(s, 2, answers, -1, SQLITE_STATIC);
		for (int i = 0; i < 3; i++)
			sqlite3_bind_int64(s, 3 + i, ids[i]);
		sqlite3_bind_int(s, 6, pick.score);
		sqlite3_bind_text(s, 7, why, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			id = sqlite3_column_int64(s, 0);
			created_at = db_text(rq->a, s, 1);
			rc = sqlite3_step(s); /* finish the RETURNING statement so the insert completes */
		}
		db_done(s);
		if (rc != SQLITE_DONE || (rc = db_commit()) != SQLITE_OK)
			return db_fail(rq, rs, rc);
	}
	struct jw w;
	jw_init(&w, rq->a);
	if ((rc = result_write(&w, id, answers, ids, pick.score, why, created_at)) != SQLITE_OK)
		return db_fail(rq, rs, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
	return resp_json(rs, id != 0 ? 201 : 200, &w);
}

static int
stored_write(struct jw *w, sqlite3_stmt *st, struct request *rq)
{
	int64_t ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = sqlite3_column_int64(st, 2 + i);
	/* Copies: the park lookups run other statements while this row is current. */
	int rc = result_write(w, sqlite3_column_int64(st, 0), db_text(rq->a, st, 1), ids,
			      sqlite3_column_int64(st, 5), db_text(rq->a, st, 6), db_text(rq->a, st, 7));
	return rc == SQLITE_DONE ? SQLITE_CORRUPT : rc;
}

int
quiz_results_list(struct request *rq, struct response *rs)
{
	return page_list(rq, rs, "quiz", SQL_LIST, rq->user->id, stored_write);
}

int
quiz_results_delete(struct request *rq, struct response *rs)
{
	return page_delete_own(rq, rs, SQL_DELETE, "There is no such quiz result.");
}
