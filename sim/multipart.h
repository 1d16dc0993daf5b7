/*
 * Just enough of multipart/form-data (RFC 7578, RFC 2046 section 5.1) to
 * take one file part out of an upload, as App ID's media endpoint expects.
 * Works on the bytes as received; nothing is copied.
 */
#ifndef SIM_MULTIPART_H
#define SIM_MULTIPART_H

#include <stddef.h>

#define SIM_BOUNDARY_MAX 70   /* RFC 2046 */

/*
 * The boundary of a Content-Type header value (may be NULL) into `out`
 * (at least SIM_BOUNDARY_MAX + 1 bytes). 0 when `ctype` is
 * multipart/form-data with a boundary parameter of 1..70 characters,
 * quoted or not; AMG_EINVAL otherwise.
 */
int sim_multipart_boundary(const char *ctype, char *out);

struct sim_part {
    const char *data;        /* borrowed from the body */
    size_t len;
    char filename[256];      /* "" when the part has none */
    char content_type[128];  /* "" when the part has none */
};

/*
 * Find the part whose Content-Disposition is form-data with name `name`
 * in `body` (`len` bytes). Returns 0 with *part filled; AMG_ENOTFOUND
 * when the body is well formed but has no such part; AMG_EINVAL with a
 * message in `msg` when the body is not well formed (no opening or
 * closing delimiter, a part without a blank line after its headers).
 */
int sim_multipart_find(const char *boundary, const char *body, size_t len, const char *name,
                       struct sim_part *part, char *msg, size_t msg_len);

#endif
