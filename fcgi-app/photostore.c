/* photostore.c: the photos' files, named by their SHA-256 (photostore.h). */
#include "photostore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "db.h"
#include "log.h"

#define SUFFIX ".jpg"

static bool
name_ok(const char *name)
{
	return name != NULL && strlen(name) == PHOTOSTORE_NAME_LEN &&
	       strspn(name, "0123456789abcdef") == PHOTOSTORE_NAME_LEN;
}

static void
path_of(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%.2s/%s" SUFFIX, dir, name, name);
}

const char *
photostore_path(struct arena *a, const char *dir, const char *name)
{
	return arena_printf(a, "%s/%.2s/%s" SUFFIX, dir, name, name);
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int
write_all(int fd, const unsigned char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n, len -= (size_t)n;
	}
	return 0;
}

int
photostore_put(const char *dir, const unsigned char *data, size_t len,
	       char name[PHOTOSTORE_NAME_LEN + 1])
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(hash, data, len);
	sodium_bin2hex(name, PHOTOSTORE_NAME_LEN + 1, hash, sizeof(hash));

	char sub[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/%.2s", dir, name);
	path_of(path, sizeof(path), dir, name);
	struct stat st;
	if (stat(path, &st) == 0 && (size_t)st.st_size == len)
		return 0; /* the same bytes are there: the name is their hash */
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -1;
	/* The pools run with umask 0077: nginx must still enter the folder (photos_dir is the gate). */
	if (mkdir(sub, 0755) == 0 ? chmod(sub, 0755) != 0 : errno != EEXIST)
		return -1;
	if (snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-XXXXXX", sub, name) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* nginx reads the files (as another user, let in by the folders' group) */
	if (fchmod(fd, 0644) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return fsync_dir(sub);
}

static const char SQL_GONE[] =
	"SELECT name FROM photo_files_gone g"
	" WHERE NOT EXISTS (SELECT 1 FROM photos WHERE thumb = g.name)"
	"   AND NOT EXISTS (SELECT 1 FROM photos WHERE large = g.name)";

static int
sweep(const char *dir)
{
	int rc = db_begin();
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_stmt *st = db_stmt(SQL_GONE);
	char path[PATH_MAX];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!name_ok(name))
			continue;
		path_of(path, sizeof(path), dir, name);
		if (unlink(path) != 0 && errno != ENOENT)
			log_msg("photos: cannot remove %s: %s", path, strerror(errno));
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_rollback();
		return rc;
	}
	/* Names still in use are forgotten too: their rows' deletion will list them again. */
	if ((rc = db_exec("DELETE FROM photo_files_gone", "")) != SQLITE_OK) {
		db_rollback();
		return rc;
	}
	return db_commit();
}

int
photostore_sweep(const char *dir)
{
	int rc = sweep(dir);
	if (rc != SQLITE_OK)
		log_msg("photos: the files of deleted photos stay until the next sweep: %s",
			sqlite3_errstr(rc));
	return rc;
}

static const char SQL_NAMED[] =
	"SELECT 1 FROM photos WHERE thumb = ?1 OR large = ?1 LIMIT 1";

int
photostore_gc(const char *dir)
{
	DIR *top = opendir(dir);
	if (top == NULL)
		return errno == ENOENT ? 0 : -1;
	int removed = 0;
	time_t old = time(NULL) - 3600;
	struct dirent *d;
	char sub[PATH_MAX], path[PATH_MAX];
	while ((d = readdir(top)) != NULL) {
		if (strlen(d->d_name) != 2 || strspn(d->d_name, "0123456789abcdef") != 2)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		DIR *in = opendir(sub);
		if (in == NULL)
			continue;
		struct dirent *f;
		while ((f = readdir(in)) != NULL) {
			if (f->d_name[0] == '.' && strcmp(f->d_name, ".") != 0 && strcmp(f->d_name, "..") != 0)
				; /* a temporary file: removed below when old */
			else if (strlen(f->d_name) != PHOTOSTORE_NAME_LEN + strlen(SUFFIX))
				continue;
			struct stat st;
			if (snprintf(path, sizeof(path), "%s/%s", sub, f->d_name) >= (int)sizeof(path) ||
			    stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_mtime > old)
				continue;
			bool named = false;
			if (f->d_name[0] != '.') {
				sqlite3_stmt *q = db_stmt(SQL_NAMED);
				sqlite3_bind_text(q, 1, f->d_name, PHOTOSTORE_NAME_LEN, SQLITE_TRANSIENT);
				int rc = sqlite3_step(q);
				db_done(q);
				if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
					closedir(in);
					closedir(top);
					return -1;
				}
				named = rc == SQLITE_ROW;
			}
			if (!named && unlink(path) == 0) {
				printf("removed %s\n", path);
				removed++;
			}
		}
		closedir(in);
	}
	closedir(top);
	return removed;
}

static int
copy_one(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%d", to, (int)getpid()) >= (int)sizeof(tmp)) {
		close(in);
		return -1;
	}
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	unsigned char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) != 0) {
			rc = -1;
			break;
		}
	if (n < 0 || fsync(out) != 0)
		rc = -1;
	close(in);
	if (close(out) != 0 || rc != 0 || rename(tmp, to) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
photostore_copy_named(const char *db_file, const char *from_dir, const char *to_dir, int *missing)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	*missing = 0;
	if (sqlite3_open_v2(db_file, &c, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c, "SELECT thumb FROM photos UNION SELECT large FROM photos", -1, &st,
			       NULL) != SQLITE_OK) {
		/* a database from before the photos has none to copy */
		bool none = c != NULL && strstr(sqlite3_errmsg(c), "no such table") != NULL;
		if (!none)
			fprintf(stderr, "frostbyte-ctl: cannot read the photos of %s: %s\n", db_file,
				c ? sqlite3_errmsg(c) : "out of memory");
		sqlite3_close(c);
		return none ? 0 : -1;
	}
	int copied = 0, rc;
	char from[PATH_MAX], to[PATH_MAX], sub[PATH_MAX];
	if (mkdir(to_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "frostbyte-ctl: cannot make %s: %s\n", to_dir, strerror(errno));
		copied = -1;
	}
	while (copied >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!name_ok(name))
			continue;
		path_of(to, sizeof(to), to_dir, name);
		if (access(to, F_OK) == 0)
			continue;
		path_of(from, sizeof(from), from_dir, name);
		if (access(from, F_OK) != 0) {
			(*missing)++;
			continue;
		}
		snprintf(sub, sizeof(sub), "%s/%.2s", to_dir, name);
		if ((mkdir(sub, 0755) != 0 && errno != EEXIST) || copy_one(from, to) != 0) {
			fprintf(stderr, "frostbyte-ctl: cannot copy %s to %s: %s\n", from, to, strerror(errno));
			copied = -1;
			break;
		}
		copied++;
	}
	sqlite3_finalize(st);
	sqlite3_close(c);
	if (copied > 0 && fsync_dir(to_dir) != 0)
		return -1;
	return copied;
}
