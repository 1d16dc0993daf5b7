/*
 * File-system helpers used by the snapshot store: path joining, mkdir -p,
 * recursive removal, directory fsync and a rename that never replaces an
 * existing target. Failures are logged with the path named.
 */
#ifndef AMG_FSUTIL_H
#define AMG_FSUTIL_H

/* "dir/name" as a new string (caller frees), NULL when out of memory. */
char *amg_path_join(const char *dir, const char *name);

/* mkdir -p: missing components are created 0700 (whatever the umask);
 * existing ones keep their mode. AMG_EIO if `path` ends up not being a
 * directory. */
int amg_mkdir_p(const char *path);

/* Remove `path` and everything below it without following symlinks.
 * A missing path is not an error. */
int amg_rmtree(const char *path);

/* fsync a directory, so that entries created or renamed in it persist. */
int amg_fsync_dir(const char *path);

/* rename(2) that fails with errno EEXIST instead of replacing `to` (a plain
 * rename replaces an empty directory). Returns 0 or -1 with errno set;
 * logs nothing. */
int amg_rename_noreplace(const char *from, const char *to);

#endif
