/*
 * Table-driven checks of request bodies. A resource is described by an
 * array of fields, parents before children, ended by { NULL }. Paths are
 * dotted; a segment ending in "[]" stands for every element of that
 * array, e.g. "idTokenClaims[].source" or "languages[]".
 *
 * A field flagged SIM_REQUIRED must be present whenever its parent object
 * is; an optional parent that is absent skips all its children. Keys not
 * described are allowed (the real API keeps extra properties on several
 * resources).
 */
#ifndef SIM_SCHEMA_H
#define SIM_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

enum sim_type {
    SIM_ANY = 0,
    SIM_BOOL,
    SIM_INT,
    SIM_STRING,
    SIM_OBJECT,
    SIM_ARRAY
};

#define SIM_REQUIRED 0x1u
#define SIM_NONEMPTY 0x2u   /* string or array must not be empty */
#define SIM_RANGE 0x4u      /* integer within [min, max]; array length too */

struct sim_field {
    const char *path;
    enum sim_type type;
    unsigned flags;
    long long min, max;           /* with SIM_RANGE */
    const char *const *one_of;    /* NULL-terminated allowed strings, or NULL */
    /* Extra check on a present, well-typed value: NULL when fine, else a
     * static text completing "field 'x' ...", e.g. "must be #RRGGBB". */
    const char *(*check)(const json_t *value);
};

/*
 * Check `doc` (an object, borrowed) against `fields`. Returns 0 when it
 * conforms; otherwise AMG_EINVAL with a message naming the first bad
 * field written to `msg` (always NUL-terminated).
 */
int sim_schema_check(const struct sim_field *fields, const json_t *doc,
                     char *msg, size_t msg_len);

#endif
