/* Internal to the snapshot reader (snapshot_read.c, snapshot_check.c). */
#ifndef AMG_SNAPSHOT_CHECK_H
#define AMG_SNAPSHOT_CHECK_H

#include <jansson.h>

#define MANIFEST_NAME "manifest.json"

/* Status for a failed jansson parse of `path` (lineno > 0: an ndjson
 * line); `refused` is amg_mem_failures() from before the call. Logs. */
int amg_snapshot_parse_failure(const char *path, long refused, const json_error_t *err,
                               long lineno);

/* Parse manifest.json at `mpath`; new reference in *out. */
int amg_snapshot_load_manifest(const char *mpath, json_t **out);

/* Format, shape, and the files of `dir` against the manifest `m`
 * (borrowed) read from `mpath`. AMG_ESNAPSHOT after logging every
 * problem, or AMG_ENOMEM. */
int amg_snapshot_check_all(const char *dir, const char *mpath, json_t *m);

#endif
