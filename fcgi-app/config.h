/* config.h: settings read once at start from /etc/frostbyte/frostbyte.conf and FROSTBYTE_* env. */
#ifndef FROSTBYTE_CONFIG_H
#define FROSTBYTE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_FILE "/etc/frostbyte/frostbyte.conf"
#define CONFIG_MAX_ORIGINS 8

struct config {
	char database[512];          /* database: path of the SQLite file */
	char secret_file[512];       /* secret_file: 0600 file with >= 32 random bytes (JWT key) */
	bool cookie_secure;          /* cookie_secure: add Secure to the session cookie */
	char allowed_origins[1024];  /* allowed_origins: space-separated origins trusted for CSRF/CORS */
	char synchronous[16];        /* synchronous: FULL (default) or NORMAL */
	int busy_timeout_ms;         /* busy_timeout_ms: how long a writer waits for the lock */
	int session_hours;           /* session_hours: token lifetime */
	char gemini_key_file[512];   /* gemini_key_file: file holding the Gemini API key ("" = chat off) */
	char gemini_model[128];      /* gemini_model */
	char gemini_base_url[256];   /* gemini_base_url */
	int gemini_connect_timeout_ms, gemini_timeout_ms;
	int chat_rate_limit;         /* chat_rate_limit: messages per user per 10 minutes */
	int chat_daily_cap;          /* chat_daily_cap: upstream calls per UTC day, all users (0 = no cap) */
	/* Per-user quotas on writes (limits.c): posts, review creations and edits, saved places and
	 * quiz results per hour; reports and conversations per day; and the most saved places and
	 * conversations one account keeps. 0 turns a quota off. */
	int posts_per_hour, review_writes_per_hour, places_per_hour, quiz_results_per_hour;
	int reports_per_day, conversations_per_day;
	int max_places, max_conversations;
	/* Failed password checks allowed in 15 minutes per (username, address), per address across
	 * usernames, and per username across addresses (limits.h). */
	int login_failures_per_pair, login_failures_per_address, login_failures_per_username;
	char metrics_file[512];      /* metrics_file: the pool's shared counters file ("" = per process),
				      * set per pool as FROSTBYTE_METRICS_FILE */
	char photos_dir[512];        /* photos_dir: the photos' files ("" = photos/ beside the database) */
	int photo_daily_uploads;     /* photo_daily_uploads: photos a user may upload per UTC day */
	int photo_daily_mb;          /* photo_daily_mb: MiB a user may upload per UTC day */
	int accept_threads;          /* accept_threads: 0 (default) answers one request at a time; N
				      * (1-16) accepts on N threads and commits writes in groups (group.h):
				      * the write pool, set as FROSTBYTE_ACCEPT_THREADS */

	/* Loaded by config_load_secret, never logged. */
	unsigned char secret[128];
	size_t secret_len;
};

extern struct config config;

/* Sets defaults, reads `path` (or $FROSTBYTE_CONFIG, or the default file when it exists), then applies
 * FROSTBYTE_<KEY> environment variables. On error writes a message into err and returns -1. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* Parses one "key = value" line (comments and blanks allowed). Exposed for tests. */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);
/* Reads the JWT secret: the file must exist, be 0600 or stricter, and hold at least 32 bytes. */
int config_load_secret(struct config *c, char *err, size_t errlen);

#endif
