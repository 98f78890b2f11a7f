/* group.h: group commit for the write pool. The pool's accept thread (or threads) reads requests
 * and runs the checks that need no database (router_precheck) while the database thread runs the
 * previous ones, then hands each request to that one thread, which owns the connection. That
 * thread takes whatever is queued as one group: it opens one write transaction (db_group_begin),
 * runs each request (router_run) with its writes in a savepoint of its own, and commits once for
 * all of them, with synchronous=FULL as before. A request is handed back for its answer only once
 * its group is committed, so no answer leaves before its write is durable; when the COMMIT fails,
 * every request of the group answers with that error. */
#ifndef FROSTBYTE_GROUP_H
#define FROSTBYTE_GROUP_H

#include <stddef.h>

#include "router.h"

/* Starts the database thread; from then on only it uses the connection (db.h), until group_stop.
 * It alone takes SIGALRM (the write lock's wait): the other threads block it. Returns 0, or -1
 * when the thread cannot be created. */
int group_start(void);
/* Runs the requests still queued, then ends the database thread. */
void group_stop(void);
/* A request for the database thread: router_run(rq, rs, route) in the next group, then, once the
 * group is committed or has failed (rs then holds the error), done(job), also on the database
 * thread, which sends the answer. Until done is called the job, rq and rq's arena are the database
 * thread's. */
struct group_job {
	struct request *rq;
	struct response *rs;
	const struct route *route;
	void (*done)(struct group_job *job);
	struct group_job *next;
};
/* Queues job for the next group and returns at once. Any number of threads may call it. */
void group_submit(struct group_job *job);
/* How many requests are queued for the next group (for the tests). */
size_t group_pending(void);

#endif
