/*
 * Snapshots in an S3 object store (IBM COS): snapshot_store =
 * "s3://BUCKET/PREFIX" with the `s3` group of the config. A snapshot
 * <name> is the objects PREFIX/<name>/<file>, manifest.json uploaded last,
 * so an object set without manifest.json is an incomplete upload that
 * readers ignore. Its reference is "s3://BUCKET/PREFIX/<name>".
 */
#ifndef AMG_STORE_H
#define AMG_STORE_H

#include <stddef.h>
#include "catalog.h"
#include "config.h"

struct amg_s3;

/* 1 if `ref` is an "s3://" reference, else 0. */
int amg_store_is_ref(const char *ref);

/* Upload the finished local snapshot directory `dir` (borrowed) to the
 * configured store: every file of the manifest, each checked after upload
 * (the sha256 is signed with the request, so the store refuses a body
 * that does not match; a HEAD then checks the size), manifest.json last.
 * On success *ref is a new string with the s3:// reference. */
int amg_store_upload(const struct amg_config *cfg, const char *dir, char **ref);

/* Download the snapshot `ref` into a new directory under
 * cfg->snapshot_dir (.fetch-XXXXXX, 0700): *tmp (remove it with
 * amg_rmtree() and free it) and *dir (the snapshot inside it, to open;
 * free it) are new strings. Only the files the manifest lists are
 * fetched; amg_snapshot_open() then checks them against it. On failure
 * nothing is left behind. AMG_ESNAPSHOT when the snapshot has no
 * manifest (incomplete or absent). */
int amg_store_fetch(const struct amg_config *cfg, const char *ref, char **tmp, char **dir);

/* A client for `url` (s3://BUCKET[/PREFIX]) with the config's endpoint,
 * region and HMAC keys (from the variables s3.access_key_env and
 * s3.secret_key_env name). AMG_ECONFIG, logged, when any is missing. */
int amg_store_client(const struct amg_config *cfg, const char *url, struct amg_s3 **out);

/* The complete snapshots (those with a manifest.json object) of
 * `instance` (NULL: all) in the configured store, newest first, as
 * catalog entries whose path is the s3:// reference; bytes[i] (a new
 * array in *bytes) is the total size of snapshot i's objects. Free the
 * entries with amg_catalog_free() and *bytes with amg_free(). */
int amg_store_list(const struct amg_config *cfg, const char *instance,
                   struct amg_catalog_entry **out, long long **bytes, size_t *n);

/* Delete the snapshot `name` from the configured store: manifest.json
 * first, so that a deletion cut short leaves an incomplete snapshot
 * (ignored) and never one that looks complete but lacks files. */
int amg_store_remove(const struct amg_config *cfg, const char *name);

#endif
