/*
 * The id map is a jansson object of objects, {"kind": {"old": "new"}}:
 * jansson objects are hash tables already, and the report wants exactly
 * this shape.
 */
#include <stdlib.h>
#include "idmap.h"
#include "mem.h"
#include "appid-migrate/plugin.h"

struct amg_idmap {
    json_t *kinds;
};

int amg_idmap_new(struct amg_idmap **out)
{
    struct amg_idmap *m = NULL;

    if (!out)
        return AMG_EINVAL;
    *out = NULL;
    m = amg_calloc(1, sizeof(*m));
    if (!m)
        return AMG_ENOMEM;
    m->kinds = json_object();
    if (!m->kinds) {
        amg_free(m);
        return AMG_ENOMEM;
    }
    *out = m;
    return AMG_OK;
}

void amg_idmap_free(struct amg_idmap *m)
{
    if (!m)
        return;
    json_decref(m->kinds);
    amg_free(m);
}

/* jansson refuses strings that are not UTF-8 and reports that the same way
 * as running out of memory; tell the two apart. */
static int string_status(const char *s)
{
    json_t *t = json_string(s);
    int rc = AMG_OK;

    if (!t) {
        t = json_string_nocheck(s);
        rc = t ? AMG_EINVAL : AMG_ENOMEM;
    }
    json_decref(t);
    return rc;
}

int amg_idmap_put(struct amg_idmap *m, const char *kind, const char *old_id,
                  const char *new_id)
{
    json_t *ids;
    json_t *val = NULL;
    int rc = AMG_EINVAL;

    if (!m || !kind || !*kind || !old_id || !*old_id || !new_id || !*new_id)
        goto out;
    rc = string_status(kind);
    if (rc == AMG_OK)
        rc = string_status(old_id);
    if (rc)
        goto out;
    val = json_string(new_id);
    if (!val) {
        rc = string_status(new_id);
        goto out;
    }
    rc = AMG_ENOMEM;
    ids = json_object_get(m->kinds, kind);
    if (!ids) {
        ids = json_object();
        if (!ids || json_object_set_new(m->kinds, kind, ids))
            goto out;
    }
    if (json_object_set(ids, old_id, val))
        goto out;
    rc = AMG_OK;
out:
    json_decref(val);
    return rc;
}

const char *amg_idmap_get(const struct amg_idmap *m, const char *kind,
                          const char *old_id)
{
    if (!m || !kind || !old_id)
        return NULL;
    return json_string_value(json_object_get(json_object_get(m->kinds, kind), old_id));
}

json_t *amg_idmap_to_json(const struct amg_idmap *m)
{
    json_t *copy = m ? json_deep_copy(m->kinds) : NULL;
    const char *kind;
    json_t *v;
    void *tmp;

    /* Kinds starting with '_' are the plugins' notes to each other. */
    json_object_foreach_safe(copy, tmp, kind, v) {
        if (kind[0] == '_')
            json_object_del(copy, kind);
    }
    return copy;
}
