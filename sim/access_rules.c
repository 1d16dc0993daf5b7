#include <string.h>
#include "access_rules.h"

#define REQ SIM_REQUIRED
#define F(p, t, fl) { .path = (p), .type = (t), .flags = (fl) }
#define FR(p, t, fl, lo, hi) \
    { .path = (p), .type = (t), .flags = (fl) | SIM_RANGE, .min = (lo), .max = (hi) }
#define FE(p, t, fl, list) { .path = (p), .type = (t), .flags = (fl), .one_of = (list) }
#define FC(p, t, fl, fn) { .path = (p), .type = (t), .flags = (fl), .check = (fn) }
#define END { .path = NULL }

static const char *const app_types[] = { "regularwebapp", "singlepageapp", NULL };

/* Characters of a UTF-8 string: every byte that does not continue a
 * sequence starts one. jansson guarantees valid UTF-8. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    }
    return n;
}

const char *sim_app_name_problem(const char *name)
{
    size_t n = utf8_chars(name);

    if (n < 1 || n > SIM_APP_NAME_MAX)
        return "must be 1 to 50 characters long";
    return NULL;
}

const char *sim_scope_name_problem(const char *name)
{
    const char *p;

    if (!name[0])
        return "must not be empty";
    if (strlen(name) > SIM_SCOPE_NAME_MAX)
        return "must be shorter than 50 characters";
    for (p = name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_'))
            return "may hold only lowercase letters, digits, '.' and '_'";
    }
    if (strncmp(name, "appid", 5) == 0 || strncmp(name, "openid", 6) == 0)
        return "must not start with 'appid' or 'openid'";
    return NULL;
}

static const char *check_app_name(const json_t *v)
{
    return sim_app_name_problem(json_string_value(v));
}

static const char *check_scope_name(const json_t *v)
{
    return sim_scope_name_problem(json_string_value(v));
}

const struct sim_field sim_fields_app_create[] = {
    FC("name", SIM_STRING, REQ, check_app_name),
    FE("type", SIM_STRING, 0, app_types),
    END
};

const struct sim_field sim_fields_app_update[] = {
    FC("name", SIM_STRING, REQ, check_app_name),
    FE("type", SIM_STRING, 0, app_types),
    END
};

const struct sim_field sim_fields_scopes[] = {
    FR("scopes", SIM_ARRAY, REQ, 0, SIM_MAX_SCOPES),
    FC("scopes[]", SIM_STRING, 0, check_scope_name),
    END
};

const struct sim_field sim_fields_role[] = {
    F("name", SIM_STRING, REQ | SIM_NONEMPTY),
    F("description", SIM_STRING, 0),
    F("access", SIM_ARRAY, REQ),
    F("access[]", SIM_OBJECT, 0),
    F("access[].application_id", SIM_STRING, REQ | SIM_NONEMPTY),
    F("access[].scopes", SIM_ARRAY, REQ),
    F("access[].scopes[]", SIM_STRING, 0),
    END
};

const struct sim_field sim_fields_app_roles[] = {
    F("roles", SIM_OBJECT, REQ),
    F("roles.ids", SIM_ARRAY, REQ),
    F("roles.ids[]", SIM_STRING, SIM_NONEMPTY),
    END
};

int sim_array_has_string(const json_t *arr, const char *s)
{
    size_t i;

    for (i = 0; i < json_array_size(arr); i++) {
        const char *v = json_string_value(json_array_get(arr, i));

        if (v && strcmp(v, s) == 0)
            return 1;
    }
    return 0;
}

long sim_first_duplicate(const json_t *arr)
{
    size_t i, j;

    /* Lists are at most a few dozen long (section 11): quadratic is fine. */
    for (i = 1; i < json_array_size(arr); i++) {
        const char *s = json_string_value(json_array_get(arr, i));

        for (j = 0; s && j < i; j++) {
            const char *t = json_string_value(json_array_get(arr, j));

            if (t && strcmp(s, t) == 0)
                return (long)i;
        }
    }
    return -1;
}
