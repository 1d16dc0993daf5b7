/*
 * What this machine has validated: one stamp per plugin data file whose
 * content passed its plugin's validate hook, so that an import of the
 * same bytes need not parse them again before its first write (for
 * 100,000 users, most of the time before the first request).
 *
 * A stamp binds the plugin's name and version to the SHA-256 the
 * snapshot's manifest lists for the file, which amg_snapshot_open()
 * verifies against the file itself; any other content, or another
 * version of the plugin, finds no stamp. Stamps are local state, like the
 * import journal: <snapshot_dir>/runs/validated/<plugin>-<sha256>.json
 * (directory 0700, files 0600). Whoever can write there can write the
 * snapshots as well. A stamp that is missing, unreadable or of another
 * format only means a full validation. Stamps unused for
 * AMG_VALIDATED_MAX_AGE_DAYS are removed by amg_validated_sweep(), once per
 * export.
 */
#ifndef AMG_VALIDATED_H
#define AMG_VALIDATED_H

#include <stddef.h>
#include <jansson.h>

#define AMG_VALIDATED_FORMAT "appid-migrate-validated"
#define AMG_VALIDATED_MAX_AGE_DAYS 60

/* What a stamp is about; strings borrowed. */
struct amg_validated_key {
    const char *plugin;
    const char *version;     /* the plugin's, as loaded */
    const char *file;        /* the data file's name in the snapshot */
    const char *sha256;      /* as the manifest lists it (64 hex digits) */
};

/* The key of `plugin`'s data file in `manifest` (borrowed, as
 * amg_snapshot_manifest() gives it); `version` borrowed. Strings in *key
 * are borrowed from `manifest`. AMG_ENOTFOUND when the plugin has no file
 * or more than one (then there are no stamps for it). */
int amg_validated_key_of(json_t *manifest, const char *plugin, const char *version,
                         struct amg_validated_key *key);

/* Record that `key`'s content validated, `how` ("export", "validate",
 * "import") saying when; `snapshot` (the snapshot's path) is noted for
 * people. AMG_ENOTFOUND (not logged) when `snapshot_dir` is no existing
 * directory: it is not created for a stamp. Other failures are logged as
 * warnings and returned (AMG_EIO, AMG_ENOMEM, AMG_EINVAL for a key that
 * cannot name a file); callers go on without. */
int amg_validated_put(const char *snapshot_dir, const struct amg_validated_key *key,
                      const char *how, const char *snapshot);

/* Remove the stamps of `snapshot_dir` unused for AMG_VALIDATED_MAX_AGE_DAYS
 * (their snapshots are likely pruned), and temporary files of writers
 * that died before their rename. Best effort, silent. */
void amg_validated_sweep(const char *snapshot_dir);

/* 1 when a stamp for exactly `key` exists (and then `how`, if not NULL,
 * gets where it came from into a buffer of `how_len`), else 0. Touches
 * the stamp, which keeps it from being swept. */
int amg_validated_has(const char *snapshot_dir, const struct amg_validated_key *key,
                      char *how, size_t how_len);

#endif
