/*
 * Conveniences over sim/b64.h for the user and OAuth code: base64 as a
 * returned string, and the URL-safe unpadded form JWTs use.
 */
#ifndef SIM_CODEC_H
#define SIM_CODEC_H

#include <stddef.h>

/* Standard base64 of `in` as a new string (caller frees), NULL on
 * allocation failure. */
char *sim_b64_str(const void *in, size_t len);

/* Strict decode of the NUL-terminated `in` (sim_b64_decode rules). */
int sim_b64_decode_str(const char *in, unsigned char **out, size_t *out_len);

/* Base64url without padding (RFC 7515 section 2), new string or NULL. */
char *sim_b64url_encode(const unsigned char *in, size_t len);

#endif
