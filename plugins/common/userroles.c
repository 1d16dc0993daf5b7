#include <stdio.h>
#include <string.h>
#include "userroles.h"

static int load_target(const struct amg_host *h, struct amg_ctx *ctx, json_t *set)
{
    json_t *list = NULL;
    json_t *role;
    size_t i;
    int rc;

    rc = amgp_get_list(h, ctx, "/roles", "roles", &list);
    if (rc < 0)
        return rc;
    json_array_foreach(list, i, role) {
        const char *name = json_string_value(json_object_get(role, "name"));

        if (name && json_object_set_new(set, name, json_true()) != 0) {
            rc = AMG_ENOMEM;
            break;
        }
    }
    json_decref(list);
    return rc;
}

/* The snapshot's roles (roles.json of the roles plugin), name -> old id.
 * A snapshot without roles, or a core without snapshot_read_of, leaves
 * the set empty: then only the target's roles count. */
static int load_snapshot(const struct amg_host *h, struct amg_ctx *ctx, json_t *set)
{
    json_t *doc = NULL;
    json_t *role;
    size_t i;
    int rc;

    if (!AMG_HOST_HAS(h, snapshot_read_of))
        return AMG_OK;
    rc = h->snapshot_read_of(ctx, "roles", &doc);
    if (rc == AMG_ENOTFOUND)
        return AMG_OK;
    if (rc < 0)
        return rc;
    json_array_foreach(json_object_get(doc, "roles"), i, role) {
        const char *name = json_string_value(json_object_get(role, "name"));
        json_t *id = json_object_get(role, "id");

        if (name && json_is_string(id) && json_object_set(set, name, id) != 0) {
            rc = AMG_ENOMEM;
            break;
        }
    }
    json_decref(doc);
    return rc;
}

int amgp_userroles_load(const struct amg_host *h, struct amg_ctx *ctx,
                        struct amgp_userroles *ur)
{
    int rc;

    memset(ur, 0, sizeof(*ur));
    ur->target = json_object();
    ur->snapshot = json_object();
    ur->missing = json_object();
    if (!ur->target || !ur->snapshot || !ur->missing)
        return AMG_ENOMEM;
    rc = load_target(h, ctx, ur->target);
    if (rc == AMG_OK)
        rc = load_snapshot(h, ctx, ur->snapshot);
    return rc;
}

void amgp_userroles_free(struct amgp_userroles *ur)
{
    json_decref(ur->target);
    json_decref(ur->snapshot);
    json_decref(ur->missing);
    memset(ur, 0, sizeof(*ur));
}

/* 1 when role `name` is in the target or created by this run. */
static int role_there(const struct amg_host *h, struct amg_ctx *ctx,
                      const struct amgp_userroles *ur, const char *name)
{
    const char *old_id;

    if (json_object_get(ur->target, name))
        return 1;
    old_id = json_string_value(json_object_get(ur->snapshot, name));
    return old_id && h->idmap_get(ctx, "role", old_id) != NULL;
}

/* Count `user` under missing role `name`. */
static int note_missing(struct amgp_userroles *ur, const char *name, const char *user)
{
    json_t *entry = json_object_get(ur->missing, name);
    json_t *names;

    if (!entry) {
        entry = json_pack("{s:I, s:[]}", "users", (json_int_t)0, "names");
        if (!entry || json_object_set_new(ur->missing, name, entry) != 0)
            return AMG_ENOMEM;
    }
    json_object_set_new(entry, "users",
                        json_integer(json_integer_value(json_object_get(entry, "users")) + 1));
    names = json_object_get(entry, "names");
    if (json_array_size(names) < AMGP_USERROLES_NAMED &&
        json_array_append_new(names, json_string(user)) != 0)
        return AMG_ENOMEM;
    return AMG_OK;
}

int amgp_userroles_check(const struct amg_host *h, struct amg_ctx *ctx,
                         struct amgp_userroles *ur, json_t *roles, const char *user,
                         char *why, size_t size)
{
    json_t *role;
    size_t i, used = 0;
    int missing = 0;

    if (size)
        why[0] = '\0';
    json_array_foreach(roles, i, role) {
        const char *name = json_string_value(role);
        int n;

        if (!name || role_there(h, ctx, ur, name))
            continue;
        if (note_missing(ur, name, user) < 0)
            return AMG_ENOMEM;
        missing++;
        if (used < size) {
            n = snprintf(why + used, size - used, "%s'%s'", used ? ", " : "", name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    if (missing)
        ur->users++;
    return missing;
}

void amgp_userroles_finish(const struct amg_host *h, struct amg_ctx *ctx,
                           const struct amgp_userroles *ur, const char *noun)
{
    const char *name;
    json_t *entry;

    json_object_foreach(ur->missing, name, entry) {
        char names[400];
        long n = (long)json_integer_value(json_object_get(entry, "users"));
        size_t used = 0, i;
        json_t *v;

        names[0] = '\0';
        json_array_foreach(json_object_get(entry, "names"), i, v) {
            int k;

            if (used >= sizeof(names))
                break;
            k = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
                         json_string_value(v));
            used += k > 0 ? (size_t)k : 0;
        }
        h->log(ctx, AMG_LOG_WARN, "role '%s' is neither in the target nor created by this "
               "run: %ld %s refer to it and would fail (%s%s)", name, n, noun, names,
               n > AMGP_USERROLES_NAMED ? ", ..." : "");
    }
}
