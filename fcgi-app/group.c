/* group.c: group commit for the write pool (see group.h). */
#include "group.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "db.h"
#include "log.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queued = PTHREAD_COND_INITIALIZER; /* a job came, or stopping */
static struct group_job *head, **tail = &head;
static size_t pending;
static bool stopping;
static bool started;
static pthread_t thread;

/* The writes of the jobs from first up to end (NULL: the last) are gone: each answers with the
 * error of rc, whatever its handler answered. */
static void
fail_jobs(struct group_job *first, struct group_job *end, int rc)
{
	for (struct group_job *j = first; j != end; j = j->next) {
		response_init(j->rs);
		db_fail(j->rq, j->rs, rc);
	}
}

static void
run_group(struct group_job *group)
{
	struct group_job *first = NULL; /* the first job in the open group transaction */
	int rc;
	for (struct group_job *j = group; j != NULL; j = j->next) {
		if (first == NULL) {
			if ((rc = db_group_begin()) != SQLITE_OK) { /* the lock stayed taken: 503 busy */
				fail_jobs(j, NULL, rc);
				return;
			}
			first = j;
		}
		router_run(j->rq, j->rs, j->route);
		db_after_request();
		if (db_group_lost(&rc)) { /* SQLite rolled the whole transaction back (full disk, I/O) */
			fail_jobs(first, j->next, rc);
			first = NULL; /* the jobs after j start a new group transaction */
		}
	}
	if (first != NULL && (rc = db_group_commit()) != SQLITE_OK)
		fail_jobs(first, NULL, rc);
}

static void *
db_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (head == NULL && !stopping)
			pthread_cond_wait(&queued, &mu);
		if (head == NULL)
			break;
		/* The group is whatever queued up while the previous one ran and committed. */
		struct group_job *group = head;
		head = NULL;
		tail = &head;
		pending = 0;
		pthread_mutex_unlock(&mu);
		run_group(group);
		/* Answered from here rather than by waking each request's accept thread to do it: the
		 * answer leaves at once, and the accept thread has long gone back to accepting. */
		for (struct group_job *j = group, *next; j != NULL; j = next) {
			next = j->next; /* done hands j back to its owner */
			j->done(j);
		}
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
group_start(void)
{
	stopping = false;
	/* The database thread takes the write lock's SIGALRM ticks (db.h), whatever the caller
	 * blocks: it starts with SIGALRM open. */
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, &old);
	int rc = pthread_create(&thread, NULL, db_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_msg("cannot start the database thread");
		return -1;
	}
	started = true;
	return 0;
}

void
group_stop(void)
{
	if (!started)
		return;
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_signal(&queued);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	started = false;
}

void
group_submit(struct group_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&mu);
	*tail = job;
	tail = &job->next;
	pending++;
	pthread_cond_signal(&queued);
	pthread_mutex_unlock(&mu);
}

size_t
group_pending(void)
{
	pthread_mutex_lock(&mu);
	size_t n = pending;
	pthread_mutex_unlock(&mu);
	return n;
}
