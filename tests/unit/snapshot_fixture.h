/*
 * Shared fixture of the snapshot suites (test_snapshot, test_snapshot_read):
 * a committed sample snapshot, log capture and small file helpers. Paths
 * returned are new strings the caller frees.
 */
#ifndef AMG_SNAPSHOT_FIXTURE_H
#define AMG_SNAPSHOT_FIXTURE_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include "snapshot.h"
#include "testutil.h"

/* 2026-11-23T22:40:00Z */
#define NOW ((time_t)1795473600)
#define STAMP "20261123T224000Z"
#define NRECORDS 1000

/* instance "prod", region NULL, endpoint http://127.0.0.1:8080 */
extern const struct amg_snapshot_source fixture_src;

/* Send the log to memory until capture_stop(), which returns everything
 * logged (caller frees). */
void capture_start(void);
char *capture_stop(void);

char *join(const char *a, const char *b);
/* 1 if dir/name exists (lstat). */
int exists(const char *dir, const char *name);
/* Entries of `dir` other than . and .. */
int count_entries(const char *dir);
void write_file(const char *dir, const char *name, const char *data, size_t len);
/* Whole file (up to 1 MiB), NUL-terminated; caller frees. */
char *read_file(const char *dir, const char *name);

/* The i-th record of the sample users.ndjson; new reference. */
json_t *user_record(int i);

/* Commit, under `dir` at NOW, a snapshot with plugins tokens (1.0.0) and
 * users (1.2.0): tokens.json and users.ndjson of NRECORDS records. */
char *make_snapshot(const char *dir);

/* Replace snapshot file `name` with `content` and update the manifest's
 * sha256, bytes and records, so that amg_snapshot_open() accepts it. */
void reseal(const char *snap, const char *name, const char *content, long records);

#endif
