/*
 * Checks for validate hooks: each reports a problem through host->problem
 * and returns 0 when the value is fine, -1 when a problem was reported,
 * so that a hook reports every problem of a snapshot in one pass.
 */
#ifndef AMGP_CHECKS_H
#define AMGP_CHECKS_H

#include <stddef.h>
#include <jansson.h>
#include "pluginutil.h"

/* obj[key] must be an object (or absent when !required). */
AMGP_HIDDEN int amgp_want_object(const struct amg_host *h, struct amg_ctx *ctx,
                                 json_t *obj, const char *where, const char *key,
                                 int required);
AMGP_HIDDEN int amgp_want_bool(const struct amg_host *h, struct amg_ctx *ctx,
                               json_t *obj, const char *where, const char *key,
                               int required);
AMGP_HIDDEN int amgp_want_string(const struct amg_host *h, struct amg_ctx *ctx,
                                 json_t *obj, const char *where, const char *key,
                                 int required);
/* Integer within [min, max]. */
AMGP_HIDDEN int amgp_want_int(const struct amg_host *h, struct amg_ctx *ctx,
                              json_t *obj, const char *where, const char *key,
                              int required, json_int_t min, json_int_t max);
/* String equal to one of the NULL-terminated `allowed` values. */
AMGP_HIDDEN int amgp_want_enum(const struct amg_host *h, struct amg_ctx *ctx,
                               json_t *obj, const char *where, const char *key,
                               int required, const char *const *allowed);
/* Array whose every element is a string. */
AMGP_HIDDEN int amgp_want_string_array(const struct amg_host *h, struct amg_ctx *ctx,
                                       json_t *obj, const char *where, const char *key,
                                       int required);

/* A snapshot document that must be a JSON object; reports a problem
 * and returns -1 otherwise. */
AMGP_HIDDEN int amgp_want_document(const struct amg_host *h, struct amg_ctx *ctx,
                                   json_t *doc);

/* `max` for amgp_want_list when App ID sets no limit. */
#define AMGP_NO_LIMIT ((size_t)-1)

/*
 * The usual start of a validate hook for a document {key: [ ... ]}: reads
 * the snapshot document into *doc (owned by the caller, also on error) and
 * sets *list (borrowed from *doc) when doc[key] is an array of at most
 * `max` entries; otherwise reports the problem and leaves *list NULL.
 * Returns a negative status only when the snapshot could not be read.
 */
AMGP_HIDDEN int amgp_want_list(const struct amg_host *h, struct amg_ctx *ctx, const char *key,
                               size_t max, json_t **doc, json_t **list);

#endif
