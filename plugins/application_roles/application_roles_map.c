#include <string.h>
#include "application_roles_map.h"

json_t *amgp_approles_find(const json_t *list, const char *key, const char *value)
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

json_t *amgp_approles_record(const json_t *app, const json_t *roles)
{
    json_t *id = json_object_get(app, "clientId");
    json_t *name = json_object_get(app, "name");
    json_t *out = json_array();
    json_t *role;
    size_t i;

    if (!out || !json_is_string(id) || !json_is_string(name))
        goto fail;
    json_array_foreach(roles, i, role) {
        json_t *rid = json_object_get(role, "id");
        json_t *rname = json_object_get(role, "name");

        if (!json_is_string(rid) || !json_is_string(rname) ||
            json_array_append_new(out, json_pack("{s:O, s:O}", "id", rid, "name", rname)) != 0)
            goto fail;
    }
    return json_pack("{s:O, s:O, s:o}", "application_name", name, "clientId", id,
                     "roles", out);
fail:
    json_decref(out);
    return NULL;
}

json_t *amgp_approles_ids(const json_t *roles)
{
    json_t *out = json_array();
    json_t *role;
    size_t i;

    if (!out)
        return NULL;
    json_array_foreach(roles, i, role) {
        json_t *id = json_object_get(role, "id");

        if (json_is_string(id) && json_array_append(out, id) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *amgp_approles_union(const json_t *current, const json_t *add)
{
    json_t *out = json_is_array(current) ? json_deep_copy(current) : json_array();
    json_t *id;
    size_t i, j;

    if (!out)
        return NULL;
    json_array_foreach(add, i, id) {
        const char *s = json_string_value(id);

        if (!s)
            continue;
        for (j = 0; j < json_array_size(out); j++) {
            const char *t = json_string_value(json_array_get(out, j));

            if (t && strcmp(s, t) == 0)
                break;
        }
        if (j == json_array_size(out) && json_array_append(out, id) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *amgp_approles_missing_names(const json_t *current, const json_t *want)
{
    json_t *out = json_array();
    json_t *role;
    size_t i, j;

    if (!out)
        return NULL;
    json_array_foreach(want, i, role) {
        const char *id = json_string_value(json_object_get(role, "id"));
        json_t *name = json_object_get(role, "name");

        if (!id || !json_is_string(name))
            continue;
        for (j = 0; j < json_array_size(current); j++) {
            const char *t = json_string_value(json_array_get(current, j));

            if (t && strcmp(id, t) == 0)
                break;
        }
        if (j == json_array_size(current) && json_array_append(out, name) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

int amgp_approles_id_ok(const char *id)
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
