#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "cloud_directory_settings_map.h"

const char *const amgp_cds_template_names[] = {
    "USER_VERIFICATION", "WELCOME", "PASSWORD_CHANGED", "RESET_PASSWORD", "MFA_VERIFICATION",
    NULL
};

const char *const amgp_cds_actions[] = { "on_user_verified", "on_reset_password", NULL };

int amgp_cds_in_list(const char *const *list, const char *s)
{
    for (; *list; list++) {
        if (strcmp(*list, s) == 0)
            return 1;
    }
    return 0;
}

int amgp_cds_lang_valid(const char *lang)
{
    size_t i, n = lang ? strlen(lang) : 0;

    if (n == 0 || n > 35)
        return 0;
    for (i = 0; i < n; i++) {
        char c = lang[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* The k-th valid language of `langs`, or NULL. */
static const char *nth_lang(json_t *langs, size_t k)
{
    json_t *item;
    size_t i;

    json_array_foreach(langs, i, item) {
        const char *l = json_string_value(item);

        if (amgp_cds_lang_valid(l) && k-- == 0)
            return l;
    }
    return NULL;
}

static size_t valid_langs(json_t *langs)
{
    json_t *item;
    size_t i, n = 0;

    json_array_foreach(langs, i, item) {
        if (amgp_cds_lang_valid(json_string_value(item)))
            n++;
    }
    return n;
}

size_t amgp_cds_template_count(json_t *langs)
{
    size_t names = 0;

    while (amgp_cds_template_names[names])
        names++;
    return names * valid_langs(langs);
}

int amgp_cds_template_at(json_t *langs, size_t i, const char **name, const char **lang)
{
    size_t n = valid_langs(langs);

    *name = NULL;
    *lang = NULL;
    if (n == 0 || i >= amgp_cds_template_count(langs))
        return AMG_EINVAL;
    *name = amgp_cds_template_names[i / n];
    *lang = nth_lang(langs, i % n);
    return AMG_OK;
}

int amgp_cds_template_path(const char *name, const char *lang, char *buf, size_t len)
{
    int n;

    if (!name || !amgp_cds_in_list(amgp_cds_template_names, name) || !amgp_cds_lang_valid(lang))
        return AMG_EINVAL;
    n = snprintf(buf, len, "/config/cloud_directory/templates/%s/%s", name, lang);
    return n >= 0 && (size_t)n < len ? AMG_OK : AMG_EINVAL;
}

char *amgp_b64_encode(const void *data, size_t len)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = malloc((len + 2) / 3 * 4 + 1);
    size_t i, o = 0;

    if (!out)
        return NULL;
    for (i = 0; i < len; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16;
        size_t rest = len - i;

        if (rest > 1)
            v |= (unsigned long)p[i + 1] << 8;
        if (rest > 2)
            v |= p[i + 2];
        out[o++] = digits[(v >> 18) & 63];
        out[o++] = digits[(v >> 12) & 63];
        out[o++] = rest > 1 ? digits[(v >> 6) & 63] : '=';
        out[o++] = rest > 2 ? digits[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* Sets obj[key] to the base64 form of the string `text`. */
static int set_encoded(json_t *obj, const char *key, json_t *text)
{
    char *b64 = amgp_b64_encode(json_string_value(text), json_string_length(text));
    int rc = b64 && json_object_set_new(obj, key, json_string(b64)) == 0 ? AMG_OK : AMG_ENOMEM;

    free(b64);
    return rc;
}

/* Copies obj[key] into body when it is a string. */
static int copy_string(json_t *body, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_string(v))
        return AMG_OK;
    return json_object_set(body, key, v) == 0 ? AMG_OK : AMG_ENOMEM;
}

json_t *amgp_cds_template_body(json_t *obj)
{
    json_t *html = json_object_get(obj, "html_body");
    json_t *body = NULL;
    int rc;

    if (!json_is_string(json_object_get(obj, "subject")))
        return NULL;
    body = json_object();
    if (!body)
        return NULL;
    rc = copy_string(body, obj, "subject");
    if (rc == AMG_OK && json_is_string(html))
        rc = set_encoded(body, "base64_encoded_html_body", html);
    else if (rc == AMG_OK)
        rc = copy_string(body, obj, "base64_encoded_html_body");
    if (rc == AMG_OK)
        rc = copy_string(body, obj, "plain_text_body");
    if (rc != AMG_OK) {
        json_decref(body);
        return NULL;
    }
    return body;
}

json_t *amgp_cds_regex_body(json_t *obj)
{
    json_t *regex = json_object_get(obj, "regex");
    json_t *body = NULL;
    int rc;

    if (!json_is_object(obj))
        return NULL;
    body = json_object();
    if (!body)
        return NULL;
    if (json_is_string(regex))
        rc = set_encoded(body, "base64_encoded_regex", regex);
    else
        rc = copy_string(body, obj, "base64_encoded_regex");
    if (rc == AMG_OK)
        rc = copy_string(body, obj, "error_message");
    if (rc != AMG_OK) {
        json_decref(body);
        return NULL;
    }
    return body;
}
