/* test_metrics.c: the pool's counters are shared through the file by separate processes (as the
 * workers of a pool are), the histogram buckets are cumulative, and a file of another layout is
 * left alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"
#include "router.h"
#include "tap.h"

static const char *
scrape(struct arena *a)
{
	struct request rq;
	struct response rs;
	request_init(&rq, a);
	response_init(&rs);
	metrics_get(&rq, &rs);
	char *s = arena_alloc(a, rs.body_len + 1);
	memcpy(s, rs.body, rs.body_len);
	s[rs.body_len] = '\0';
	return s;
}

static int
route_id(const char *method, const char *path)
{
	struct arena a;
	arena_init(&a);
	struct request rq;
	request_init(&rq, &a);
	rq.method = method_parse(method);
	rq.path = path;
	size_t n;
	const struct route *table = router_table(&n);
	const struct route *r = router_match(&rq, NULL, 0);
	arena_destroy(&a);
	return r ? (int)(r - table) + 1 : 0;
}

static char dir[] = "/tmp/frostbyte-metrics-XXXXXX", path[64], err[256];
static struct arena a;

static void
test_routes_have_ids(void)
{
	ok(route_id("GET", "/api/parks") > 0 && route_id("POST", "/api/session") > 0, "the routes have ids");
}

/* Three processes, like three workers: each maps the file itself and counts. */
static void
test_workers_share_counters_through_file(void)
{
	int parks = route_id("GET", "/api/parks"), session = route_id("POST", "/api/session");
	for (int k = 0; k < 3; k++) {
		pid_t pid = fork();
		if (pid == 0) {
			if (metrics_open(path, err, sizeof(err)) != 0)
				_exit(1);
			for (int i = 0; i < 1000; i++)
				metrics_request(parks, 200, i % 2 ? 3.0 : 30.0);
			metrics_request(session, 401, 700.0);
			metrics_db_busy();
			metrics_upstream(MU_TIMEOUT, 3000.0);
			metrics_close();
			_exit(0);
		}
	}
	int all = 1, st;
	while (wait(&st) > 0)
		all = all && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	ok(all, "three processes counted into the file");

	is_int(metrics_open(path, err, sizeof(err)), 0, "a fourth process maps it too");
	const char *t = scrape(&a);
	ok(strstr(t, "frostbyte_http_requests_total{route=\"/api/parks\",method=\"GET\",status=\"2xx\"} 3000\n") != NULL,
	   "requests of all three processes are summed");
	ok(strstr(t, "{route=\"/api/session\",method=\"POST\",status=\"4xx\"} 3\n") != NULL,
	   "by route pattern and status class");
	ok(strstr(t, "duration_seconds_bucket{route=\"/api/parks\",method=\"GET\",le=\"0.005\"} 1500\n") != NULL &&
	   strstr(t, "duration_seconds_bucket{route=\"/api/parks\",method=\"GET\",le=\"0.025\"} 1500\n") != NULL &&
	   strstr(t, "duration_seconds_bucket{route=\"/api/parks\",method=\"GET\",le=\"0.05\"} 3000\n") != NULL &&
	   strstr(t, "duration_seconds_bucket{route=\"/api/parks\",method=\"GET\",le=\"+Inf\"} 3000\n") != NULL,
	   "histogram buckets are cumulative, +Inf holds all");
	ok(strstr(t, "frostbyte_http_request_duration_seconds_sum{route=\"/api/parks\",method=\"GET\"} 49.500000\n") != NULL,
	   "the sum is in seconds");
	ok(strstr(t, "frostbyte_db_busy_total 3\n") != NULL, "db busy is counted");
	ok(strstr(t, "frostbyte_chat_upstream_requests_total{outcome=\"timeout\"} 3\n") != NULL &&
	   strstr(t, "frostbyte_chat_upstream_duration_seconds_bucket{le=\"2.5\"} 0\n") != NULL &&
	   strstr(t, "frostbyte_chat_upstream_duration_seconds_bucket{le=\"5\"} 3\n") != NULL,
	   "chat upstream calls by outcome, and their durations");
	ok(strstr(t, "# TYPE frostbyte_http_request_duration_seconds histogram\n") != NULL &&
	   t[strlen(t) - 1] == '\n', "TYPE lines, and the text ends with a newline");
	metrics_close();
	unlink(path);
}

/* Another layout (an older binary's file): not touched, this process counts on its own. */
static void
test_foreign_file_left_alone(void)
{
	FILE *f = fopen(path, "w");
	fputs("not ours", f);
	fclose(f);
	is_int(metrics_open(path, err, sizeof(err)), 0, "a file of another size still starts the worker");
	metrics_request(route_id("GET", "/api/parks"), 200, 1.0);
	const char *t = scrape(&a);
	ok(strstr(t, "status=\"2xx\"} 1\n") != NULL, "... counting in its own memory");
	f = fopen(path, "r");
	char buf[16] = "";
	ok(fgets(buf, sizeof(buf), f) != NULL && strcmp(buf, "not ours") == 0, "... and the file is left as it was");
	fclose(f);
	metrics_close();
	unlink(path);
}

static void
test_no_file_means_private_counters(void)
{
	is_int(metrics_open("", err, sizeof(err)), 0, "no file: private counters");
	metrics_close();
}

static const struct tap_case cases[] = {
	TAP_CASE(test_routes_have_ids),
	TAP_CASE(test_workers_share_counters_through_file),
	TAP_CASE(test_foreign_file_left_alone),
	TAP_CASE(test_no_file_means_private_counters),
};

int
main(int argc, char **argv)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/api.metrics", dir);
	arena_init(&a);
	tap_run(cases, TAP_COUNT(cases), argc, argv);
	arena_destroy(&a);
	rmdir(dir);
	return tap_done();
}
