/*
 * Comparison of plugin documents for `verify`: a normal form that leaves
 * out what the server generates (ids, secrets, instance URLs, timestamps)
 * and orders what has no meaningful order, and a walk that reports the
 * differences between two normal forms. The rules are documented in
 * appid-migrate(1), section VERIFY.
 */
#ifndef AMG_JSONDIFF_H
#define AMG_JSONDIFF_H

#include <stddef.h>
#include <jansson.h>

/* Member names dropped at any depth: NULL-terminated, static. */
const char *const *amg_json_volatile_keys(void);

/* Normal form of `v` (borrowed): a new value without volatile members,
 * arrays of objects sorted by their key (see amg_json_elem_key), arrays
 * of scalars sorted. NULL when out of memory. */
json_t *amg_json_normalise(json_t *v);

/* The matching key of an array element: the string value of its "name",
 * "email" or "value" member (first present), or NULL. Borrowed. */
const char *amg_json_elem_key(json_t *elem, const char **field);

enum amg_diff_kind {
    AMG_DIFF_MISSING,   /* in the first document only */
    AMG_DIFF_EXTRA,     /* in the second document only */
    AMG_DIFF_CHANGED    /* in both, different */
};

/*
 * One difference: `path` names the place ("access.expires_in",
 * "roles[name=admin]", "redirectUris[]"), `a` / `b` the values on either
 * side (NULL on the side that lacks it), `first` for a changed keyed
 * element the path of its first differing field inside it (else NULL).
 * Return 0 to go on, negative to stop.
 */
typedef int (*amg_diff_fn)(void *ud, enum amg_diff_kind kind, const char *path, json_t *a,
                           json_t *b, const char *first);

/* Walk two normal forms; returns the number of differences, or the
 * callback's negative value. */
long amg_json_diff(json_t *a, json_t *b, amg_diff_fn fn, void *ud);

/* Path of the first difference between a and b into buf (sorted key
 * order, depth first); 1 when they differ, 0 when equal. */
int amg_json_first_diff(json_t *a, json_t *b, char *buf, size_t len);

/* Compact text of `v` cut to `len` - 1 bytes ("..." marks a cut). */
void amg_json_brief(json_t *v, char *buf, size_t len);

#endif
