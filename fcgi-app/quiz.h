/* quiz.h: "which national park suits you?": seven questions scored against every park's traits.
 * The scoring is exposed so tests can enumerate every answer set. */
#ifndef FROSTBYTE_QUIZ_H
#define FROSTBYTE_QUIZ_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define QUIZ_QUESTIONS   7
#define QUIZ_MAX_OPTIONS 11

int quiz_get(struct request *rq, struct response *rs);
int quiz_results_create(struct request *rq, struct response *rs);
int quiz_results_list(struct request *rq, struct response *rs);
int quiz_results_delete(struct request *rq, struct response *rs);

/* The questions, in order: ids and the number of options each. */
const char *quiz_question_id(int q);
int quiz_option_count(int q);
const char *quiz_option_id(int q, int o);

/* One park as the quiz sees it: match points (0-4) for every option of every trait question. */
struct quiz_park {
	int64_t id;
	const char *name;
	uint8_t pts[QUIZ_QUESTIONS][QUIZ_MAX_OPTIONS];
	bool wildlife_viewing;   /* the park lists wildlife viewing among its activities */
};

/* Reads every park's traits into the arena, in id order. Returns SQLITE_OK or an error code. */
int quiz_load(struct arena *a, struct quiz_park **parks, size_t *n);

/* The best three parks for one answer set (option indexes, one per question), best first:
 * highest points, ties to the lower park id. score is the best park's points as a percentage of
 * the most these answers can earn. Needs n >= 3. */
struct quiz_pick {
	size_t best[3];      /* indexes into parks */
	int points, score;
};
void quiz_rank(const struct quiz_park *parks, size_t n, const uint8_t answer[QUIZ_QUESTIONS],
	       struct quiz_pick *out);
/* One sentence on why parks[i] matched these answers, into the arena. */
const char *quiz_explain(struct arena *a, const struct quiz_park *p,
			 const uint8_t answer[QUIZ_QUESTIONS]);

#endif
