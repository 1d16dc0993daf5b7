/*
 * Base64 for the sim's user data: standard alphabet with padding for
 * passwordHash values and hash records, unpadded base64url for the JWTs
 * of the OAuth token endpoint.
 */
#ifndef SIM_CODEC_H
#define SIM_CODEC_H

#include <stddef.h>

/* Padded standard base64 of `len` bytes; new string, NULL on allocation
 * failure. */
char *sim_b64_encode(const unsigned char *in, size_t len);

/*
 * Decode padded standard base64 (no whitespace). *out is a new buffer of
 * *out_len bytes (plus a NUL the length does not count). Returns 0,
 * AMG_EINVAL for text that is not base64, AMG_ENOMEM.
 */
int sim_b64_decode(const char *in, unsigned char **out, size_t *out_len);

/* Unpadded base64url of `len` bytes; new string or NULL. */
char *sim_b64url_encode(const unsigned char *in, size_t len);

#endif
