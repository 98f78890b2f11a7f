/* ctl.c: frostbyte-ctl, the operator's command: migrate, create-admin, check, backup, restore,
 * pages and photos-gc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "backup.h"
#include "config.h"
#include "db.h"
#include "parkpages.h"
#include "photostore.h"
#include "users.h"

static int
usage(void)
{
	fputs("usage: frostbyte-ctl [-c CONFIG] COMMAND\n"
	      "  migrate               create the database or bring its schema up to date\n"
	      "  create-admin USERNAME make an admin account; the password is read from standard input\n"
	      "  check                 check configuration, secret and database; exit 1 on a problem\n"
	      "  backup [DIR] [KEEP]   online copy of the database into DIR (default: backups/ beside\n"
	      "                        the database), checked; keeps the KEEP newest (default 14);\n"
	      "                        the photos' files go to DIR/photos/\n"
	      "  restore FILE          replace the database with a checked copy (pools stopped); the\n"
	      "                        old files are renamed aside, not deleted; the photos it names\n"
	      "                        come back from photos/ beside FILE\n"
	      "  photos-gc             remove photo files that no photo names (older than an hour)\n"
	      "  pages TEMPLATE DIR [BASE_URL]\n"
	      "                        write DIR/parks/SLUG.html for every park from TEMPLATE (the\n"
	      "                        site's park.html); BASE_URL (https://host) adds og:url\n",
	      stderr);
	return 2;
}

static int
open_db(void)
{
	char err[512];
	if (db_open(config.database, config.synchronous, config.busy_timeout_ms, err, sizeof(err)) != 0) {
		fprintf(stderr, "frostbyte-ctl: %s\n", err);
		return -1;
	}
	return 0;
}

/* For the commands that use the tables: db_stmt stops the process on a statement that does not
 * prepare, so a database behind this build's schema is refused here, with the way out. */
static int
open_db_current(void)
{
	if (open_db() != 0)
		return -1;
	int version = db_schema_version(), latest = db_latest_version();
	if (version >= latest)
		return 0;
	if (version < 0)
		fprintf(stderr, "frostbyte-ctl: cannot read the schema of %s: %s\n", config.database,
			sqlite3_errmsg(db));
	else
		fprintf(stderr, "frostbyte-ctl: %s has schema %d of %d: run frostbyte-ctl migrate first\n",
			config.database, version, latest);
	db_close();
	return -1;
}

static int
cmd_migrate(void)
{
	char err[512];
	if (open_db() != 0)
		return 1;
	int from = db_schema_version();
	int to = db_migrate(err, sizeof(err));
	db_close();
	if (to < 0) {
		fprintf(stderr, "frostbyte-ctl: %s\n", err);
		return 1;
	}
	printf("schema version %d (was %d): %s\n", to, from, config.database);
	return 0;
}

static int
cmd_create_admin(const char *username)
{
	char name[64], password[256];
	snprintf(name, sizeof(name), "%s", username);
	users_lower_username(name);
	if (strlen(username) >= sizeof(name) || !users_valid_username(name)) {
		fputs("frostbyte-ctl: a username is 3 to 32 of a-z, 0-9, _ . and -\n", stderr);
		return 1;
	}
	if (fgets(password, sizeof(password), stdin) == NULL) {
		fputs("frostbyte-ctl: give the password on standard input\n", stderr);
		return 1;
	}
	password[strcspn(password, "\r\n")] = '\0';
	size_t n = strlen(password);
	if (n < 10 || n > 128) {
		fputs("frostbyte-ctl: the password must be 10 to 128 characters\n", stderr);
		return 1;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (sodium_init() < 0 || auth_hash_password(password, hash) != 0) {
		fputs("frostbyte-ctl: cannot hash the password (out of memory?)\n", stderr);
		return 1;
	}
	sodium_memzero(password, sizeof(password));
	if (open_db_current() != 0)
		return 1;
	int rc = db_begin();
	if (rc == SQLITE_OK && (rc = db_exec("INSERT INTO users (username, display_name, password_hash,"
					     " role) VALUES (?1, ?1, ?2, 'admin')", "tt", name, hash)) != SQLITE_OK)
		db_rollback();
	if (rc == SQLITE_OK)
		rc = db_commit();
	db_close();
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		fprintf(stderr, "frostbyte-ctl: the user %s already exists\n", name);
		return 1;
	}
	if (rc != SQLITE_OK) {
		fprintf(stderr, "frostbyte-ctl: %s\n", sqlite3_errstr(rc));
		return 1;
	}
	printf("admin %s created\n", name);
	return 0;
}

static int
cmd_check(void)
{
	char err[512];
	if (config_load_secret(&config, err, sizeof(err)) != 0) {
		fprintf(stderr, "frostbyte-ctl: %s\n", err);
		return 1;
	}
	if (open_db() != 0)
		return 1;
	int version = db_schema_version(), latest = db_latest_version();
	char schema[64] = "unreadable";
	if (version >= 0)
		snprintf(schema, sizeof(schema), "%d of %d", version, latest);
	/* Not db_stmt, which stops the process when a statement does not prepare: a damaged
	 * database is what check is there to report. */
	sqlite3_stmt *st = NULL;
	const char *res = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		res = (const char *)sqlite3_column_text(st, 0);
	bool ok = version == latest && res != NULL && strcmp(res, "ok") == 0;
	printf("database %s: schema %s, quick_check %s; sqlite %s\n", config.database, schema,
	       res != NULL ? res : sqlite3_errmsg(db), sqlite3_libversion());
	sqlite3_finalize(st);
	db_close();
	return ok ? 0 : 1;
}

static int
cmd_backup(const char *dir, const char *keep_arg)
{
	char def[sizeof(config.database) + 16];
	if (dir == NULL) {
		snprintf(def, sizeof(def), "%s", config.database);
		char *slash = strrchr(def, '/');
		snprintf(slash ? slash + 1 : def, sizeof(def) - (size_t)(slash ? slash + 1 - def : 0),
			 "backups");
		dir = def;
	}
	char *end = NULL;
	long keep = keep_arg ? strtol(keep_arg, &end, 10) : 14;
	if (keep_arg != NULL && (*end != '\0' || keep < 1 || keep > 1000)) {
		fputs("frostbyte-ctl: KEEP is a number from 1 to 1000\n", stderr);
		return 2;
	}
	if (open_db() != 0)
		return 1;
	int rc = backup_run(dir, (int)keep);
	db_close();
	if (rc != 0)
		return rc;
	/* The files are named by their content and never change: DIR/photos/ is shared by every
	 * backup in DIR and each backup copies only the files it lacks. Read after the database's
	 * copy, so every photo the copy names is there unless it was deleted meanwhile. */
	char photos[sizeof(def) + 512];
	snprintf(photos, sizeof(photos), "%s/photos", dir);
	int missing = 0, copied = photostore_copy_named(config.database, config.photos_dir, photos, &missing);
	if (copied < 0)
		return 1;
	printf("photos: %d new file(s) in %s%s\n", copied, photos,
	       missing ? " (some were deleted during the backup)" : "");
	return 0;
}

static int
cmd_restore(const char *file)
{
	int rc = restore_run(config.database, file);
	if (rc != 0)
		return rc;
	char photos[4096];
	const char *slash = strrchr(file, '/');
	snprintf(photos, sizeof(photos), "%.*s/photos", slash ? (int)(slash - file) : 1, slash ? file : ".");
	int missing = 0, copied = photostore_copy_named(config.database, photos, config.photos_dir, &missing);
	if (copied < 0)
		return 1;
	printf("photos: %d file(s) copied back from %s", copied, photos);
	if (missing > 0)
		printf("; %d named by the database are in neither folder", missing);
	printf("\n");
	return 0;
}

static int
cmd_photos_gc(void)
{
	if (open_db_current() != 0)
		return 1;
	int removed = photostore_gc(config.photos_dir);
	db_close();
	if (removed < 0) {
		fprintf(stderr, "frostbyte-ctl: cannot clean %s\n", config.photos_dir);
		return 1;
	}
	printf("photos: removed %d file(s) no photo names\n", removed);
	return 0;
}

static int
cmd_pages(const char *template_path, const char *dir, const char *base_url)
{
	if (base_url != NULL && strncmp(base_url, "https://", 8) != 0 && strncmp(base_url, "http://", 7) != 0) {
		fputs("frostbyte-ctl: BASE_URL starts with https:// or http://\n", stderr);
		return 2;
	}
	if (open_db_current() != 0)
		return 1;
	char err[512];
	int n = parkpages_write(template_path, dir, base_url, err, sizeof(err));
	db_close();
	if (n < 0) {
		fprintf(stderr, "frostbyte-ctl: %s\n", err);
		return 1;
	}
	printf("%d park pages written to %s/parks\n", n, dir);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int i = 1;
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc)
		return usage();
	char err[512];
	if (config_load(&config, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "frostbyte-ctl: %s\n", err);
		return 1;
	}
	db_lock_timer_setup(); /* every command that opens the database may wait for its write lock */
	if (strcmp(argv[i], "migrate") == 0 && i + 1 == argc)
		return cmd_migrate();
	if (strcmp(argv[i], "create-admin") == 0 && i + 2 == argc)
		return cmd_create_admin(argv[i + 1]);
	if (strcmp(argv[i], "check") == 0 && i + 1 == argc)
		return cmd_check();
	if (strcmp(argv[i], "backup") == 0 && i + 3 >= argc)
		return cmd_backup(i + 1 < argc ? argv[i + 1] : NULL, i + 2 < argc ? argv[i + 2] : NULL);
	if (strcmp(argv[i], "pages") == 0 && (i + 3 == argc || i + 4 == argc))
		return cmd_pages(argv[i + 1], argv[i + 2], i + 3 < argc ? argv[i + 3] : NULL);
	if (strcmp(argv[i], "restore") == 0 && i + 2 == argc)
		return cmd_restore(argv[i + 1]);
	if (strcmp(argv[i], "photos-gc") == 0 && i + 1 == argc)
		return cmd_photos_gc();
	return usage();
}
