#include <string.h>
#include "roles_map.h"

json_t *amgp_roles_find_name(const json_t *list, const char *name)
{
    size_t i;

    for (i = 0; i < json_array_size(list); i++) {
        json_t *item = json_array_get(list, i);
        const char *n = json_string_value(json_object_get(item, "name"));

        if (n && name && strcmp(n, name) == 0)
            return item;
    }
    return NULL;
}

/* Element of `list` whose string member `key` equals `value`. */
static json_t *find_by(const json_t *list, const char *key, const char *value)
{
    size_t i;

    for (i = 0; value && i < json_array_size(list); i++) {
        json_t *item = json_array_get(list, i);
        const char *v = json_string_value(json_object_get(item, key));

        if (v && strcmp(v, value) == 0)
            return item;
    }
    return NULL;
}

json_t *amgp_roles_record(const json_t *role, const json_t *apps, size_t *dropped)
{
    json_t *id = json_object_get(role, "id");
    json_t *name = json_object_get(role, "name");
    const char *desc = json_string_value(json_object_get(role, "description"));
    json_t *access = json_array();
    json_t *entry;
    size_t i;

    *dropped = 0;
    if (!access || !json_is_string(id) || !json_is_string(name))
        goto fail;
    json_array_foreach(json_object_get(role, "access"), i, entry) {
        json_t *app_id = json_object_get(entry, "application_id");
        json_t *app = find_by(apps, "clientId", json_string_value(app_id));
        json_t *scopes = json_object_get(entry, "scopes");

        if (!app || !json_is_string(json_object_get(app, "name"))) {
            (*dropped)++;
            continue;
        }
        if (json_array_append_new(access, json_pack("{s:O, s:O, s:o}", "application_id",
                                                    app_id, "application_name",
                                                    json_object_get(app, "name"), "scopes",
                                                    json_is_array(scopes)
                                                        ? json_deep_copy(scopes)
                                                        : json_array())) != 0)
            goto fail;
    }
    return json_pack("{s:O, s:O, s:s, s:o}", "id", id, "name", name, "description",
                     desc ? desc : "", "access", access);
fail:
    json_decref(access);
    return NULL;
}

json_t *amgp_roles_body(const json_t *rec, amgp_roles_resolve_fn resolve, void *ud,
                        long *missing)
{
    const char *desc = json_string_value(json_object_get(rec, "description"));
    json_t *access = json_array();
    json_t *entry;
    size_t i;

    *missing = -1;
    if (!access)
        return NULL;
    json_array_foreach(json_object_get(rec, "access"), i, entry) {
        const char *target = resolve(ud,
                                     json_string_value(json_object_get(entry, "application_id")),
                                     json_string_value(json_object_get(entry,
                                                                       "application_name")));

        if (!target) {
            *missing = (long)i;
            goto fail;
        }
        if (json_array_append_new(access, json_pack("{s:s, s:O}", "application_id", target,
                                                    "scopes",
                                                    json_object_get(entry, "scopes"))) != 0)
            goto fail;
    }
    return json_pack("{s:O, s:s, s:o}", "name", json_object_get(rec, "name"),
                     "description", desc ? desc : "", "access", access);
fail:
    json_decref(access);
    return NULL;
}

/* 1 when both arrays hold the same strings, in any order (scope lists
 * hold no duplicates: App ID rejects them). */
static int same_strings(const json_t *a, const json_t *b)
{
    size_t i, j;

    if (json_array_size(a) != json_array_size(b))
        return 0;
    for (i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_array_get(a, i));

        for (j = 0; j < json_array_size(b); j++) {
            const char *t = json_string_value(json_array_get(b, j));

            if (s && t && strcmp(s, t) == 0)
                break;
        }
        if (j == json_array_size(b))
            return 0;
    }
    return 1;
}

static int same_access(const json_t *ha, const json_t *wa)
{
    json_t *entry;
    size_t i;

    if (json_array_size(ha) != json_array_size(wa))
        return 0;
    json_array_foreach(wa, i, entry) {
        const char *app = json_string_value(json_object_get(entry, "application_id"));
        json_t *other = find_by(ha, "application_id", app);

        if (!other || !same_strings(json_object_get(other, "scopes"),
                                    json_object_get(entry, "scopes")))
            return 0;
    }
    return 1;
}

int amgp_roles_diff(const json_t *have, const json_t *want)
{
    const char *hd = json_string_value(json_object_get(have, "description"));
    const char *wd = json_string_value(json_object_get(want, "description"));
    int diff = 0;

    if (strcmp(hd ? hd : "", wd ? wd : "") != 0)
        diff |= AMGP_ROLES_DIFF_DESCRIPTION;
    if (!same_access(json_object_get(have, "access"), json_object_get(want, "access")))
        diff |= AMGP_ROLES_DIFF_ACCESS;
    return diff;
}

int amgp_roles_same(const json_t *have, const json_t *want)
{
    return amgp_roles_diff(have, want) == 0;
}

int amgp_roles_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    size_t i;

    if (n == 0 || n > 128)
        return 0;
    for (i = 0; i < n; i++) {
        char c = id[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}
