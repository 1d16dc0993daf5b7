/*
 * One file of a snapshot being written: created 0600 (never over an
 * existing file), hashed with SHA-256 as it is written, sealed when the
 * snapshot is encrypted, and fsync'd at close. Private to the snapshot
 * writer (snapshot.c).
 */
#ifndef AMG_SNAPSHOT_OUT_H
#define AMG_SNAPSHOT_OUT_H

#include <stdio.h>
#include <jansson.h>
#include "seal.h"
#include "sha256.h"

/* One file being written into the .partial directory; zero it before
 * amg_out_open(). Owns fp, path, hash and seal. */
struct amg_out_file {
    FILE *fp;
    char *path;
    struct amg_sha256 *hash;
    long long bytes;
    int failed;     /* a write failed and was logged already */
    struct amg_seal_writer *seal;   /* encrypting: bytes go through it */
    int sealed;     /* hash and size come from the file at close */
};


/* Create `name` in `dir` for writing. `key` NULL: plaintext (the
 * manifest); else the file is sealed with its name as context, so files
 * cannot be swapped unnoticed. AMG_EEXIST (logged) when it exists. On
 * error the caller still calls amg_out_discard(). */
int amg_out_open(struct amg_out_file *f, const char *dir, const char *name,
                 const unsigned char *key);

/* Append `len` bytes. AMG_EIO (logged once) after any failed write. */
int amg_out_write(struct amg_out_file *f, const void *data, size_t len);

/* Serialise `doc` with jansson `flags`, then a newline. */
int amg_out_dump(struct amg_out_file *f, const json_t *doc, size_t flags);

/* Release a file that will be removed with the .partial directory: no
 * flush or sync, and no errors to report. Safe on a zeroed or closed f. */
void amg_out_discard(struct amg_out_file *f);

/* Flush, fsync and close; on success `hex` gets the SHA-256 of the bytes
 * on disk (the ciphertext when sealed) and f->bytes their count. The
 * resources are released either way. */
int amg_out_close(struct amg_out_file *f, char hex[AMG_SHA256_HEX_LEN + 1]);

#endif
