/* test_quiz.c: the park quiz: questions, validation, hand-checked answers, determinism, storage,
 * ownership, and that every park is the answer to some answer set (all combinations tried). */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "harness.h"
#include "json.h"
#include "quiz.h"

/* {"answers":{...}} from seven option ids in question order. */
static const char *
answers_body(char *buf, size_t len, const char *const a[QUIZ_QUESTIONS])
{
	static const char *const ids[QUIZ_QUESTIONS] = {
		"climate", "terrain", "water", "activity", "wildlife_interest", "lodging", "wildlife_wanted"
	};
	size_t n = (size_t)snprintf(buf, len, "{\"answers\":{");
	for (int q = 0; q < QUIZ_QUESTIONS; q++)
		n += (size_t)snprintf(buf + n, len - n, "%s\"%s\":\"%s\"", q ? "," : "", ids[q], a[q]);
	snprintf(buf + n, len - n, "}}");
	return buf;
}

struct hand {
	const char *answers[QUIZ_QUESTIONS];
	const char *slug;
	const char *why;
};

/* Hand-checked against the traits in schema/002_parks.sql (points: first-listed trait 4,
 * second 3, third 2; weights in quiz.c). */
static const struct hand hands[] = {
	/* White Sands lists warm, desert, water none, stargazing 2nd, no wildlife viewing, and
	 * only backcountry lodging: 12+12+8+6+8+4+16 = 66 of 68. */
	{ { "warm", "desert", "none", "stargazing", "not_at_all", "backcountry", "none" },
	  "white-sands", "White Sands matches you on landscapes over wildlife, warm climate, desert and dry country." },
	/* Wrangell-St. Elias: cold, mountains then glaciers, lakes and rivers, climbing 2nd,
	 * wildlife viewing, backcountry 2nd, large mammals first. */
	{ { "cold", "glaciers", "lakes_rivers", "climbing", "very", "backcountry", "large_mammals" },
	  "wrangell-st-elias", NULL },
	/* Biscayne and Dry Tortugas tie at 51 (both warm, islands first, ocean, snorkeling
	 * first, beach camping 2nd, marine life first): the lower id, Biscayne, wins. */
	{ { "warm", "islands", "ocean", "snorkeling", "somewhat", "beach_camping", "marine_life" },
	  "biscayne", NULL },
	/* ... and swimming, which Dry Tortugas lists 2nd and Biscayne 4th, tips it. */
	{ { "warm", "islands", "ocean", "swimming", "somewhat", "beach_camping", "marine_life" },
	  "dry-tortugas", NULL },
	/* Carlsbad Caverns lists caves and caving first. */
	{ { "cool", "caves", "none", "caving", "not_very", "lodge", "small_creatures" },
	  "carlsbad-caverns", NULL },
	/* Everglades: warm, wetlands first, boating, wildlife viewing, birds. */
	{ { "warm", "wetlands", "lakes_rivers", "boating", "very", "tent", "birds" },
	  "everglades", NULL },
};

static void
test_quiz_has_seven_questions(void)
{
	struct reply r = call("GET", "/api/quiz", NULL, NULL);
	is_int(r.status, 200, "GET /api/quiz answers 200");
	cJSON *qs = jget(r.json, "questions");
	is_int(cJSON_GetArraySize(qs), 7, "... with seven questions");
	static const char *const order[] = {
		"climate", "terrain", "water", "activity", "wildlife_interest", "lodging", "wildlife_wanted"
	};
	for (int q = 0; q < 7; q++) {
		cJSON *item = cJSON_GetArrayItem(qs, q);
		is_str(cJSON_GetStringValue(jget(item, "id")), order[q], "question %d is %s", q + 1, order[q]);
		cJSON *opts = jget(item, "options");
		int good = cJSON_IsString(jget(item, "text")) && cJSON_GetArraySize(opts) >= 4;
		cJSON *o;
		cJSON_ArrayForEach(o, opts)
			good = good && cJSON_IsString(jget(o, "id")) && cJSON_IsString(jget(o, "text"));
		ok(good, "... with text and at least four options, each with id and text");
	}
}

static void
test_quiz_hand_checked_answers(void)
{
	char body[1024];
	struct reply r;
	for (size_t i = 0; i < sizeof(hands) / sizeof(hands[0]); i++) {
		r = call("POST", "/api/quiz/results", answers_body(body, sizeof(body), hands[i].answers), NULL);
		is_int(r.status, 200, "anonymous quiz %zu answers 200", i + 1);
		is_str(cJSON_GetStringValue(jget(r.json, "park.slug")), hands[i].slug, "... the best park is %s",
		       hands[i].slug);
		if (hands[i].why != NULL)
			is_str(cJSON_GetStringValue(jget(r.json, "explanation")), hands[i].why, "... explained");
	}
}

static void
test_quiz_anonymous_result_not_stored(void)
{
	char body[1024];
	struct reply r = call("POST", "/api/quiz/results", answers_body(body, sizeof(body), hands[0].answers), NULL);
	is_int(jget(r.json, "score")->valueint, 97, "White Sands scores 66/68 = 97");
	ok(jget(r.json, "id") == NULL && jget(r.json, "created_at") == NULL, "an anonymous result has no id");
	is_int(cJSON_GetArraySize(jget(r.json, "alternatives")), 2, "... two alternatives");
	ok(cJSON_IsNumber(jget(r.json, "park.rating.count")) && cJSON_IsArray(jget(r.json, "park.states")) &&
	   jget(r.json, "park.description") == NULL, "... the park is a summary, as in the park list");
	is_str(cJSON_GetStringValue(jget(r.json, "answers.climate")), "warm", "... the answers are echoed");
	char *first = strdup(r.body);
	r = call("POST", "/api/quiz/results", answers_body(body, sizeof(body), hands[0].answers), NULL);
	is_str(r.body, first, "the same answers give the same answer, byte for byte");
	free(first);
}

/* Ann's first stored result (Wrangell-St. Elias). */
static int id1;

static void
test_quiz_results_stored_newest_first(void)
{
	const char *ann = bearer("quiz_ann"), *bob = bearer("quiz_bob");
	char body[1024], path[128];
	struct reply r = call("POST", "/api/quiz/results", answers_body(body, sizeof(body), hands[1].answers),
		 "Authorization", ann, NULL);
	is_int(r.status, 201, "a signed-in result answers 201");
	ok(cJSON_IsNumber(jget(r.json, "id")) && cJSON_IsString(jget(r.json, "created_at")), "... with id and created_at");
	id1 = jget(r.json, "id")->valueint;
	r = call("POST", "/api/quiz/results", answers_body(body, sizeof(body), hands[0].answers),
		 "Authorization", ann, NULL);
	int id2 = jget(r.json, "id")->valueint;
	r = call("GET", "/api/users/me/quiz-results", NULL, "Authorization", ann, NULL);
	is_int(r.status, 200, "GET /api/users/me/quiz-results answers 200");
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 2, "... with the caller's two results");
	is_int(jget(r.json, "items.0.id")->valueint, id2, "... newest first");
	is_str(cJSON_GetStringValue(jget(r.json, "items.1.park.slug")), "wrangell-st-elias", "... with the stored park");
	is_int(cJSON_GetArraySize(jget(r.json, "items.1.alternatives")), 2, "... and its alternatives");
	r = call("GET", "/api/users/me/quiz-results?limit=1", NULL, "Authorization", ann, NULL);
	ok(cJSON_GetArraySize(jget(r.json, "items")) == 1 && cJSON_IsString(jget(r.json, "next_cursor")),
	   "limit=1 gives one result and a cursor");
	snprintf(path, sizeof(path), "/api/users/me/quiz-results?limit=1&cursor=%s",
		 jget(r.json, "next_cursor")->valuestring);
	r = call("GET", path, NULL, "Authorization", ann, NULL);
	ok(r.status == 200 && jget(r.json, "items.0.id")->valueint == id1 && cJSON_IsNull(jget(r.json, "next_cursor")),
	   "... and the cursor the older one, last");
	r = call("GET", "/api/users/me/quiz-results?cursor=bm9wZTox", NULL, "Authorization", ann, NULL);
	ok(r.status == 400 && strcmp(err_code(&r), "invalid_cursor") == 0, "a foreign cursor answers 400 invalid_cursor");
	r = call("GET", "/api/users/me/quiz-results", NULL, "Authorization", bob, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), 0, "another user sees none of them");
}

static void
test_quiz_result_deleted_by_owner_only(void)
{
	const char *ann = bearer("quiz_ann"), *bob = bearer("quiz_bob");
	char body[1024], path[128];
	struct reply r;
	if (id1 == 0)
		id1 = jint(call("POST", "/api/quiz/results", answers_body(body, sizeof(body), hands[1].answers),
				"Authorization", ann, NULL).json, "id");
	snprintf(path, sizeof(path), "/api/users/me/quiz-results/%d", id1);
	r = call("DELETE", path, NULL, "Authorization", bob, NULL);
	ok(r.status == 404 && strcmp(err_code(&r), "not_found") == 0, "another user's DELETE answers 404");
	r = call("DELETE", path, NULL, "Authorization", ann, NULL);
	is_int(r.status, 204, "the owner's DELETE answers 204");
	r = call("DELETE", path, NULL, "Authorization", ann, NULL);
	is_int(r.status, 404, "... and then 404");
	r = call("GET", "/api/users/me/quiz-results", NULL, NULL);
	ok(r.status == 401 && strcmp(err_code(&r), "unauthenticated") == 0, "the list needs a token (401)");
	r = call("POST", "/api/quiz/results", answers_body(body, sizeof(body), hands[0].answers),
		 "Authorization", "Bearer not.a.token", NULL);
	is_int(r.status, 401, "a bad token on the optional-auth quiz answers 401, not anonymous");
}

static void
test_quiz_refuses_bad_answers(void)
{
	const char *ann = bearer("quiz_ann");
	struct reply r = call("GET", "/api/users/me/quiz-results", NULL, "Authorization", ann, NULL);
	int stored = cJSON_GetArraySize(jget(r.json, "items"));
	static const struct { const char *body, *code, *field, *desc; } bad[] = {
		{ "{}", "missing_field", "answers", "no answers" },
		{ "{\"answers\":[]}", "invalid_field", "answers", "answers as an array" },
		{ "{\"answers\":\"cold\"}", "invalid_field", "answers", "answers as a string" },
		{ "{\"answers\":{}}", "missing_field", "answers.climate", "no question answered" },
		{ "{\"answers\":{\"climate\":\"cold\",\"terrain\":\"forest\",\"water\":\"none\",\"activity\":\"hiking\","
		  "\"wildlife_interest\":\"very\",\"lodging\":\"tent\"}}", "missing_field", "answers.wildlife_wanted",
		  "one question unanswered" },
		{ "{\"answers\":{\"climate\":null,\"terrain\":\"forest\",\"water\":\"none\",\"activity\":\"hiking\","
		  "\"wildlife_interest\":\"very\",\"lodging\":\"tent\",\"wildlife_wanted\":\"birds\"}}", "missing_field",
		  "answers.climate", "a question answered null" },
		{ "{\"answers\":{\"climate\":\"tropical\"}}", "invalid_field", "answers.climate", "an unknown option" },
		{ "{\"answers\":{\"climate\":\"Cold\"}}", "invalid_field", "answers.climate", "an option in another case" },
		{ "{\"answers\":{\"climate\":1}}", "invalid_field", "answers.climate", "an option as a number" },
		{ "{\"answers\":{\"climate\":[\"cold\"]}}", "invalid_field", "answers.climate", "an option as an array" },
		{ "{\"answers\":{\"mood\":\"happy\"}}", "unknown_field", "answers.mood", "an unknown question" },
		{ "{\"answers\":{\"climate\":\"cold\",\"climate\":\"warm\"}}", "invalid_field", "answers.climate",
		  "a question answered twice" },
		{ "{\"answers\":{},\"user_id\":1}", "unknown_field", "user_id", "a user_id" },
		{ "{\"answers\":", "malformed_json", NULL, "unfinished JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = call("POST", "/api/quiz/results", bad[i].body, "Authorization", ann, NULL);
		ok(is_error(&r, 400, bad[i].code, bad[i].field), "quiz with %s: 400 %s %s", bad[i].desc, bad[i].code, bad[i].field ? bad[i].field : "");
	}
	/* An unknown question's name is echoed cut to 64 bytes: here byte 64 is inside a "…". */
	r = call("POST", "/api/quiz/results",
		 "{\"answers\":{\"" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" "\xe2\x80\xa6" "yz\":\"a\"}}",
		 "Authorization", ann, NULL);
	ok(is_error(&r, 400, "unknown_field", "answers." "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "\xe2\x80\xa6"), "a 68-byte unknown question: 400 unknown_field, its name cut before the split character");
	ok(r.body != NULL && utf8_valid(r.body, strlen(r.body)), "... and the answer is valid UTF-8");
	r = call("GET", "/api/users/me/quiz-results", NULL, "Authorization", ann, NULL);
	is_int(cJSON_GetArraySize(jget(r.json, "items")), stored, "refused answers stored nothing");
}

/* Every combination of answers, each ranked twice. */
static void
test_every_park_is_some_answer(void)
{
	struct arena a;
	arena_init(&a);
	struct quiz_park *parks;
	size_t n;
	is_int(quiz_load(&a, &parks, &n), 0, "quiz_load reads the parks");
	is_int((long long)n, 63, "... all 63 of them");

	int winner_of[64] = { 0 };
	long combos = 0, nondeterministic = 0;
	uint8_t ans[QUIZ_QUESTIONS] = { 0 };
	for (;;) {
		struct quiz_pick p1, p2;
		quiz_rank(parks, n, ans, &p1);
		quiz_rank(parks, n, ans, &p2);
		if (memcmp(&p1, &p2, sizeof(p1)) != 0 || p1.best[0] == p1.best[1] ||
		    p1.best[1] == p1.best[2] || p1.best[0] == p1.best[2] || p1.score < 0 || p1.score > 100)
			nondeterministic++;
		winner_of[parks[p1.best[0]].id]++;
		combos++;
		int q = 0; /* the next combination: an odometer over the options */
		while (q < QUIZ_QUESTIONS && ++ans[q] == quiz_option_count(q))
			ans[q++] = 0;
		if (q == QUIZ_QUESTIONS)
			break;
	}
	long want = 1;
	for (int q = 0; q < QUIZ_QUESTIONS; q++)
		want *= quiz_option_count(q);
	is_int(combos, want, "every one of the %ld answer combinations was scored", want);
	is_int(nondeterministic, 0, "... each ranks the same twice, three distinct parks, score 0..100");
	int reachable = 0;
	for (size_t i = 0; i < n; i++) {
		if (winner_of[parks[i].id] > 0)
			reachable++;
		else
			printf("# unreachable: %s (id %lld)\n", parks[i].name, (long long)parks[i].id);
	}
	is_int(reachable, 63, "every one of the 63 parks is the best match for some answer set");
	arena_destroy(&a);
}

/* Last: over the statements the cases above made the app prepare. */
static void
test_no_full_scans(void)
{
	static const char *const tables[] = { "quiz_results", "q", NULL };
	check_no_full_scans("quiz results", 5, tables);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_quiz_has_seven_questions),
	TAP_CASE(test_quiz_hand_checked_answers),
	TAP_CASE(test_quiz_anonymous_result_not_stored),
	TAP_CASE(test_quiz_results_stored_newest_first),
	TAP_CASE(test_quiz_result_deleted_by_owner_only),
	TAP_CASE(test_quiz_refuses_bad_answers),
	TAP_CASE(test_every_park_is_some_answer),
	TAP_CASE(test_no_full_scans),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
