/* tap.h: a tiny TAP producer for the C tests (automake's tap-driver reads it). */
#ifndef FROSTBYTE_TAP_H
#define FROSTBYTE_TAP_H

#include <stdio.h>
#include <string.h>

extern int tap_n, tap_failed;

/* ok(cond, "name"): one TAP line per assertion. */
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do { long long g_ = (got), w_ = (want); \
	if (!ok(g_ == w_, __VA_ARGS__)) printf("#   got %lld, want %lld\n", g_, w_); } while (0)
#define is_str(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, __VA_ARGS__)) \
		printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)

int tap_ok(int pass, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* True when fn(arg) ends its process with abort(), as a failed assert() does; it runs in a child
 * process, whose standard error is discarded. */
int tap_aborts(void (*fn)(void *), void *arg);
/* Prints the plan and returns the exit status for main. */
int tap_done(void);

/* A named case: a test program is a table of them, so the test of a feature is found, and run,
 * by its name. Each TAP line starts with the name of its case ("ok 7 - test_x: what held"). */
struct tap_case {
	const char *name;
	void (*run)(void);
};
#define TAP_CASE(fn) { #fn, fn }
#define TAP_COUNT(cases) (sizeof(cases) / sizeof((cases)[0]))

/* Runs the cases in the table's order, or only those named on the command line. */
void tap_run(const struct tap_case *cases, size_t n, int argc, char **argv);
/* tap_run, then tap_done: the whole main() of a test that needs no setup. */
int tap_main(const struct tap_case *cases, size_t n, int argc, char **argv);

#endif
