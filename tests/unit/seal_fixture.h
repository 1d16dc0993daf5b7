/*
 * Shared helpers of the seal suites (test_seal, test_seal_key): files,
 * deterministic data, log capture. Paths returned are new strings the
 * caller frees.
 */
#ifndef AMG_SEAL_FIXTURE_H
#define AMG_SEAL_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>
#include "seal.h"
#include "testutil.h"

#define SECRET "correct horse battery staple"

char *path_in(const char *dir, const char *name);
/* len deterministic pseudo-random bytes (new buffer). */
unsigned char *make_data(size_t len, unsigned seed);
void write_file(const char *path, const void *data, size_t len, mode_t mode);
/* Whole file into a new buffer of *len bytes; NULL if it cannot be opened. */
unsigned char *read_file(const char *path, size_t *len);
/* A fixed test key. */
void test_key(unsigned char key[AMG_SEAL_KEY_BYTES], unsigned char fill);
/* Send the log to memory until capture_end(), which returns what was
 * logged (caller frees). */
void capture_begin(void);
char *capture_end(void);
int count_entries(const char *dir);
/* amg_seal_params_init() with libsodium's minimum limits (fast). */
void fast_params(struct amg_seal_params *p);

#endif
