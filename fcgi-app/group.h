/* group.h: group commit for the write pool. The pool's accept threads read requests and run the
 * checks that need no database in parallel (router_precheck), then hand each request to one
 * database thread, which owns the connection. That thread takes whatever is queued as one group:
 * it opens one write transaction (db_group_begin), runs each request (router_run) with its writes
 * in a savepoint of its own, and commits once for all of them, with synchronous=FULL as before. A
 * request returns only once its group is committed, so no answer leaves before its write is
 * durable; when the COMMIT fails, every request of the group answers with that error. */
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
/* Runs router_run(rq, rs, r) on the database thread in the next group and waits for the group's
 * commit. Returns the answer's status. Any number of threads may call it at once; rq's arena must
 * not be used by anyone else meanwhile. */
int group_run(struct request *rq, struct response *rs, const struct route *r);
/* How many requests are queued for the next group (for the tests). */
size_t group_pending(void);

#endif
