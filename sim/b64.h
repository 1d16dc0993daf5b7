/*
 * Strict base64 (RFC 4648, standard alphabet, '=' padding) for request
 * fields that carry encoded text (template bodies) and for binary data kept
 * in the state file (the logo).
 */
#ifndef SIM_B64_H
#define SIM_B64_H

#include <stddef.h>

/*
 * Decode `len` bytes of `in`. The input must be a multiple of 4 long, use
 * only the standard alphabet and have padding only at its end; no
 * whitespace. On 0, *out is a new NUL-terminated buffer (the caller frees
 * it) of *out_len bytes. AMG_EINVAL for malformed input, AMG_ENOMEM.
 */
int sim_b64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len);

/* Encode `len` bytes; *out is a new NUL-terminated string the caller
 * frees. AMG_ENOMEM on failure. */
int sim_b64_encode(const void *in, size_t len, char **out);

#endif
