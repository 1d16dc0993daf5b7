/*
 * The snapshots under a snapshot directory: listing by instance, newest
 * first, and the retention rule used by `prune`. Only finished snapshots
 * (<instance>-<YYYYMMDDTHHMMSSZ> directories) are listed; hidden
 * .partial directories of runs in progress are never touched.
 */
#ifndef AMG_CATALOG_H
#define AMG_CATALOG_H

#include <stddef.h>
#include <time.h>

struct amg_catalog_entry {
    char *instance;    /* owned */
    char *name;        /* directory name, owned */
    char *path;        /* snapshot_dir/name, owned */
    time_t created;    /* from the name (UTC) */
};

/*
 * List snapshots of `instance` (NULL: all instances) in `snapshot_dir`,
 * newest first (ties by name). A missing directory gives an empty list.
 * *out is a new array of *n entries, freed with amg_catalog_free().
 */
int amg_catalog_list(const char *snapshot_dir, const char *instance,
                     struct amg_catalog_entry **out, size_t *n);
void amg_catalog_free(struct amg_catalog_entry *entries, size_t n);

/* Parse "<instance>-YYYYMMDDTHHMMSSZ"; 0 and the parts on success, -1 when
 * the name is not a snapshot name. *instance_len is the length of the
 * instance part. */
int amg_catalog_parse_name(const char *name, size_t *instance_len, time_t *created);

/*
 * Retention for one instance's entries (newest first, as listed): keep the
 * `keep` newest, and with keep_days > 0 also every snapshot younger than
 * keep_days at `now`; the newest is always kept. Sets remove[i] = 1 for
 * the entries to delete. keep < 1 is AMG_EINVAL.
 */
int amg_catalog_retention(const struct amg_catalog_entry *entries, size_t n, int keep,
                          int keep_days, time_t now, int *remove);

/*
 * Take the exclusive lock of `instance` in `snapshot_dir` (file
 * .lock-<instance>, flock), so that two exports of one instance never
 * share a temporary directory. The directory is created if missing.
 * *fd is the lock's descriptor, released with amg_catalog_unlock().
 * AMG_EEXIST (logged) when another run holds it.
 */
int amg_catalog_lock(const char *snapshot_dir, const char *instance, int *fd);
void amg_catalog_unlock(int fd);

/*
 * Remove the unfinished snapshots of `instance` that interrupted exports
 * (kill -9, power loss) left in `snapshot_dir`: the hidden directories
 * .<instance>-<YYYYMMDDTHHMMSSZ>.partial. Call with the instance's lock
 * held (amg_catalog_lock), so that no running export owns one. Each
 * removal is logged; *removed (may be NULL) counts them. A directory
 * that cannot be removed is logged and skipped.
 */
int amg_catalog_sweep_partial(const char *snapshot_dir, const char *instance, int *removed);

/*
 * A time for a new snapshot of `instance`: now, or, when a snapshot
 * stamped this second (or later, clock skew) exists already, after
 * waiting for the second after it. Snapshot names carry seconds and a
 * snapshot is never overwritten.
 */
int amg_catalog_next_time(const char *snapshot_dir, const char *instance, time_t *when);

#endif
