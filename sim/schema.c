#include <stdio.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "schema.h"

#define SIM_PATH_MAX 256

static const char *type_name(enum sim_type type)
{
    switch (type) {
    case SIM_BOOL:
        return "a boolean";
    case SIM_INT:
        return "an integer";
    case SIM_STRING:
        return "a string";
    case SIM_OBJECT:
        return "an object";
    case SIM_ARRAY:
        return "an array";
    case SIM_ANY:
        break;
    }
    return "a value";
}

static int type_ok(enum sim_type type, const json_t *v)
{
    switch (type) {
    case SIM_BOOL:
        return json_is_boolean(v);
    case SIM_INT:
        return json_is_integer(v);
    case SIM_STRING:
        return json_is_string(v);
    case SIM_OBJECT:
        return json_is_object(v);
    case SIM_ARRAY:
        return json_is_array(v);
    case SIM_ANY:
        break;
    }
    return 1;
}

static void list_allowed(const char *const *one_of, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (; *one_of && used < len; one_of++) {
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", *one_of);

        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Check one present value against its field description. */
static int check_value(const struct sim_field *f, const json_t *v, const char *where,
                       char *msg, size_t msg_len)
{
    const char *problem;

    if (!type_ok(f->type, v)) {
        snprintf(msg, msg_len, "field '%s' must be %s", where, type_name(f->type));
        return AMG_EINVAL;
    }
    if ((f->flags & SIM_NONEMPTY) &&
        ((json_is_string(v) && json_string_length(v) == 0) ||
         (json_is_array(v) && json_array_size(v) == 0))) {
        snprintf(msg, msg_len, "field '%s' must not be empty", where);
        return AMG_EINVAL;
    }
    if ((f->flags & SIM_RANGE) && json_is_integer(v) &&
        (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
        snprintf(msg, msg_len, "field '%s' must be between %lld and %lld", where,
                 f->min, f->max);
        return AMG_EINVAL;
    }
    if ((f->flags & SIM_RANGE) && json_is_array(v) &&
        ((long long)json_array_size(v) < f->min || (long long)json_array_size(v) > f->max)) {
        snprintf(msg, msg_len, "field '%s' must have between %lld and %lld elements",
                 where, f->min, f->max);
        return AMG_EINVAL;
    }
    if (f->one_of && json_is_string(v)) {
        const char *s = json_string_value(v);
        const char *const *p;
        char allowed[256];

        for (p = f->one_of; *p; p++) {
            if (strcmp(*p, s) == 0)
                break;
        }
        if (!*p) {
            list_allowed(f->one_of, allowed, sizeof(allowed));
            snprintf(msg, msg_len, "field '%s' must be one of: %s", where, allowed);
            return AMG_EINVAL;
        }
    }
    if (f->check && (problem = f->check(v)) != NULL) {
        snprintf(msg, msg_len, "field '%s' %s", where, problem);
        return AMG_EINVAL;
    }
    return AMG_OK;
}

/*
 * Walk `rest` (the remaining dotted path) down from `node`. `where` holds
 * the concrete path so far ("a.b[2]") for messages.
 */
static int walk(const struct sim_field *f, const json_t *node, const char *rest,
                const char *where, char *msg, size_t msg_len)
{
    const char *dot = strchr(rest, '.');
    size_t seg_len = dot ? (size_t)(dot - rest) : strlen(rest);
    const char *next = dot ? dot + 1 : NULL;
    int is_array = seg_len >= 2 && rest[seg_len - 2] == '[' && rest[seg_len - 1] == ']';
    size_t key_len = is_array ? seg_len - 2 : seg_len;
    char key[SIM_PATH_MAX];
    char here[SIM_PATH_MAX];
    const json_t *child;
    size_t i;
    int n, rc;

    /* A parent of the wrong type is reported by its own field entry. */
    if (!json_is_object(node) || key_len >= sizeof(key))
        return AMG_OK;
    memcpy(key, rest, key_len);
    key[key_len] = '\0';
    n = snprintf(here, sizeof(here), "%s%s%s", where, where[0] ? "." : "", key);
    if (n < 0 || (size_t)n >= sizeof(here))
        return AMG_OK;   /* deeper than any described field */
    child = json_object_get(node, key);

    if (!is_array) {
        if (next)
            return child ? walk(f, child, next, here, msg, msg_len) : AMG_OK;
        if (!child) {
            if (f->flags & SIM_REQUIRED) {
                snprintf(msg, msg_len, "missing required field '%s'", here);
                return AMG_EINVAL;
            }
            return AMG_OK;
        }
        return check_value(f, child, here, msg, msg_len);
    }

    if (!json_is_array(child))
        return AMG_OK;
    for (i = 0; i < json_array_size(child); i++) {
        char elem[SIM_PATH_MAX];

        n = snprintf(elem, sizeof(elem), "%s[%zu]", here, i);
        if (n < 0 || (size_t)n >= sizeof(elem))
            return AMG_OK;
        if (next)
            rc = walk(f, json_array_get(child, i), next, elem, msg, msg_len);
        else
            rc = check_value(f, json_array_get(child, i), elem, msg, msg_len);
        if (rc != AMG_OK)
            return rc;
    }
    return AMG_OK;
}

int sim_schema_check(const struct sim_field *fields, const json_t *doc,
                     char *msg, size_t msg_len)
{
    int rc;

    msg[0] = '\0';
    if (!json_is_object(doc)) {
        snprintf(msg, msg_len, "request body must be a JSON object");
        return AMG_EINVAL;
    }
    for (; fields && fields->path; fields++) {
        rc = walk(fields, doc, fields->path, "", msg, msg_len);
        if (rc != AMG_OK)
            return rc;
    }
    return AMG_OK;
}
