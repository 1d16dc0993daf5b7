#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#include "log.h"
#include "seal_fixture.h"

char *path_in(const char *dir, const char *name)
{
    char *p = NULL;

    CU_ASSERT_FATAL(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

/* Deterministic pseudo-random bytes, so failures reproduce. */
unsigned char *make_data(size_t len, unsigned seed)
{
    unsigned char *d = malloc(len ? len : 1);
    unsigned long long x = 0x9e3779b97f4a7c15ULL ^ seed;
    size_t i;

    CU_ASSERT_FATAL(d != NULL);
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d[i] = (unsigned char)x;
    }
    return d;
}

void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    FILE *fp = fopen(path, "wb");

    CU_ASSERT_FATAL(fp != NULL);
    CU_ASSERT_EQUAL(fwrite(data, 1, len, fp), len);
    CU_ASSERT_EQUAL(fclose(fp), 0);
    CU_ASSERT_EQUAL(chmod(path, mode), 0);
}

/* Whole file into a new buffer (*len bytes). */
unsigned char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;

    *len = 0;
    if (!fp)
        return NULL;
    CU_ASSERT_EQUAL(fseek(fp, 0, SEEK_END), 0);
    size = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)size + 1);
    CU_ASSERT_FATAL(buf != NULL);
    CU_ASSERT_EQUAL(fread(buf, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    *len = (size_t)size;
    return buf;
}

void test_key(unsigned char key[AMG_SEAL_KEY_BYTES], unsigned char fill)
{
    memset(key, fill, AMG_SEAL_KEY_BYTES);
    key[0] = 0x42;
}

/* Log capture: every amg_error() between begin and end. */
void capture_begin(void)
{
    amg_test_capture_start();
}

/* The captured text; the caller frees it. */
char *capture_end(void)
{
    return amg_test_capture_end();
}

int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    CU_ASSERT_FATAL(d != NULL);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

void fast_params(struct amg_seal_params *p)
{
    CU_ASSERT_EQUAL_FATAL(amg_seal_params_init(p), AMG_OK);
    p->opslimit = crypto_pwhash_OPSLIMIT_MIN;
    p->memlimit = crypto_pwhash_MEMLIMIT_MIN;
}
