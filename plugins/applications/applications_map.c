#include <string.h>
#include "applications_map.h"

json_t *amgp_apps_record(const json_t *app, const json_t *scopes)
{
    json_t *id = json_object_get(app, "clientId");
    json_t *name = json_object_get(app, "name");
    const char *type = json_string_value(json_object_get(app, "type"));
    json_t *copy;

    if (!json_is_string(id) || !json_is_string(name) || !json_is_array(scopes))
        return NULL;
    copy = json_deep_copy(scopes);
    if (!copy)
        return NULL;
    return json_pack("{s:O, s:O, s:s, s:o}", "clientId", id, "name", name,
                     "type", type ? type : "regularwebapp", "scopes", copy);
}

/* 1 when the array holds the string `s`. */
static int has_string(const json_t *arr, const char *s)
{
    size_t i;

    for (i = 0; i < json_array_size(arr); i++) {
        const char *v = json_string_value(json_array_get(arr, i));

        if (v && strcmp(v, s) == 0)
            return 1;
    }
    return 0;
}

json_t *amgp_apps_scopes_union(const json_t *target, const json_t *want)
{
    json_t *out = json_is_array(target) ? json_deep_copy(target) : json_array();
    json_t *s;
    size_t i;

    if (!out)
        return NULL;
    json_array_foreach(want, i, s) {
        if (json_is_string(s) && !has_string(out, json_string_value(s)) &&
            json_array_append(out, s) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *amgp_apps_scopes_missing(const json_t *target, const json_t *want)
{
    json_t *out = json_array();
    json_t *s;
    size_t i;

    if (!out)
        return NULL;
    json_array_foreach(want, i, s) {
        const char *v = json_string_value(s);

        if (v && !has_string(target, v) && !has_string(out, v) &&
            json_array_append(out, s) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *amgp_apps_find_name(const json_t *apps, const char *name)
{
    size_t i;

    for (i = 0; i < json_array_size(apps); i++) {
        json_t *app = json_array_get(apps, i);
        const char *n = json_string_value(json_object_get(app, "name"));

        if (n && strcmp(n, name) == 0)
            return app;
    }
    return NULL;
}

const char *amgp_apps_name_problem(const char *name)
{
    size_t chars = 0;
    const char *p;

    /* Characters, not bytes: a UTF-8 continuation byte starts none. */
    for (p = name; *p; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80)
            chars++;
    }
    if (chars < 1 || chars > 50)
        return "must be 1 to 50 characters long";
    return NULL;
}

const char *amgp_apps_scope_problem(const char *scope)
{
    const char *p;

    if (!scope[0])
        return "is empty";
    if (strlen(scope) >= 50)
        return "must be shorter than 50 characters";
    for (p = scope; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_'))
            return "may hold only lowercase letters, digits, '.' and '_'";
    }
    if (strncmp(scope, "appid", 5) == 0 || strncmp(scope, "openid", 6) == 0)
        return "must not start with 'appid' or 'openid'";
    return NULL;
}

const char *amgp_apps_type_problem(const char *type)
{
    if (strcmp(type, "regularwebapp") == 0 || strcmp(type, "singlepageapp") == 0)
        return NULL;
    return "must be regularwebapp or singlepageapp";
}

int amgp_apps_id_ok(const char *id)
{
    size_t n = strlen(id);
    size_t i;

    if (n == 0 || n > 128)
        return 0;
    for (i = 0; i < n; i++) {
        char c = id[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    /* "." and ".." would change the path. */
    return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}
