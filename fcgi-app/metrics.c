/* metrics.c: the pool's counters in one file mapped MAP_SHARED by every worker (see metrics.h).
 *
 * Why a shared file: multiwatch runs N single-threaded workers and nginx hands a scrape to any of
 * them; per-process numbers would jump between scrapes. Each worker maps the same fixed-size file
 * and adds with lock-free C11 atomics, so a scrape reads the pool's totals and a crashed worker's
 * counts stay. The file lives as long as the pool: its start (systemd ExecStartPre, scripts'
 * pool_start) removes it, so counters restart at zero with the pool, as Prometheus expects of a
 * restarted target, and a new binary never maps an old layout. */
#include "metrics.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "counters shared between processes must be lock-free");

#define METRICS_MAGIC  0x4642594d45545232ULL   /* "FBYMETR2": bump when the layout changes */
#define CLASSES 6                               /* status 1xx..5xx, and anything else */

const double metrics_bounds[METRICS_BUCKETS] = { .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10 };

/* Buckets are stored per interval (not cumulative) plus one above the last bound; the scrape sums
 * them, so _count always equals the +Inf bucket even while workers are adding. */
struct histogram {
	atomic_ullong bucket[METRICS_BUCKETS + 1];
	atomic_ullong sum_us;
};

struct counters {
	uint64_t magic, size;
	atomic_ullong requests[METRICS_ROUTES][CLASSES];
	struct histogram latency[METRICS_ROUTES];
	atomic_ullong db_busy, db_errors;
	atomic_ullong cache[2];   /* misses, hits */
	atomic_ullong upstream[MU_COUNT];
	struct histogram upstream_latency;
};

static struct counters *m;
static size_t mapped;

static void *
map_private(void)
{
	void *p = mmap(NULL, sizeof(struct counters), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int
metrics_open(const char *path, char *err, size_t errlen)
{
	metrics_close();
	if (path == NULL || path[0] == '\0') {
		m = map_private();
		goto done;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot open the metrics file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Workers start together: each extends an empty file to the same size (posix_fallocate
	 * never zeroes counts already added), then the first one to take the magic field writes it. */
	if (st.st_size != 0 && (size_t)st.st_size != sizeof(struct counters)) {
		log_msg("metrics file %s has another layout; this worker counts on its own", path);
		close(fd);
		m = map_private();
		goto done;
	}
	/* The file's blocks are reserved now: a page of a sparse file first touched through the map
	 * on a full disk (tmpfs /run included) kills the worker with SIGBUS (found by
	 * test/reliability/diskfull.py). Without them this worker counts on its own and still serves. */
	int rc = posix_fallocate(fd, 0, (off_t)sizeof(struct counters));
	if (rc != 0) {
		log_msg("cannot reserve the metrics file %s: %s; this worker counts on its own", path,
			strerror(rc));
		close(fd);
		m = map_private();
		goto done;
	}
	void *p = mmap(NULL, sizeof(struct counters), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the metrics file %s: %s", path, strerror(errno));
		return -1;
	}
	m = p;
	uint64_t zero = 0;
	__atomic_compare_exchange_n(&m->magic, &zero, METRICS_MAGIC, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&m->magic, __ATOMIC_SEQ_CST) != METRICS_MAGIC) {
		log_msg("metrics file %s is not ours; this worker counts on its own", path);
		munmap(m, sizeof(struct counters));
		m = map_private();
	}
done:
	if (m == NULL) {
		snprintf(err, errlen, "cannot map memory for the metrics: %s", strerror(errno));
		return -1;
	}
	m->size = sizeof(struct counters);
	mapped = sizeof(struct counters);
	return 0;
}

void
metrics_close(void)
{
	if (m != NULL)
		munmap(m, mapped);
	m = NULL;
}

static void
observe(struct histogram *h, double ms)
{
	int b = 0;
	while (b < METRICS_BUCKETS && ms > metrics_bounds[b] * 1000.0)
		b++;
	atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (unsigned long long)(ms * 1000.0 + 0.5),
				  memory_order_relaxed);
}

void
metrics_request(int route_id, int status, double ms)
{
	if (m == NULL)
		return;
	int slot = route_id > 0 && route_id < METRICS_ROUTES ? route_id : 0;
	int cls = status >= 100 && status < 600 ? status / 100 : 0;
	atomic_fetch_add_explicit(&m->requests[slot][cls], 1, memory_order_relaxed);
	observe(&m->latency[slot], ms);
}

void
metrics_cache(bool hit)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->cache[hit], 1, memory_order_relaxed);
}

void
metrics_db_busy(void)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->db_busy, 1, memory_order_relaxed);
}

void
metrics_db_error(void)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->db_errors, 1, memory_order_relaxed);
}

void
metrics_upstream(enum metrics_upstream outcome, double ms)
{
	if (m == NULL)
		return;
	atomic_fetch_add_explicit(&m->upstream[outcome], 1, memory_order_relaxed);
	observe(&m->upstream_latency, ms);
}

/* --- the exposition ------------------------------------------------------------------------- */

/* The text is built in the arena; the cap is far above the worst case (every route with traffic
 * in every class: under 100 KiB), and a full buffer is cut at a line, never mid-line. */
#define TEXT_CAP (256 * 1024)

struct text {
	char *p;
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->p + t->len, TEXT_CAP - t->len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < TEXT_CAP - t->len)
		t->len += (size_t)n;
	else
		t->p[t->len] = '\0';
}

static void
put_histogram(struct text *t, const char *name, const char *labels, struct histogram *h)
{
	unsigned long long cum = 0;
	for (int b = 0; b <= METRICS_BUCKETS; b++) {
		cum += atomic_load_explicit(&h->bucket[b], memory_order_relaxed);
		if (b < METRICS_BUCKETS)
			put(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, labels[0] ? "," : "",
			    metrics_bounds[b], cum);
		else
			put(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, labels[0] ? "," : "", cum);
	}
	unsigned long long us = atomic_load_explicit(&h->sum_us, memory_order_relaxed);
	put(t, "%s_sum%s%s%s %llu.%06llu\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
	    us / 1000000, us % 1000000);
	put(t, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "", cum);
}

/* The slot with no route is route="none". */
static const char *
route_labels(struct arena *a, const struct metrics_route *routes, int slot)
{
	if (slot == 0)
		return "route=\"none\",method=\"none\"";
	const struct metrics_route *r = &routes[slot - 1];
	return arena_printf(a, "route=\"%s\",method=\"%s\"", r->pattern, r->method);
}

const char *
metrics_text(struct arena *a, const struct metrics_route *routes, size_t nroutes, size_t *len)
{
	static const char *const upstream_names[MU_COUNT] = { "ok", "blocked", "error", "timeout" };
	static const char *const classes[CLASSES] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	if (m == NULL)
		return NULL;
	assert(nroutes < METRICS_ROUTES);
	struct text t = { arena_alloc(a, TEXT_CAP), 0 };
	t.p[0] = '\0';

	put(&t, "# HELP frostbyte_http_requests_total Requests answered by this pool, by route pattern, "
		"method and status class.\n# TYPE frostbyte_http_requests_total counter\n");
	for (int s = 0; s <= (int)nroutes; s++)
		for (int c = 0; c < CLASSES; c++) {
			unsigned long long v = atomic_load_explicit(&m->requests[s][c], memory_order_relaxed);
			if (v == 0)
				continue;
			put(&t, "frostbyte_http_requests_total{%s,status=\"%s\"} %llu\n",
			    route_labels(a, routes, s), classes[c], v);
		}

	put(&t, "# HELP frostbyte_http_request_duration_seconds Time from the request's arrival at the "
		"worker to its answer, by route.\n# TYPE frostbyte_http_request_duration_seconds histogram\n");
	for (int s = 0; s <= (int)nroutes; s++) {
		unsigned long long n = 0;
		for (int b = 0; b <= METRICS_BUCKETS; b++)
			n += atomic_load_explicit(&m->latency[s].bucket[b], memory_order_relaxed);
		if (n > 0)
			put_histogram(&t, "frostbyte_http_request_duration_seconds",
				      route_labels(a, routes, s), &m->latency[s]);
	}

	put(&t, "# HELP frostbyte_db_busy_total Database operations that found the database busy "
		"(answered 503 busy).\n# TYPE frostbyte_db_busy_total counter\nfrostbyte_db_busy_total %llu\n",
	    atomic_load_explicit(&m->db_busy, memory_order_relaxed));
	put(&t, "# HELP frostbyte_db_errors_total Database operations that failed otherwise (500, 507)."
		"\n# TYPE frostbyte_db_errors_total counter\nfrostbyte_db_errors_total %llu\n",
	    atomic_load_explicit(&m->db_errors, memory_order_relaxed));

	put(&t, "# HELP frostbyte_cache_lookups_total Cacheable GETs by whether the worker's answer cache "
		"had a current answer.\n# TYPE frostbyte_cache_lookups_total counter\n"
		"frostbyte_cache_lookups_total{result=\"hit\"} %llu\n"
		"frostbyte_cache_lookups_total{result=\"miss\"} %llu\n",
	    atomic_load_explicit(&m->cache[1], memory_order_relaxed),
	    atomic_load_explicit(&m->cache[0], memory_order_relaxed));

	put(&t, "# HELP frostbyte_chat_upstream_requests_total Calls to the chat upstream (Gemini) "
		"by outcome.\n# TYPE frostbyte_chat_upstream_requests_total counter\n");
	for (int o = 0; o < MU_COUNT; o++)
		put(&t, "frostbyte_chat_upstream_requests_total{outcome=\"%s\"} %llu\n", upstream_names[o],
		    atomic_load_explicit(&m->upstream[o], memory_order_relaxed));
	put(&t, "# HELP frostbyte_chat_upstream_duration_seconds Duration of calls to the chat "
		"upstream.\n# TYPE frostbyte_chat_upstream_duration_seconds histogram\n");
	put_histogram(&t, "frostbyte_chat_upstream_duration_seconds", "", &m->upstream_latency);

	*len = t.len;
	return t.p;
}
