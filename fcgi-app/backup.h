/* backup.h: frostbyte-ctl backup and restore of the SQLite database. */
#ifndef FROSTBYTE_BACKUP_H
#define FROSTBYTE_BACKUP_H

#include <stddef.h>

/* Writes a consistent copy of the open database (db.h) into dir as frostbyte-<UTC time>.db, while
 * the workers keep serving: VACUUM INTO from one read snapshot, then integrity_check on the copy,
 * fsync, rename into place, fsync the folder, and deletes the oldest copies beyond keep. Prints
 * the new file's path. Returns 0, or 1 with a message on stderr. */
int backup_run(const char *dir, int keep);

/* Replaces the database at db_path with the copy at file: refuses a copy that fails
 * integrity_check or has a newer schema than this build, and refuses while another process has
 * the database open (stop the pools first). The old database, -wal and -shm are renamed aside to
 * <name>.before-restore-<UTC time>, never deleted. Returns 0, or 1 with a message on stderr. */
int restore_run(const char *db_path, const char *file);

/* PRAGMA integrity_check on the file at path (opened on its own connection): 0 when "ok"; else -1
 * with the first problem in err. */
int backup_check_file(const char *path, char *err, size_t errlen);

#endif
