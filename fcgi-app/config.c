/* config.c: the configuration file and FROSTBYTE_* environment, read before the accept loop. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct config config;

enum kind { K_STR, K_INT, K_BOOL };

struct key {
	const char *name;
	enum kind kind;
	size_t off, size;   /* size of the char array for K_STR */
	int min, max;       /* for K_INT */
};

#define STR(n)          { #n, K_STR, offsetof(struct config, n), sizeof(((struct config *)0)->n), 0, 0 }
#define INT(n, lo, hi)  { #n, K_INT, offsetof(struct config, n), 0, lo, hi }
#define BOOL(n)         { #n, K_BOOL, offsetof(struct config, n), 0, 0, 0 }

static const struct key keys[] = {
	STR(database),
	STR(secret_file),
	BOOL(cookie_secure),
	STR(allowed_origins),
	STR(synchronous),
	INT(busy_timeout_ms, 0, 60000),
	INT(session_hours, 1, 24 * 90),
	STR(gemini_key_file),
	STR(gemini_model),
	STR(gemini_base_url),
	INT(gemini_connect_timeout_ms, 100, 60000),
	INT(gemini_timeout_ms, 100, 120000),
	INT(chat_rate_limit, 1, 10000),
	INT(chat_daily_cap, 0, 100000000),
	INT(posts_per_hour, 0, 100000),
	INT(review_writes_per_hour, 0, 100000),
	INT(places_per_hour, 0, 100000),
	INT(quiz_results_per_hour, 0, 100000),
	INT(reports_per_day, 0, 100000),
	INT(conversations_per_day, 0, 100000),
	INT(max_places, 0, 1000000),
	INT(max_conversations, 0, 1000000),
	INT(login_failures_per_pair, 1, 1000),
	INT(login_failures_per_address, 1, 100000),
	INT(login_failures_per_username, 1, 100000),
	STR(metrics_file),
	STR(photos_dir),
	INT(photo_daily_uploads, 1, 100000),
	INT(photo_daily_mb, 1, 100000),
	INT(accept_threads, 0, 16),
};

static void
defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->database, sizeof(c->database), "/var/lib/frostbyte/frostbyte.db");
	snprintf(c->secret_file, sizeof(c->secret_file), "/etc/frostbyte/secret");
	c->cookie_secure = true;
	snprintf(c->synchronous, sizeof(c->synchronous), "FULL");
	c->busy_timeout_ms = 5000;
	c->session_hours = 24 * 7;
	snprintf(c->gemini_model, sizeof(c->gemini_model), "gemini-2.5-flash");
	snprintf(c->gemini_base_url, sizeof(c->gemini_base_url),
		 "https://generativelanguage.googleapis.com");
	c->gemini_connect_timeout_ms = 5000;
	c->gemini_timeout_ms = 30000;
	c->chat_rate_limit = 20;
	/* Generous for a camper, small for a script: a busy human writes a few posts an hour. */
	c->posts_per_hour = 20;
	c->review_writes_per_hour = 20;
	c->places_per_hour = 60;
	c->quiz_results_per_hour = 30;
	c->reports_per_day = 30;
	c->conversations_per_day = 30;
	c->max_places = 500;
	c->max_conversations = 200;
	c->login_failures_per_pair = 5;
	c->login_failures_per_address = 30;
	c->login_failures_per_username = 100;
	c->photo_daily_uploads = 30;
	c->photo_daily_mb = 100;
}

int
config_set(struct config *c, const char *name, const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		if (strcmp(k->name, name) != 0)
			continue;
		char *field = (char *)c + k->off;
		switch (k->kind) {
		case K_STR:
			if (strlen(value) >= k->size) {
				snprintf(err, errlen, "%s is too long (at most %zu bytes)", name, k->size - 1);
				return -1;
			}
			memcpy(field, value, strlen(value) + 1);
			return 0;
		case K_INT: {
			char *end;
			errno = 0;
			long v = strtol(value, &end, 10);
			if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max) {
				snprintf(err, errlen, "%s must be a whole number from %d to %d", name, k->min, k->max);
				return -1;
			}
			*(int *)(void *)field = (int)v;
			return 0;
		}
		case K_BOOL:
			if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0) {
				*(bool *)(void *)field = true;
			} else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 || strcmp(value, "no") == 0) {
				*(bool *)(void *)field = false;
			} else {
				snprintf(err, errlen, "%s must be true or false", name);
				return -1;
			}
			return 0;
		}
	}
	snprintf(err, errlen, "unknown setting \"%s\"", name);
	return -1;
}

static char *
trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
read_file(struct config *c, const char *path, bool must_exist, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (!must_exist && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char line[2048], msg[256];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		if (config_set(c, trim(s), trim(eq + 1), msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	defaults(c);
	bool explicit = path != NULL;
	if (path == NULL)
		path = getenv("FROSTBYTE_CONFIG");
	explicit = explicit || path != NULL;
	if (path == NULL)
		path = CONFIG_DEFAULT_FILE;
	if (read_file(c, path, explicit, err, errlen) != 0)
		return -1;

	char msg[256];
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char env[64] = "FROSTBYTE_";
		size_t n = strlen(env);
		for (const char *p = keys[i].name; *p && n + 1 < sizeof(env); p++)
			env[n++] = (char)toupper((unsigned char)*p);
		env[n] = '\0';
		const char *v = getenv(env);
		if (v != NULL && config_set(c, keys[i].name, v, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s: %s", env, msg);
			return -1;
		}
	}
	if (strcasecmp(c->synchronous, "FULL") != 0 && strcasecmp(c->synchronous, "NORMAL") != 0) {
		snprintf(err, errlen, "synchronous must be FULL or NORMAL");
		return -1;
	}
	if (c->photos_dir[0] == '\0') { /* the photos sit beside the database, in one data folder */
		const char *slash = strrchr(c->database, '/');
		int dirlen = slash == NULL ? 1 : slash == c->database ? 1 : (int)(slash - c->database);
		const char *dir = slash == NULL ? "." : c->database;
		if (snprintf(c->photos_dir, sizeof(c->photos_dir), "%.*s/photos", dirlen, dir) >=
		    (int)sizeof(c->photos_dir)) {
			snprintf(err, errlen, "photos_dir: the database's folder is too long");
			return -1;
		}
	}
	return 0;
}

int
config_load_secret(struct config *c, char *err, size_t errlen)
{
	if (c->secret_file[0] == '\0') {
		snprintf(err, errlen, "no secret_file is configured; create one with: "
			 "head -c 48 /dev/urandom > FILE && chmod 600 FILE");
		return -1;
	}
	int fd = open(c->secret_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read the secret file %s: %s (create it with: "
			 "head -c 48 /dev/urandom > %s && chmod 600 %s)", c->secret_file, strerror(errno),
			 c->secret_file, c->secret_file);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		close(fd);
		snprintf(err, errlen, "the secret file %s must be a regular file readable by its owner "
			 "only (chmod 600 %s)", c->secret_file, c->secret_file);
		return -1;
	}
	ssize_t n = read(fd, c->secret, sizeof(c->secret));
	close(fd);
	if (n < 32) {
		snprintf(err, errlen, "the secret file %s must hold at least 32 random bytes", c->secret_file);
		return -1;
	}
	c->secret_len = (size_t)n;
	return 0;
}
