/*
 * manifest.json validation (amg_snapshot_check_manifest) against a fixed
 * snapshot directory made once per process: tokens.json, users.ndjson
 * and themes.logo.bin with the contents below, so that inputs naming
 * them reach the size, checksum and unlisted-file checks.
 */
#define _GNU_SOURCE     /* mkdtemp, nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz_common.h"
#include "snapshot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/amg-fuzz-manifest-XXXXXX";

static const struct {
    const char *name;
    const char *content;
} files[] = {
    { "tokens.json", "{\"accessTokenExpires\":3600}\n" },
    { "users.ndjson", "{\"id\":\"1\"}\n{\"id\":\"2\"}\n" },
    { "themes.logo.bin", "\x89PNG" },
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t i;

    (void)argc;
    (void)argv;
    fuzz_setup();
    if (!mkdtemp(dir))
        abort();
    atexit(remove_dir);
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[sizeof(dir) + 64];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        fp = fopen(path, "w");
        if (!fp || fputs(files[i].content, fp) < 0 || fclose(fp) != 0)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rc = amg_snapshot_check_manifest(dir, (const char *)data, size);

    if (rc != AMG_OK && rc != AMG_ESNAPSHOT && rc != AMG_ENOMEM)
        abort();
    return 0;
}
