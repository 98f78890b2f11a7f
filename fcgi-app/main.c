/* main.c: frostbyte-fcgi, the FastCGI responder, and frostbyte-media, the same with the image work
 * linked in (Makefile.am). Everything per-process is set up here, once, before the accept loop in
 * fcgi.c; spawn-fcgi gives us the listening socket as fd 0. */
#include <curl/curl.h>
#include <errno.h> /* program_invocation_short_name: which of the two programs this is */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "fcgi.h"
#include "gemini.h"
#include "log.h"
#include "metrics.h"

int
main(int argc, char **argv)
{
	char err[512];
	/* glibc gives a thread's freed heap back to the kernel once 128 KiB are free at its top, and
	 * the madvise that does it stops every core to flush its TLB: 17 % of the write pool's
	 * database thread under load (bench/README.md). 1 MiB kept is past what a request frees. */
	mallopt(M_TRIM_THRESHOLD, 1 << 20);
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		printf("%s 1.0.0\n", program_invocation_short_name);
		return 0;
	}
	/* libfcgi swaps environ per request: read every setting and secret now. */
	if (config_load(&config, argc > 2 && strcmp(argv[1], "-c") == 0 ? argv[2] : NULL,
			err, sizeof(err)) != 0) {
		log_msg("configuration error: %s", err);
		return 1;
	}
	if (config_load_secret(&config, err, sizeof(err)) != 0) {
		log_msg("refusing to start: %s", err);
		return 1;
	}
	if (auth_init(config.secret, config.secret_len) != 0) {
		log_msg("refusing to start: the secret is too short or libsodium failed to start");
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_msg("curl_global_init failed");
		return 1;
	}
	if (metrics_open(config.metrics_file, err, sizeof(err)) != 0) {
		log_msg("refusing to start: %s", err);
		return 1;
	}
	gemini_init(&config); /* the key is read now, like the secret; without one chat answers 503 */
	db_lock_timer_setup(); /* a writer waits for the write lock woken by SIGALRM ticks */
	if (db_open(config.database, config.synchronous, config.busy_timeout_ms, err, sizeof(err)) != 0) {
		log_msg("refusing to start: %s", err);
		return 1;
	}
	int version = db_schema_version();
	if (version < db_latest_version() && (version = db_migrate(err, sizeof(err))) < 0) {
		log_msg("refusing to start: %s", err);
		db_close();
		return 1;
	}
	log_msg("%s started: sqlite %s, schema %d%s", program_invocation_short_name, sqlite3_libversion(),
		version, config.accept_threads > 0 ? ", group commit" : "");

	int rc = fcgi_serve(config.accept_threads);

	cache_clear();
	metrics_close();
	db_close();
	gemini_cleanup();
	curl_global_cleanup();
	log_msg("%s stopped", program_invocation_short_name);
	return rc;
}
