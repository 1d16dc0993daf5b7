/*
 * `verify`: compares what two snapshots hold for one plugin, after the
 * normalisation of jsondiff.h. Single documents (<plugin>.json) are
 * walked field by field; record files (<plugin>.ndjson) are matched by a
 * record key, keeping only each record's key and the SHA-256 of its
 * normal form in memory, so memory grows with the number of records but
 * not with their size. Binary parts are compared by checksum. The rules
 * are documented in appid-migrate(1), section VERIFY.
 */
#ifndef AMG_VERIFY_H
#define AMG_VERIFY_H

#include <stdio.h>
#include <jansson.h>

struct amg_snapshot;

/* At most this many differences are printed per plugin; all are counted. */
#define AMG_VERIFY_PRINT_MAX 50

struct amg_verify_side {
    struct amg_snapshot *snap;   /* borrowed */
    const char *label;           /* instance name or snapshot path */
};

/*
 * Compare `plugin`'s data in a and b, printing each difference on `out`
 * as "<plugin>: ...". *differences receives the count. Returns 0, or a
 * negative status when a file could not be read.
 */
int amg_verify_plugin(const struct amg_verify_side *a, const struct amg_verify_side *b,
                      const char *plugin, FILE *out, long *differences);

/* The key `verify` matches record `rec` by ("email=alice@example.com"),
 * into buf; 0 when found, -1 when the record has none of the key fields
 * (it is then matched by content). */
int amg_verify_record_key(json_t *rec, char *buf, size_t len);

#endif
