/*
 * Snapshot store on the local file system. A snapshot is a directory
 * <snapshot_dir>/<instance>-<UTC YYYYMMDDTHHMMSSZ>/ holding manifest.json
 * and one file per plugin (<plugin>.json, or <plugin>.ndjson for streamed
 * collections). It is written in a temporary sibling directory
 * (.<name>.partial) and renamed into place only once complete, so a
 * directory without the leading dot is always a finished snapshot.
 * Directories are created 0700, files 0600. See docs/snapshot-format.md.
 */
#ifndef AMG_SNAPSHOT_H
#define AMG_SNAPSHOT_H

#include <stdio.h>
#include <time.h>
#include <jansson.h>

#define AMG_SNAPSHOT_FORMAT "appid-migrate-snapshot"
#define AMG_SNAPSHOT_FORMAT_VERSION 1

struct amg_snapshot_source {
    const char *instance;
    const char *region;     /* may be NULL (emulator endpoint) */
    const char *endpoint;
    const char *tenant_id;
};

/* 1 if `name` is usable as a plugin name in a snapshot ([a-z0-9_]+, short
 * enough for <name>.ndjson to be a file name), else 0. Plugin names become
 * file names, so anything else is refused by writer and reader alike. */
int amg_snapshot_plugin_name_ok(const char *name);

/* ---- writing ---- */

struct amg_snapshot_writer;
struct amg_ndjson_writer;

/* Create the temporary directory for a new snapshot taken at `now`.
 * `snapshot_dir` is created (0700) if missing. Fails with AMG_EEXIST if
 * the final directory exists already (never overwrite). A .partial
 * directory of the same name left by a crashed run is removed first.
 * src->instance must match [A-Za-z0-9_.-]+ and not start with '.' (it
 * becomes part of a directory name); endpoint and tenant_id must be set.
 * `src` is copied. */
int amg_snapshot_begin(const char *snapshot_dir,
                       const struct amg_snapshot_source *src, time_t now,
                       struct amg_snapshot_writer **out);

/* The writer's temporary directory (<snapshot_dir>/.<name>.partial), for
 * scratch files that must never outlive the run; owned by the writer. */
const char *amg_snapshot_writer_dir(const struct amg_snapshot_writer *w);

/* Record a plugin's version in the manifest (once per plugin). */
int amg_snapshot_add_plugin(struct amg_snapshot_writer *w, const char *plugin,
                            const char *version);

/* Write <plugin>.json from `doc` (borrowed), compact and sorted keys, with
 * a trailing newline. `records` is stored in the manifest. */
int amg_snapshot_write_json(struct amg_snapshot_writer *w, const char *plugin,
                            json_t *doc, long records);

/* Binary parts are at most this large (logos are at most 100 KB). */
#define AMG_SNAPSHOT_BLOB_MAX (16 * 1024 * 1024)

/* Write a binary part <plugin>.<part>.bin (e.g. a logo). `part` must
 * match [a-z0-9_]+; each part once per plugin. records is 1. */
int amg_snapshot_write_blob(struct amg_snapshot_writer *w, const char *plugin,
                            const char *part, const void *data, size_t len);

/* Stream <plugin>.ndjson: one compact JSON object a line, hashed as it is
 * written. The ndjson writer is owned by `w` until closed: close() frees
 * it (whatever it returns), and so does aborting `w`. Only one ndjson
 * writer may be open at a time. A plugin writes at most one file, .json
 * or .ndjson: a second one fails with AMG_EEXIST. `rec` is borrowed and
 * must be an object. */
int amg_snapshot_ndjson_create(struct amg_snapshot_writer *w, const char *plugin,
                               struct amg_ndjson_writer **out);
int amg_ndjson_write(struct amg_ndjson_writer *nw, json_t *rec);
int amg_ndjson_close(struct amg_ndjson_writer *nw);

struct amg_seal_params;

/* Encrypt every file written from now on (call before the first one):
 * sealed with `key` (copied, wiped when the writer is freed), the file's
 * name as context; the manifest stays plaintext and records `p` plus
 * "files":"all" under "encryption", and the sha256 and size of the
 * ciphertext. AMG_EINVAL if called twice or after a file was written. */
int amg_snapshot_encrypt(struct amg_snapshot_writer *w, const struct amg_seal_params *p,
                         const unsigned char key[32]);

/* Write manifest.json, fsync, rename into place. On success *final_path
 * (if not NULL) is a new string and the writer is freed. On failure the
 * temporary directory is removed and the writer freed. Once any call on
 * `w` (or on one of its ndjson writers) has failed, the snapshot is
 * incomplete and commit refuses, returning that first failure's status;
 * an ndjson writer still open also makes commit fail (AMG_EINVAL). */
int amg_snapshot_commit(struct amg_snapshot_writer *w, char **final_path);

/* Remove the temporary directory and free the writer. NULL is a no-op. */
void amg_snapshot_abort(struct amg_snapshot_writer *w);

/* ---- reading ---- */

struct amg_snapshot;
struct amg_ndjson_reader;

/*
 * Open a finished snapshot: reads manifest.json, checks format name and
 * version, that every listed file exists with the listed size and sha256,
 * and that no unlisted file is present. Errors name the file and return
 * AMG_ESNAPSHOT. Caller frees with amg_snapshot_close().
 */
int amg_snapshot_open(const char *dir, struct amg_snapshot **out);
void amg_snapshot_close(struct amg_snapshot *s);

/* The checks of amg_snapshot_open() for manifest text `text` (`len`
 * bytes, borrowed) as if it were <dir>/manifest.json, against the files
 * of `dir`; nothing is kept. AMG_OK, AMG_ESNAPSHOT (problems logged) or
 * AMG_ENOMEM. For the fuzz target and tools that vet a manifest. */
int amg_snapshot_check_manifest(const char *dir, const char *text, size_t len);

/* The manifest (borrowed). */
json_t *amg_snapshot_manifest(const struct amg_snapshot *s);
const char *amg_snapshot_path(const struct amg_snapshot *s);

/* Name of the plugin's document file ("roles.json" or "users.ndjson"),
 * or NULL when it has none. Borrowed from the manifest. */
const char *amg_snapshot_document(const struct amg_snapshot *s, const char *plugin);

/* 1 if the snapshot holds data for `plugin` (any file), else 0. */
int amg_snapshot_has_plugin(const struct amg_snapshot *s, const char *plugin);

/* 1 if the snapshot's files are encrypted (manifest "encryption"). Its
 * checksums were checked at open; reading content needs the key: the
 * readers below fail with AMG_ECONFIG until amg_snapshot_set_secret(),
 * and with AMG_ESNAPSHOT ("FILE: authentication failed ...") on a wrong
 * key or a tampered file. */
int amg_snapshot_encrypted(const struct amg_snapshot *s);

/* Derive the key from `secret` (len bytes, borrowed) and the manifest's
 * parameters; the key is kept (wiped at close). A wrong secret is only
 * noticed when a file is read: see amg_snapshot_check_content(). */
int amg_snapshot_set_secret(struct amg_snapshot *s, const char *secret, size_t len);

/* Decrypt every file of an encrypted snapshot to its authenticated end
 * (plaintext discarded). AMG_ESNAPSHOT if any fails (each logged, named). */
int amg_snapshot_check_content(struct amg_snapshot *s);

/* Read <plugin>.json; new reference in *doc. AMG_ENOTFOUND if absent. */
int amg_snapshot_read_json(struct amg_snapshot *s, const char *plugin, json_t **doc);

/* Read <plugin>.<part>.bin into a new malloc'd buffer (NUL-terminated for
 * convenience; *len excludes the NUL). AMG_ENOTFOUND if absent. */
int amg_snapshot_read_blob(struct amg_snapshot *s, const char *plugin, const char *part,
                           char **data, size_t *len);

/* Stream <plugin>.ndjson, one line in memory at a time; AMG_ENOTFOUND if
 * the snapshot has no such file. next() returns 1 with a new reference, 0
 * at the end, AMG_ESNAPSHOT on a malformed line ("FILE:LINE: ..." logged),
 * a final line without newline, or a line count other than the
 * manifest's "records"; AMG_EIO on a read error. After an error next()
 * keeps returning it. */
int amg_snapshot_ndjson_open(struct amg_snapshot *s, const char *plugin,
                             struct amg_ndjson_reader **out);
int amg_ndjson_next(struct amg_ndjson_reader *r, json_t **rec);
/* The next record's text without parsing it: 1 with *line (owned by the
 * reader, valid until the next call; no newline) of *len bytes, 0 at the
 * end, negative as amg_ndjson_next(). */
int amg_ndjson_next_raw(struct amg_ndjson_reader *r, const char **line, size_t *len);
/* The records the manifest promises for the file (checked at its end). */
long amg_ndjson_expected(const struct amg_ndjson_reader *r);
void amg_ndjson_reader_close(struct amg_ndjson_reader *r);

/* A reader over the open stream `fp` (owned by the reader from the call
 * on, also when it fails), named `name` in messages, expecting `records`
 * lines. amg_snapshot_ndjson_open() builds on it; the fuzz target reads
 * memory through it. */
int amg_ndjson_reader_new(FILE *fp, const char *name, long records,
                          struct amg_ndjson_reader **out);

/* Hex sha256 of a file into hex[65]. Implemented in sha256.c. */
int amg_sha256_file(const char *path, char hex[65]);

#endif
