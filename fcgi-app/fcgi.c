/* fcgi.c: the FastCGI boundary: params and body -> struct request; struct response -> FastCGI
 * output; the accept loop, or the write pool's accept threads. The only file that includes fcgiapp.h. */
#include "fcgi.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>

#include "db.h"
#include "group.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "router.h"

static const char *
param(struct arena *a, FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);
	return v ? arena_strdup(a, v) : NULL; /* params die at FCGX_Finish_r */
}

/* nginx's $request_id is 32 hex digits; anything else (a hand-made FastCGI request) is not
 * copied into the log line. */
static const char *
request_id(struct arena *a, const char *v)
{
	size_t n = v != NULL ? strspn(v, "0123456789abcdefABCDEF") : 0;
	return n > 0 && n <= 64 && v[n] == '\0' ? arena_strdup(a, v) : NULL;
}

/* Parses CONTENT_LENGTH strictly: digits only, no sign, no overflow. Absent means 0. */
static bool
parse_length(const char *s, uint64_t *out)
{
	*out = 0;
	if (s == NULL || *s == '\0')
		return true;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || *out > (UINT64_MAX - 9) / 10)
			return false;
		*out = *out * 10 + (uint64_t)(*s - '0');
	}
	return true;
}

/* Fills rq from the FastCGI request. Returns 0, or an error status already written to rs. */
static int
read_request(FCGX_Request *fr, struct request *rq, struct response *rs)
{
	struct arena *a = rq->a;
	rq->method_name = param(a, fr, "REQUEST_METHOD");
	rq->method = method_parse(rq->method_name);
	if (rq->method_name == NULL)
		rq->method_name = "?";
	rq->path = param(a, fr, "DOCUMENT_URI");
	if (rq->path == NULL)
		rq->path = param(a, fr, "SCRIPT_NAME");
	if (rq->path == NULL)
		rq->path = "/";
	rq->query = param(a, fr, "QUERY_STRING");
	if (rq->query == NULL)
		rq->query = "";
	rq->content_type = param(a, fr, "CONTENT_TYPE");
	rq->authorization = param(a, fr, "HTTP_AUTHORIZATION");
	rq->cookie = param(a, fr, "HTTP_COOKIE");
	rq->origin = param(a, fr, "HTTP_ORIGIN");
	rq->sec_fetch_site = param(a, fr, "HTTP_SEC_FETCH_SITE");
	rq->host = param(a, fr, "HTTP_HOST");
	rq->remote_addr = param(a, fr, "REMOTE_ADDR");
	rq->request_id = request_id(a, FCGX_GetParam("REQUEST_ID", fr->envp));
	const char *https = FCGX_GetParam("HTTPS", fr->envp);
	rq->https = https != NULL && strcasecmp(https, "on") == 0;
	const char *gzip = FCGX_GetParam("FROSTBYTE_GZIP", fr->envp);
	rq->gzip = gzip != NULL && strcmp(gzip, "gzip") == 0;

	if (!parse_length(FCGX_GetParam("CONTENT_LENGTH", fr->envp), &rq->content_length))
		return resp_error(rq, rs, 400, "bad_request", NULL, "Content-Length is not a number.");
	if (rq->content_length == 0 || rq->content_length > router_body_max(rq))
		return 0; /* the router answers 413 for an oversized body, before anything reads it */

	size_t want = (size_t)rq->content_length, got = 0;
	char *buf = arena_alloc(a, want + 1);
	while (got < want) {
		int n = FCGX_GetStr(buf + got, (int)(want - got), fr->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (got != want)
		return resp_error(rq, rs, 400, "bad_request", NULL,
				  "The request body is shorter than its Content-Length.");
	rq->body = buf;
	return 0;
}

static void
write_response(FCGX_Request *fr, struct request *rq, struct response *rs)
{
	char head[2048];
	int n = snprintf(head, sizeof(head), "Status: %d %s\r\n", rs->status, status_text(rs->status));
	if (rs->content_type != NULL)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Type: %s; charset=utf-8\r\n",
			      rs->content_type);
	n += snprintf(head + n, sizeof(head) - (size_t)n,
		      "Content-Length: %zu\r\nCache-Control: %s\r\n", rs->body_len, rs->cache_control);
	for (int i = 0; i < rs->nheaders && (size_t)n < sizeof(head); i++)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "%s: %s\r\n", rs->headers[i].name,
			      rs->headers[i].value);
	if ((size_t)n + 3 > sizeof(head)) {
		log_msg("response headers too long for %s; answering 500", rq->route ? rq->route : rq->path);
		n = snprintf(head, sizeof(head), "Status: 500 Internal Server Error\r\nContent-Length: 0\r\n");
		rs->status = 500;
		rs->body_len = 0;
	}
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	/* -1 means the client went away; nothing more to do for this request. */
	if (FCGX_PutStr(head, n, fr->out) < 0)
		return;
	if (rs->body_len > 0 && rq->method != M_HEAD)
		FCGX_PutStr(rs->body, (int)rs->body_len, fr->out);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Whether the request's input has been read to its end, so that closing at once cannot reset the
 * connection (finish). A body the app did not read (413) or that came short leaves it unread. */
static bool
read_to_end(FCGX_Request *fr, const struct request *rq)
{
	return (rq->content_length == 0 || rq->body != NULL) && FCGX_GetChar(fr->in) == EOF;
}

/* Closes the connection. libfcgi's close is a lingering one: it shuts its side and reads until
 * nginx hangs up (up to 2 s), so that input the app never read cannot reset the connection under
 * the answer. nginx hangs up only after reading the answer on its next turn round its event loop,
 * and meanwhile the worker sat idle: 2.8 ms at the median of a write in the mix (bench/README.md).
 * With the input read to its end nothing is left to reset, so the connection is closed at once. */
static void
finish(FCGX_Request *fr, bool read_all)
{
	if (read_all)
		FCGX_Detach(fr);
	FCGX_Finish_r(fr);
}

/* Sends rs, counts it, finishes the request and logs it. t0: when the request was accepted. */
static void
answer(FCGX_Request *fr, struct request *rq, struct response *rs, double t0, bool read_all)
{
	write_response(fr, rq, rs);
	/* Counted before FCGX_Finish_r sends the answer: a client that scrapes right after its
	 * answer must find the request counted. */
	double ms = now_ms() - t0;
	metrics_request(rq->route_id, rs->status, ms);
	finish(fr, read_all);
	log_request(method_name(rq->method), rq->route, rs->status, ms, rq->user ? rq->user->id : 0,
		    rq->request_id);
}

/* One request of a pool without threads: read it, route it, answer it. */
static void
serve(FCGX_Request *fr, struct arena *a)
{
	double t0 = now_ms();
	struct request rq;
	struct response rs;
	request_init(&rq, a);
	response_init(&rs);
	if (read_request(fr, &rq, &rs) == 0)
		router_dispatch(&rq, &rs);
	answer(fr, &rq, &rs, t0, read_to_end(fr, &rq));
	db_after_request(); /* the database thread does this after each of its requests */
	arena_reset(a);
}

static atomic_bool closing; /* SIGTERM or SIGUSR1 came: finish the requests in hand, take no more */

/* Only interrupts an accept thread's accept (FCGI_FAIL_ACCEPT_ON_INTR), so it sees `closing`. */
static void
on_wake(int sig)
{
	(void)sig;
}

/* The write pool's requests in flight. An accept thread fills a free slot and queues it for the
 * database thread, which answers it once its group is durable and frees it: the accept thread
 * takes the next slot and accepts again meanwhile, so while a group commits the requests for the
 * next one are already being read. WRITE_SLOTS bounds a group; a thread that finds no free slot
 * waits for one. */
#define WRITE_SLOTS 16
struct slot {
	FCGX_Request fr;
	struct arena a;
	struct request rq;
	struct response rs;
	double t0;
	bool read_all;
	struct group_job job;
	struct slot *next_free;
};

static pthread_mutex_t slot_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_freed = PTHREAD_COND_INITIALIZER;
static struct slot *free_slots;

/* A free slot; waits while all are in flight. NULL once closing. */
static struct slot *
slot_take(void)
{
	pthread_mutex_lock(&slot_mu);
	while (free_slots == NULL && !atomic_load(&closing))
		pthread_cond_wait(&slot_freed, &slot_mu);
	struct slot *s = atomic_load(&closing) ? NULL : free_slots;
	if (s != NULL)
		free_slots = s->next_free;
	pthread_mutex_unlock(&slot_mu);
	return s;
}

static void
slot_put(struct slot *s)
{
	pthread_mutex_lock(&slot_mu);
	s->next_free = free_slots;
	free_slots = s;
	pthread_cond_signal(&slot_freed);
	pthread_mutex_unlock(&slot_mu);
}

/* Answers the slot's request and frees the slot: on the database thread once its group is
 * durable, or on the accept thread for a request refused before it. */
static void
slot_answer(struct group_job *job)
{
	struct slot *s = (struct slot *)(void *)((char *)job - offsetof(struct slot, job));
	answer(&s->fr, &s->rq, &s->rs, s->t0, s->read_all);
	arena_reset(&s->a);
	slot_put(s);
}

static void *
accept_thread(void *arg)
{
	(void)arg;
	sigset_t wake;
	sigemptyset(&wake);
	sigaddset(&wake, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	/* No lock around the accept (libfcgi's threaded example has one): Linux wakes one waiting
	 * thread per connection, and a lock would also hold the others back while the holder reads
	 * its request's params. */
	struct slot *s;
	while ((s = slot_take()) != NULL) {
		if (FCGX_Accept_r(&s->fr) < 0) {
			slot_put(s); /* closing, or a signal that was not ours: accept again */
			continue;
		}
		s->t0 = now_ms();
		request_init(&s->rq, &s->a);
		response_init(&s->rs);
		const struct route *r;
		bool queue = read_request(&s->fr, &s->rq, &s->rs) == 0 &&
			     router_precheck(&s->rq, &s->rs, &r) == 0;
		/* Read here, never on the database thread, which must not wait for a client. */
		s->read_all = read_to_end(&s->fr, &s->rq);
		if (queue) {
			s->job = (struct group_job){ .rq = &s->rq, .rs = &s->rs, .route = r, .done = slot_answer };
			group_submit(&s->job);
		} else {
			slot_answer(&s->job); /* refused before the database: answered here */
		}
	}
	return NULL;
}

/* The write pool: threads accept and precheck in parallel; one database thread runs the requests,
 * commits them in groups and answers them (group.h). This thread waits for SIGTERM or SIGUSR1 (the
 * signals that stop a libfcgi worker), then stops the accept threads, lets the database thread
 * answer every request already queued, and stops. */
static int
serve_grouped(int threads)
{
	struct sigaction sa = { .sa_handler = on_wake }; /* no SA_RESTART: accept returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	/* Every thread starts with these blocked: the database thread opens SIGALRM alone (the write
	 * lock's ticks, db.h), the accept threads SIGUSR2 alone, and this one waits for the others. */
	sigset_t blocked, stop;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGALRM);
	sigaddset(&blocked, SIGUSR2);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGUSR1);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	threads = threads < WRITE_SLOTS ? threads : WRITE_SLOTS; /* each accepts into a slot */
	int nslots = WRITE_SLOTS;
	struct slot *slots = calloc((size_t)nslots, sizeof(*slots));
	if (slots == NULL) {
		log_msg("cannot allocate the write pool's request slots");
		return 1;
	}
	for (int i = 0; i < nslots; i++) {
		/* spawn-fcgi hands us the listening socket as fd 0. */
		if (FCGX_InitRequest(&slots[i].fr, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
			log_msg("FCGX_InitRequest failed");
			free(slots);
			return 1;
		}
		arena_init(&slots[i].a);
	}
	/* 1 MiB of pages rather than SQLite's 2: answering from the database thread frees libfcgi's
	 * buffers away from the threads that took them, and glibc keeps about that much more heap
	 * (docs/architecture.md, "Group commit"). The pages stay in the kernel's cache. */
	db_exec("PRAGMA cache_size=-1024", "");
	if (group_start() != 0) {
		free(slots);
		return 1;
	}
	for (int i = 0; i < nslots; i++)
		slot_put(&slots[i]);
	pthread_t tids[WRITE_SLOTS];
	int n = 0;
	for (; n < threads; n++)
		if (pthread_create(&tids[n], NULL, accept_thread, NULL) != 0) {
			log_msg("cannot start accept thread %d", n + 1);
			break;
		}
	int sig = 0;
	if (n > 0)
		sigwait(&stop, &sig);
	atomic_store(&closing, true);
	/* Wake every thread until all have ended: one may be just about to call accept when its
	 * wake-up comes, and the others wait in accept or for a slot. */
	bool ended[WRITE_SLOTS] = { false };
	for (int left = n; left > 0;) {
		for (int i = 0; i < n; i++)
			if (!ended[i])
				pthread_kill(tids[i], SIGUSR2);
		pthread_mutex_lock(&slot_mu);
		pthread_cond_broadcast(&slot_freed);
		pthread_mutex_unlock(&slot_mu);
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
		for (int i = 0; i < n; i++)
			if (!ended[i] && pthread_tryjoin_np(tids[i], NULL) == 0) {
				ended[i] = true;
				left--;
			}
	}
	group_stop(); /* answers the requests still queued: every slot is free after it */
	for (int i = 0; i < nslots; i++) {
		arena_destroy(&slots[i].a);
		FCGX_Free(&slots[i].fr, 1);
	}
	free(slots);
	return n > 0 ? 0 : 1;
}

int
fcgi_serve(int threads)
{
	if (FCGX_Init() != 0) {
		log_msg("FCGX_Init failed");
		return 1;
	}
	if (threads > 0)
		return serve_grouped(threads);

	FCGX_Request fr;
	struct arena a;
	/* spawn-fcgi hands us the listening socket as fd 0. */
	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_msg("FCGX_InitRequest failed");
		return 1;
	}
	arena_init(&a);
	while (FCGX_Accept_r(&fr) >= 0)
		serve(&fr, &a);
	arena_destroy(&a);
	FCGX_Free(&fr, 1);
	return 0;
}
