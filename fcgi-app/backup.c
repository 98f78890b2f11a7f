/* backup.c: online backups and restores of the database (see backup.h).
 *
 * The write lock (db.c): every writer takes an exclusive flock on <db>.lock, then BEGIN IMMEDIATE,
 * and no connection checkpoints outside that lock (the WAL-reset bug of SQLite < 3.51.3). A backup
 * only reads the live database: VACUUM INTO runs in one read transaction on the connection db_open
 * made (NO_CKPT_ON_CLOSE, so closing it never checkpoints), and it writes a separate file, which
 * it then switches to journal_mode=DELETE, so a backup is one self-contained file. A restore swaps
 * files, so it holds the write lock while it renames and refuses while a worker has the database
 * open: a worker's connection would keep reading the old, renamed file. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"

#define PREFIX "frostbyte-"
#define SUFFIX ".db"

static int
fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static void
utc_stamp(char *buf, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	size_t k = strftime(buf, n, "%Y%m%dT%H%M%S", &tm);
	/* milliseconds: two backups in one second must not share a name */
	snprintf(buf + k, n - k, "%03ldZ", ts.tv_nsec / 1000000);
}

/* Opens path on its own connection, makes it a single file (journal_mode=DELETE), runs
 * integrity_check and reads its schema version into *version (when not NULL). */
static int
check_copy(const char *path, int *version, char *err, size_t errlen)
{
	sqlite3 *c = NULL;
	int rc = sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, c ? sqlite3_errmsg(c) : sqlite3_errstr(rc));
		sqlite3_close(c);
		return -1;
	}
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (sqlite3_exec(c, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s is not a usable database: %s", path, sqlite3_errmsg(c));
		goto out;
	}
	if (sqlite3_prepare_v2(c, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(c));
		goto out;
	}
	rc = sqlite3_step(st);
	const char *res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (res == NULL || strcmp(res, "ok") != 0) {
		snprintf(err, errlen, "%s fails integrity_check: %s", path,
			 res ? res : sqlite3_errmsg(c));
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (version != NULL) {
		if (sqlite3_prepare_v2(c, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW) {
			snprintf(err, errlen, "%s: cannot read its schema version", path);
			goto out;
		}
		*version = sqlite3_column_int(st, 0);
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(c);
	return ret;
}

int
backup_check_file(const char *path, char *err, size_t errlen)
{
	return check_copy(path, NULL, err, errlen);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes the oldest frostbyte-*.db in dir beyond keep (the names sort by time). */
static void
prune(const char *dir, int keep)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	char *names[1024];
	size_t n = 0;
	struct dirent *e;
	size_t pl = strlen(PREFIX), sl = strlen(SUFFIX);
	while ((e = readdir(d)) != NULL && n < sizeof(names) / sizeof(names[0])) {
		size_t len = strlen(e->d_name);
		if (len > pl + sl && strncmp(e->d_name, PREFIX, pl) == 0 &&
		    strcmp(e->d_name + len - sl, SUFFIX) == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (names[i] != NULL && i + (size_t)keep < n) {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			if (unlink(path) == 0)
				printf("removed old backup %s\n", path);
		}
		free(names[i]);
	}
}

int
backup_run(const char *dir, int keep)
{
	char stamp[32], tmp[PATH_MAX], final[PATH_MAX], err[PATH_MAX + 256];
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "frostbyte-ctl: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	utc_stamp(stamp, sizeof(stamp));
	snprintf(tmp, sizeof(tmp), "%s/.partial-%s-%d" SUFFIX, dir, stamp, (int)getpid());
	snprintf(final, sizeof(final), "%s/" PREFIX "%s" SUFFIX, dir, stamp);

	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, tmp, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "frostbyte-ctl: backup failed: %s\n", sqlite3_errmsg(db));
		unlink(tmp);
		return 1;
	}
	int version = -1;
	if (check_copy(tmp, &version, err, sizeof(err)) != 0) {
		fprintf(stderr, "frostbyte-ctl: the new copy is bad, not kept: %s\n", err);
		unlink(tmp);
		return 1;
	}
	chmod(tmp, 0600);
	if (fsync_path(tmp, false) != 0 || rename(tmp, final) != 0 || fsync_path(dir, true) != 0) {
		fprintf(stderr, "frostbyte-ctl: cannot save %s: %s\n", final, strerror(errno));
		unlink(tmp);
		return 1;
	}
	printf("backup %s: integrity ok, schema %d\n", final, version);
	if (keep > 0)
		prune(dir, keep);
	return 0;
}

/* Does a process other than this one have path open? (Linux: /proc/PID/fd links.) */
static pid_t
opened_by_other(const char *path)
{
	char real[PATH_MAX];
	if (realpath(path, real) == NULL)
		return 0;
	DIR *proc = opendir("/proc");
	if (proc == NULL)
		return 0;
	pid_t found = 0, self = getpid();
	struct dirent *p;
	while (found == 0 && (p = readdir(proc)) != NULL) {
		pid_t pid = (pid_t)atoi(p->d_name);
		if (pid <= 0 || pid == self)
			continue;
		char fddir[64];
		snprintf(fddir, sizeof(fddir), "/proc/%d/fd", (int)pid);
		DIR *fds = opendir(fddir);
		if (fds == NULL)
			continue;
		struct dirent *f;
		while (found == 0 && (f = readdir(fds)) != NULL) {
			char link[PATH_MAX + 80], target[PATH_MAX];
			snprintf(link, sizeof(link), "%s/%s", fddir, f->d_name);
			ssize_t n = readlink(link, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				if (strcmp(target, real) == 0)
					found = pid;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

static int
copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0 || fsync(out) != 0)
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	return rc;
}

int
restore_run(const char *db_path, const char *file)
{
	char tmp[PATH_MAX], lockpath[PATH_MAX], aside[PATH_MAX], from[PATH_MAX + 8], to[PATH_MAX + 8];
	char dir[PATH_MAX], err[PATH_MAX + 256], stamp[32];
	snprintf(dir, sizeof(dir), "%s", db_path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		*(slash == dir ? slash + 1 : slash) = '\0';

	pid_t pid = opened_by_other(db_path);
	if (pid != 0) {
		fprintf(stderr, "frostbyte-ctl: process %d has %s open; stop the pools first "
			"(systemctl stop frostbyte-api frostbyte-chat frostbyte-write)\n", (int)pid, db_path);
		return 1;
	}
	/* Check a copy beside the database (so the swap is a rename on one file system), never the
	 * backup itself, which stays as it was. */
	snprintf(tmp, sizeof(tmp), "%s.restore-%d", db_path, (int)getpid());
	int version = -1;
	if (copy_file(file, tmp) != 0) {
		fprintf(stderr, "frostbyte-ctl: cannot copy %s to %s: %s\n", file, tmp, strerror(errno));
		unlink(tmp);
		return 1;
	}
	if (check_copy(tmp, &version, err, sizeof(err)) != 0 || version > db_latest_version()) {
		if (version > db_latest_version())
			snprintf(err, sizeof(err), "%s has schema %d, newer than this build's %d", file,
				 version, db_latest_version());
		fprintf(stderr, "frostbyte-ctl: refusing to restore: %s\n", err);
		unlink(tmp);
		return 1;
	}

	snprintf(lockpath, sizeof(lockpath), "%s.lock", db_path);
	int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		fprintf(stderr, "frostbyte-ctl: cannot take the write lock %s: %s\n", lockpath,
			strerror(errno));
		if (lock >= 0)
			close(lock);
		unlink(tmp);
		return 1;
	}
	utc_stamp(stamp, sizeof(stamp));
	snprintf(aside, sizeof(aside), "%s.before-restore-%s", db_path, stamp);
	int rc = 0;
	/* The old -wal holds commits not yet in the main file: it moves with it, under the name
	 * SQLite pairs with the aside file, so that pair still opens as the old database. */
	static const char *const parts[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3 && rc == 0; i++) {
		snprintf(from, sizeof(from), "%s%s", db_path, parts[i]);
		snprintf(to, sizeof(to), "%s%s", aside, parts[i]);
		if (rename(from, to) != 0 && errno != ENOENT) {
			fprintf(stderr, "frostbyte-ctl: cannot move %s aside: %s\n", from, strerror(errno));
			rc = 1;
		}
	}
	if (rc == 0 && (rename(tmp, db_path) != 0 || fsync_path(dir, true) != 0)) {
		fprintf(stderr, "frostbyte-ctl: cannot put %s in place: %s\n", db_path, strerror(errno));
		rc = 1;
	}
	flock(lock, LOCK_UN);
	close(lock);
	if (rc != 0) {
		unlink(tmp);
		return 1;
	}
	printf("restored %s from %s (integrity ok, schema %d); the old database is %s\n", db_path,
	       file, version, aside);
	return 0;
}
