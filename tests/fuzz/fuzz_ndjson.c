/*
 * The ndjson line reader of snapshot_read.c over the input as a stream.
 * The manifest's record count is the number of newlines in the input
 * (one more when the input starts with a space, to reach the count
 * mismatch too).
 */
#define _GNU_SOURCE     /* fmemopen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"
#include "snapshot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct amg_ndjson_reader *r = NULL;
    char *copy = malloc(size ? size : 1);
    long expected = 0, n = 0;
    json_t *rec;
    FILE *fp;
    size_t i;
    int rc;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    for (i = 0; i < size; i++)
        expected += data[i] == '\n';
    if (size && data[0] == ' ')
        expected++;
    fp = fmemopen(copy, size, "r");
    if (!fp || amg_ndjson_reader_new(fp, "fuzz.ndjson", expected, &r) != AMG_OK) {
        free(copy);
        return 0;
    }
    while ((rc = amg_ndjson_next(r, &rec)) == 1) {
        if (!json_is_object(rec))
            abort();
        json_decref(rec);
        n++;
    }
    if (rc == 0 && n != expected)
        abort();
    /* The end, or an error, is sticky. */
    if (amg_ndjson_next(r, &rec) != rc || rec)
        abort();
    amg_ndjson_reader_close(r);
    free(copy);
    return 0;
}
