/*
 * Pure helpers of the themes plugin for the logo (unit tested by
 * tests/unit/test_plugin_themes.c): image type detection and the
 * multipart/form-data body App ID's media upload takes.
 */
#ifndef AMGP_THEMES_MAP_H
#define AMGP_THEMES_MAP_H

#include <stddef.h>

#ifndef AMGP_HIDDEN
#define AMGP_HIDDEN __attribute__((visibility("hidden")))
#endif

/* App ID accepts logos up to 100 KB (reference 8.6). */
#define AMGP_LOGO_MAX (100 * 1024)
#define AMGP_BOUNDARY_LEN 35

/* "image/png" or "image/jpeg" by the first bytes of `data`, NULL for
 * anything else (App ID takes only these two). Static strings. */
AMGP_HIDDEN const char *amgp_image_type(const void *data, size_t len);

/* A fresh boundary, "amg" and 32 random hex digits, into `buf` (at least
 * AMGP_BOUNDARY_LEN + 1 bytes). AMG_EIO when no randomness is available. */
AMGP_HIDDEN int amgp_random_boundary(char *buf, size_t len);

/*
 * One-part multipart/form-data body:
 *   --B CRLF Content-Disposition: form-data; name="FIELD"; filename="FILE" CRLF
 *   Content-Type: CTYPE CRLF CRLF DATA CRLF --B-- CRLF
 * On 0 *out is a malloc'd buffer (the caller frees it) of *out_len bytes.
 * AMG_EINVAL when `boundary` (1..70 characters, no quote, CR or LF)
 * occurs in `data` after "--", when a header value has a quote, CR or LF,
 * or when any argument is missing; AMG_ENOMEM.
 */
AMGP_HIDDEN int amgp_multipart_build(const char *boundary, const char *field,
                                     const char *filename, const char *ctype,
                                     const void *data, size_t len, char **out,
                                     size_t *out_len);

#endif
