/*
 * Streaming SHA-256 (OpenSSL EVP) with lowercase hex output, used by the
 * snapshot writer to hash files while they are written and by the reader
 * to verify them. amg_sha256_file() is declared in snapshot.h.
 */
#ifndef AMG_SHA256_H
#define AMG_SHA256_H

#include <stddef.h>

#define AMG_SHA256_HEX_LEN 64

struct amg_sha256;

/* New hashing context; free with amg_sha256_free(). */
int amg_sha256_new(struct amg_sha256 **out);
void amg_sha256_free(struct amg_sha256 *h);

int amg_sha256_update(struct amg_sha256 *h, const void *data, size_t len);

/* Finish into hex[65] (NUL-terminated). The context cannot be updated
 * afterwards, only freed. */
int amg_sha256_final_hex(struct amg_sha256 *h, char hex[AMG_SHA256_HEX_LEN + 1]);

/* Hex sha256 of a memory buffer. */
int amg_sha256_hex(const void *data, size_t len, char hex[AMG_SHA256_HEX_LEN + 1]);

#endif
