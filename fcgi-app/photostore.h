/* photostore.h: the photos' files under photos_dir (config.h), named by the SHA-256 of their bytes
 * (64 hex digits, never a name from the uploader), written once and read by nginx, removed when no
 * row of `photos` names them any more (schema/010_photos.sql). */
#ifndef FROSTBYTE_PHOTOSTORE_H
#define FROSTBYTE_PHOTOSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

#define PHOTOSTORE_NAME_LEN 64

/* The file's path: DIR/ab/abcd....jpg (the first two digits make a folder, so none grows huge). */
const char *photostore_path(struct arena *a, const char *dir, const char *name);

/* The name of data (its SHA-256 in hex) into name, then the file, written unless it is already
 * there: a temporary file, fsync, rename, fsync of the folder, mode 0644. Returns 0, or -1 with
 * errno set (ENOSPC: the disk is full). */
int photostore_put(const char *dir, const unsigned char *data, size_t len,
		   char name[PHOTOSTORE_NAME_LEN + 1]);

/* Removes the files of deleted photos that no row names any more and forgets them, in its own
 * write transaction (which holds the write lock, so no upload can name a file meanwhile: an upload
 * writes its files again inside its transaction if they went). Call after committing a change
 * that may delete photos. Returns an SQLite code (a failure is logged: the files stay until a later
 * sweep or `frostbyte-ctl photos-gc`); a file that cannot be removed is logged. */
int photostore_sweep(const char *dir);

/* frostbyte-ctl photos-gc: removes the files under dir that no row names and that are older than
 * an hour (an upload between its files and its commit is younger), and prints what it removed.
 * Returns the number removed, or -1. */
int photostore_gc(const char *dir);

/* Copies into to_dir, from from_dir, every file that a row of the database file db_file (opened
 * read-only on its own connection) names and to_dir lacks: a backup's photos after its database
 * was copied, and a restored database's photos back. Returns the number copied, or -1 with a
 * message on stderr (a file missing in from_dir too is only counted in *missing). */
int photostore_copy_named(const char *db_file, const char *from_dir, const char *to_dir, int *missing);

#endif
