/*
 * Import journal: what an import into one target instance has finished,
 * so that a run killed at any point (kill -9, power loss) is resumed by
 * running the same command again instead of starting over.
 *
 * One journal a target: <snapshot_dir>/runs/<target>/import.journal
 * (directory 0700, file 0600), next to the lock file import.lock that
 * keeps two imports into one target apart. It is keyed by the snapshot
 * (its directory name, shown to operators, and the SHA-256 of its
 * manifest.json, which tells snapshots apart), the target and the
 * selection (--only/--exclude): it applies to an import with the same
 * key only. It records, in run order, the plugins that finished without
 * failures (each with its post-restore actions) and the run's id map.
 * Every change is written atomically: a temporary file, fsync, rename,
 * fsync of the directory, so a crash leaves the old or the new journal,
 * never a mix. See docs/appid-migrate.1 (FILES) and
 * docs/disaster-recovery.md.
 */
#ifndef AMG_JOURNAL_H
#define AMG_JOURNAL_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>

#define AMG_JOURNAL_FORMAT "appid-migrate-journal"
#define AMG_JOURNAL_VERSION 1

/* What a journal applies to; all strings borrowed. */
struct amg_journal_key {
    const char *target;           /* instance written */
    const char *snapshot_id;      /* snapshot directory name */
    const char *manifest_sha256;  /* 64 lowercase hex digits */
    const char *only;             /* --only, NULL for none */
    const char *exclude;          /* --exclude, NULL for none */
};

struct amg_journal;

/* "<snapshot_dir>/runs/<target>/import.journal" as a new string
 * (amg_free); NULL when out of memory or when `target` cannot name a
 * directory (see amg_journal_target_ok()). */
char *amg_journal_file(const char *snapshot_dir, const char *target);

/* 1 when `target` can name a run directory ([A-Za-z0-9_.-]+, not
 * starting with '.', at most 128 characters), else 0. */
int amg_journal_target_ok(const char *target);

/* Take the import lock of `target` (<snapshot_dir>/runs/<target>/
 * import.lock, flock), creating the directories. *fd is released with
 * amg_journal_unlock(). AMG_EEXIST (logged, naming the lock file) when
 * another run holds it. */
int amg_journal_lock(const char *snapshot_dir, const char *target, int *fd);
void amg_journal_unlock(int fd);

/* Read the journal at `path`. AMG_ENOTFOUND (not logged) when there is
 * none; AMG_EINVAL (logged as "PATH: ...: not a usable import journal")
 * when it is truncated, corrupt or of another format; AMG_ENOMEM; AMG_EIO
 * (logged) when it cannot be read. On success *out is a new journal that
 * saves to `path` (copied). */
int amg_journal_load(const char *path, struct amg_journal **out);

/* A new, empty journal for `key` (copied) that saves to `path` (copied),
 * started at `now`. Nothing is written until amg_journal_save(). */
int amg_journal_new(const char *path, const struct amg_journal_key *key, time_t now,
                    struct amg_journal **out);

void amg_journal_free(struct amg_journal *j);

/* 1 when `j` was written for exactly `key`, else 0. */
int amg_journal_matches(const struct amg_journal *j, const struct amg_journal_key *key);

/* Borrowed from `j`. */
const char *amg_journal_path(const struct amg_journal *j);
const char *amg_journal_snapshot_id(const struct amg_journal *j);
const char *amg_journal_only(const struct amg_journal *j);
const char *amg_journal_exclude(const struct amg_journal *j);

/* Number of plugins recorded as done. */
size_t amg_journal_done_count(const struct amg_journal *j);

/* 1 when `plugin` is recorded as done, else 0. */
int amg_journal_is_done(const struct amg_journal *j, const char *plugin);

/* The post-restore actions recorded with a done plugin (array of strings,
 * borrowed), or NULL. */
json_t *amg_journal_actions(const struct amg_journal *j, const char *plugin);

/* The id map recorded ({kind: {old: new}}, borrowed; an empty object in
 * a new journal). */
json_t *amg_journal_id_map(const struct amg_journal *j);

/* Record `plugin` as done at `now` with its post-restore actions
 * (`actions`, array of strings, may be NULL; copied) and replace the id
 * map with `id_map` (copied; NULL keeps it), then save. Marking a plugin
 * twice keeps one entry. */
int amg_journal_mark_done(struct amg_journal *j, const char *plugin, json_t *actions,
                          json_t *id_map, time_t now);

/* Write the journal atomically (temporary file 0600, fsync, rename,
 * directory fsync). AMG_EIO (logged, naming the file) on failure; the
 * journal on disk is then the previous one. */
int amg_journal_save(struct amg_journal *j);

/* Remove the journal file at `path`; a missing file is not an error.
 * AMG_EIO (logged) otherwise. */
int amg_journal_remove(const char *path);

/*
 * For `migrate --from SOURCE --to TARGET`: the snapshot of an unfinished
 * import into `target` recorded in its journal, when that snapshot is of
 * `source` (its name is SOURCE-<time>), the selection is the same and the
 * snapshot directory still exists under `snapshot_dir`. *snapshot is then
 * a new string (amg_free) naming it; otherwise NULL. A journal that
 * cannot be read is AMG_EINVAL (logged) as in amg_journal_load().
 */
int amg_journal_pending(const char *snapshot_dir, const char *target, const char *source,
                        const char *only, const char *exclude, char **snapshot);

#endif
