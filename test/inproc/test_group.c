/* test_group.c: group commit (group.h), in-process: requests from several threads run on the one
 * database thread in one transaction and one COMMIT; a request whose statements fail undoes its own
 * writes and nobody else's; a failed COMMIT answers every request of its group with the error.
 *
 * How a group is made on purpose: the test holds the write lock (the lock file beside the
 * database), sends request A, which the database thread takes and then waits for the lock with,
 * queues B, C and D meanwhile, and lets go of the lock: A commits alone, then B, C and D as one
 * group. A commit hook counts the COMMITs (and fails one when asked). */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "group.h"
#include "harness.h"

/* One request sent from a thread of its own, as an accept thread of the write pool sends it. */
struct sent {
	const char *method, *path, *body, *authorization;
	struct arena a;
	struct request rq;
	struct response rs;
	pthread_t thread;
	atomic_bool submitted;
	struct group_job job;
	bool answered; /* under answered_mu */
};

static pthread_mutex_t answered_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t answered_cv = PTHREAD_COND_INITIALIZER;

/* The job's done: on the database thread, as fcgi.c sends its answer there. */
static void
on_answer(struct group_job *job)
{
	struct sent *s = (struct sent *)(void *)((char *)job - offsetof(struct sent, job));
	pthread_mutex_lock(&answered_mu);
	s->answered = true;
	pthread_cond_broadcast(&answered_cv);
	pthread_mutex_unlock(&answered_mu);
}

static void *
send_thread(void *arg)
{
	struct sent *s = arg;
	sigset_t alrm; /* as in fcgi.c: only the database thread takes the lock timer's ticks */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	request_init(&s->rq, &s->a);
	response_init(&s->rs);
	s->rq.method = method_parse(s->method);
	s->rq.method_name = s->method;
	s->rq.path = s->path;
	s->rq.query = "";
	s->rq.host = "127.0.0.1:8102";
	s->rq.authorization = s->authorization;
	if (s->body != NULL) {
		s->rq.body = s->body;
		s->rq.content_type = "application/json";
		s->rq.content_length = strlen(s->body);
	}
	const struct route *r;
	atomic_store(&s->submitted, true);
	if (router_precheck(&s->rq, &s->rs, &r) != 0)
		return NULL;
	s->job = (struct group_job){ .rq = &s->rq, .rs = &s->rs, .route = r, .done = on_answer };
	group_submit(&s->job);
	pthread_mutex_lock(&answered_mu);
	while (!s->answered)
		pthread_cond_wait(&answered_cv, &answered_mu);
	pthread_mutex_unlock(&answered_mu);
	return NULL;
}

static void
send_async(struct sent *s, const char *method, const char *path, const char *body, const char *auth)
{
	s->method = method;
	s->path = path;
	s->body = body;
	s->authorization = auth;
	arena_init(&s->a);
	atomic_store(&s->submitted, false);
	s->answered = false;
	if (pthread_create(&s->thread, NULL, send_thread, s) != 0) {
		printf("Bail out! pthread_create\n");
		exit(1);
	}
}

static int
answer(struct sent *s)
{
	pthread_join(s->thread, NULL);
	return s->rs.status;
}

static const char *
error_code(struct sent *s)
{
	static char code[64];
	cJSON *j = cJSON_ParseWithLength(s->rs.body ? s->rs.body : "", s->rs.body_len);
	cJSON *c = jget(j, "error.code");
	snprintf(code, sizeof(code), "%s", cJSON_IsString(c) ? c->valuestring : "");
	cJSON_Delete(j);
	return code;
}

static void
done(struct sent *s)
{
	arena_destroy(&s->a);
}

static atomic_int commits;      /* COMMITs seen by the hook */
static atomic_int fail_commit;  /* the hook refuses the COMMIT with this number (0: none) */

static int
commit_hook(void *arg)
{
	(void)arg;
	int n = atomic_fetch_add(&commits, 1) + 1;
	return n == atomic_load(&fail_commit); /* non-zero turns the COMMIT into a ROLLBACK */
}

static int lock_fd = -1;

static void
hold_write_lock(void)
{
	char path[600];
	snprintf(path, sizeof(path), "%s.lock", config.database);
	lock_fd = open(path, O_RDWR | O_CLOEXEC);
	ok(lock_fd >= 0 && flock(lock_fd, LOCK_EX) == 0, "the test holds the write lock");
}

static void
release_write_lock(void)
{
	flock(lock_fd, LOCK_UN);
	close(lock_fd);
	lock_fd = -1;
}

static void
wait_until(bool (*cond)(void))
{
	for (int i = 0; i < 2000 && !cond(); i++)
		usleep(1000);
}

static struct sent *first;
static bool first_submitted(void) { return atomic_load(&first->submitted); }
static bool nothing_pending(void) { return group_pending() == 0; }
static bool three_pending(void) { return group_pending() == 3; }

/* Sends a alone into a group that waits for the lock, then b, c and d, which queue up behind it
 * as the next group; then lets the lock go. The commit counter starts at zero. */
static void
send_in_two_groups(struct sent *a, struct sent *b, struct sent *c, struct sent *d,
		   const char *const req[4][4])
{
	atomic_store(&commits, 0);
	sqlite3_commit_hook(db, commit_hook, NULL);
	ok(group_start() == 0, "the database thread starts");
	hold_write_lock();
	first = a;
	send_async(a, req[0][0], req[0][1], req[0][2], req[0][3]);
	wait_until(first_submitted);
	usleep(20000); /* a reaches the queue, */
	wait_until(nothing_pending); /* and the database thread takes it and waits for the lock */
	send_async(b, req[1][0], req[1][1], req[1][2], req[1][3]);
	send_async(c, req[2][0], req[2][1], req[2][2], req[2][3]);
	send_async(d, req[3][0], req[3][1], req[3][2], req[3][3]);
	wait_until(three_pending);
	is_int((long long)group_pending(), 3, "b, c and d queue up while a's group waits for the lock");
	release_write_lock();
	answer(a), answer(b), answer(c), answer(d);
	group_stop(); /* the connection is the test's again */
	sqlite3_commit_hook(db, NULL, NULL);
}

static void
test_queued_requests_commit_once(void)
{
	const char *u1 = bearer("gina"), *u2 = bearer("hal"), *u3 = bearer("ivy"), *u4 = bearer("jon");
	struct sent a, b, c, d;
	const char *const req[4][4] = {
		{ "PUT", "/api/parks/3/rating", "{\"stars\":5}", u1 },
		{ "PUT", "/api/parks/3/rating", "{\"stars\":4}", u2 },
		{ "PUT", "/api/parks/3/rating", "{\"stars\":3}", u3 },
		{ "PUT", "/api/parks/3/rating", "{\"stars\":2}", u4 },
	};
	send_in_two_groups(&a, &b, &c, &d, req);
	is_int(a.rs.status, 201, "a: 201");
	is_int(b.rs.status, 201, "b: 201");
	is_int(c.rs.status, 201, "c: 201");
	is_int(d.rs.status, 201, "d: 201");
	is_int(atomic_load(&commits), 2, "two COMMITs for four writes: a's group, then b, c and d's");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 3"), 4, "... all four rows");
	is_int(count_rows("SELECT sum(stars) FROM ratings WHERE park_id = 3"), 14, "... with their stars");
	done(&a), done(&b), done(&c), done(&d);
}

static void
test_failing_request_rolls_back_alone(void)
{
	const char *u1 = bearer("kim"), *u2 = bearer("lee"), *u3 = bearer("max"), *u4 = bearer("ned");
	/* max rated park 5 before; his review of it moves the rating to a new row (DELETE, then
	 * INSERT), and the test makes that INSERT fail: the DELETE must be undone too. */
	struct reply r = call("PUT", "/api/parks/5/rating", "{\"stars\":2}", "Authorization", u3, NULL);
	is_int(r.status, 201, "max rates park 5 first");
	long long max_row = count_rows("SELECT id FROM ratings WHERE park_id = 5 AND user_id ="
				       " (SELECT id FROM users WHERE username = 'max')");
	long long stats = count_rows("SELECT total FROM park_stats WHERE park_id = 5");
	ok(sqlite3_exec(db, "CREATE TRIGGER test_refuse BEFORE INSERT ON ratings"
			    " WHEN NEW.park_id = 5 AND NEW.title IS NOT NULL"
			    " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END", NULL, NULL, NULL) == SQLITE_OK,
	   "a trigger refuses reviews of park 5");
	struct sent a, b, c, d;
	const char *const req[4][4] = {
		{ "PUT", "/api/parks/4/rating", "{\"stars\":5}", u1 },
		{ "PUT", "/api/parks/4/rating", "{\"stars\":4}", u2 },
		{ "POST", "/api/parks/5/reviews",
		  "{\"stars\":3,\"title\":\"Windy\",\"body\":\"Tents flew away.\"}", u3 },
		{ "PUT", "/api/parks/4/rating", "{\"stars\":3}", u4 },
	};
	send_in_two_groups(&a, &b, &c, &d, req);
	sqlite3_exec(db, "DROP TRIGGER test_refuse", NULL, NULL, NULL);
	is_int(b.rs.status, 201, "b, before the failing request in its group: 201");
	is_int(c.rs.status, 500, "c, whose INSERT fails: 500");
	is_str(error_code(&c), "internal_error", "... internal_error");
	is_int(d.rs.status, 201, "d, after it in the same group: 201");
	is_int(atomic_load(&commits), 2, "... b, c and d were one group");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 4"), 3, "a's, b's and d's rows are kept");
	is_int(count_rows(sfmt("SELECT count(*) FROM ratings WHERE id = %lld AND stars = 2 AND title IS NULL",
			       max_row)), 1, "c's DELETE is undone: max's rating keeps its row and stars");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 5"), 1, "... and no review of park 5");
	is_int(count_rows("SELECT total FROM park_stats WHERE park_id = 5"), stats,
	       "... and park 5's kept figures are unchanged");
	done(&a), done(&b), done(&c), done(&d);
}

static void
test_failed_commit_answers_the_whole_group(void)
{
	const char *u1 = bearer("olga"), *u2 = bearer("pam"), *u3 = bearer("quinn"), *u4 = bearer("rex");
	atomic_store(&fail_commit, 2); /* the second COMMIT: b, c and d's group */
	struct sent a, b, c, d;
	const char *const req[4][4] = {
		{ "PUT", "/api/parks/6/rating", "{\"stars\":5}", u1 },
		{ "PUT", "/api/parks/6/rating", "{\"stars\":4}", u2 },
		{ "PUT", "/api/parks/6/rating", "{\"stars\":3}", u3 },
		{ "PUT", "/api/parks/6/rating", "{\"stars\":2}", u4 },
	};
	send_in_two_groups(&a, &b, &c, &d, req);
	atomic_store(&fail_commit, 0);
	is_int(a.rs.status, 201, "a, committed in its own group: 201");
	is_int(b.rs.status, 500, "b, in the group whose COMMIT fails: 500");
	is_str(error_code(&b), "internal_error", "... internal_error");
	is_int(c.rs.status, 500, "c: 500 too");
	is_int(d.rs.status, 500, "d: 500 too");
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 6"), 1, "only a's row is in the database");
	is_int(count_rows("SELECT n FROM park_stats WHERE park_id = 6"), 1, "... and in the kept figures");

	/* The next group works again. */
	struct sent e;
	ok(group_start() == 0, "the database thread starts again");
	send_async(&e, "PUT", "/api/parks/6/rating", "{\"stars\":2}", u4);
	is_int(answer(&e), 201, "a later write by d's user: 201");
	group_stop();
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 6"), 2, "... and its row is kept");
	done(&a), done(&b), done(&c), done(&d), done(&e);
}

static void
test_group_checks_token_and_session(void)
{
	const char *u = bearer("sam");
	ok(group_start() == 0, "the database thread starts");
	struct sent a, b, c;
	send_async(&a, "PUT", "/api/parks/7/rating", "{\"stars\":4}", "Bearer not.a.token");
	send_async(&b, "DELETE", "/api/session", NULL, u);
	is_int(answer(&a), 401, "a bad token is refused before the database thread: 401");
	is_int(answer(&b), 204, "signing out through the group: 204");
	send_async(&c, "PUT", "/api/parks/7/rating", "{\"stars\":4}", u);
	is_int(answer(&c), 401, "the ended session is refused on the database thread: 401");
	group_stop();
	is_int(count_rows("SELECT count(*) FROM ratings WHERE park_id = 7"), 0, "... and nothing is written");
	done(&a), done(&b), done(&c);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_queued_requests_commit_once),
	TAP_CASE(test_failing_request_rolls_back_alone),
	TAP_CASE(test_failed_commit_answers_the_whole_group),
	TAP_CASE(test_group_checks_token_and_session),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
