/*
 * A small multipart/form-data parser (RFC 7578) for POST
 * /cloud_directory/import/all: splits a buffered body into named parts
 * without copying. Only what browsers and curl send is supported: a
 * boundary parameter, CRLF line ends, Content-Disposition: form-data with
 * name (and optional filename) per part.
 */
#ifndef SIM_MULTIPART_H
#define SIM_MULTIPART_H

#include <stddef.h>

#define SIM_MULTIPART_MAX_PARTS 16

struct sim_part {
    char name[64];          /* form field name */
    const char *data;       /* borrowed from the body */
    size_t len;
};

/*
 * Parse `body` (`len` bytes) of Content-Type `ctype`. Fills up to
 * SIM_MULTIPART_MAX_PARTS parts and *n. Returns 0, or AMG_EINVAL with a
 * message in `msg` for a content type without boundary or a malformed
 * body.
 */
int sim_multipart_parse(const char *ctype, const char *body, size_t len,
                        struct sim_part *parts, size_t *n, char *msg, size_t msg_len);

/* The part named `name`, or NULL. */
const struct sim_part *sim_multipart_get(const struct sim_part *parts, size_t n,
                                         const char *name);

#endif
