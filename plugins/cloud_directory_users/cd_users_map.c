#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cd_users_map.h"

const char *cdu_email(json_t *item, char *buf, size_t size)
{
    json_t *emails = json_object_get(json_object_get(item, "scimUser"), "emails");
    json_t *chosen = NULL;
    json_t *e;
    const char *v;
    size_t i;

    json_array_foreach(emails, i, e) {
        if (!chosen || json_is_true(json_object_get(e, "primary"))) {
            if (json_is_string(json_object_get(e, "value")))
                chosen = e;
        }
        if (chosen && json_is_true(json_object_get(chosen, "primary")))
            break;
    }
    v = chosen ? json_string_value(json_object_get(chosen, "value")) : NULL;
    if (!v || strlen(v) >= size)
        return NULL;
    for (i = 0; v[i]; i++)
        buf[i] = (char)tolower((unsigned char)v[i]);
    buf[i] = '\0';
    return buf;
}

/* "<prefix><lower-cased v>" into out[size], or "" when v is NULL or it
 * does not fit. */
static int lower_key(const char *prefix, const char *v, char *out, size_t size)
{
    size_t p = strlen(prefix), i;

    out[0] = '\0';
    if (!v || !v[0] || p + strlen(v) >= size)
        return 0;
    memcpy(out, prefix, p);
    for (i = 0; v[i]; i++)
        out[p + i] = (char)tolower((unsigned char)v[i]);
    out[p + i] = '\0';
    return 1;
}

int cdu_keys(json_t *scim, char *ekey, size_t esize, char *ukey, size_t usize)
{
    json_t *item = json_pack("{s:O}", "scimUser", scim);
    char email[320];
    const char *e = item ? cdu_email(item, email, sizeof(email)) : NULL;
    int n;

    n = lower_key("e:", e, ekey, esize);
    n += lower_key("u:", json_string_value(json_object_get(scim, "userName")), ukey, usize);
    json_decref(item);
    return n;
}

const char *cdu_user_name(json_t *item)
{
    return json_string_value(json_object_get(json_object_get(item, "scimUser"), "userName"));
}

const char *cdu_original_id(json_t *item)
{
    json_t *scim = json_object_get(item, "scimUser");
    const char *id = json_string_value(json_object_get(scim, "originalId"));

    return id ? id : json_string_value(json_object_get(scim, "id"));
}

json_t *cdu_view(json_t *item)
{
    char email[320];
    const char *e = cdu_email(item, email, sizeof(email));
    const char *u = cdu_user_name(item);
    const char *id = cdu_original_id(item);
    json_t *view = json_object();

    if (!view)
        return NULL;
    if (e)
        json_object_set_new(view, "email", json_string(e));
    if (u)
        json_object_set_new(view, "userName", json_string(u));
    if (id)
        json_object_set_new(view, "id", json_string(id));
    return view;
}

static size_t skip_space(const char *buf, size_t len, size_t i)
{
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    return i;
}

int cdu_array_next(const char *buf, size_t len, size_t *pos, size_t *start, size_t *end)
{
    size_t i = skip_space(buf, len, *pos);
    int depth = 0;
    int in_string = 0;

    if (*pos == 0) {
        if (i >= len || buf[i] != '[')
            return -1;
        i = skip_space(buf, len, i + 1);
    } else if (i < len && buf[i] == ',') {
        i = skip_space(buf, len, i + 1);
    }
    if (i >= len)
        return -1;
    if (buf[i] == ']') {
        *pos = i + 1;
        return 0;
    }
    *start = i;
    for (; i < len; i++) {
        char c = buf[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                break;          /* the array's own ']' after a scalar */
            if (--depth == 0) {
                i++;
                break;
            }
        } else if (c == ',' && depth == 0) {
            break;
        }
    }
    if (depth != 0 || in_string || i > len)
        return -1;
    *end = i;
    while (*end > *start && strchr(" \n\r\t", buf[*end - 1]))
        (*end)--;
    *pos = i;
    return *end > *start ? 1 : -1;
}
