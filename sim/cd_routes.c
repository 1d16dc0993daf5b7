#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "cd_routes.h"
#include "cd_templates.h"
#include "schema.h"
#include "tenant.h"

#define TEMPLATES_PREFIX "/config/cloud_directory/templates/"
#define ACTION_PREFIX "/config/cloud_directory/action_url/"
#define SEG_MAX 64

static const char *const actions[] = { "on_user_verified", "on_reset_password", NULL };

static const struct sim_field template_fields[] = {
    { .path = "subject", .type = SIM_STRING, .flags = SIM_REQUIRED },
    { .path = "html_body", .type = SIM_STRING },
    { .path = "base64_encoded_html_body", .type = SIM_STRING },
    { .path = "plain_text_body", .type = SIM_STRING },
    { .path = NULL }
};

static const struct sim_field action_fields[] = {
    { .path = "actionUrl", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = NULL }
};

/* Copies the next path segment of `*p` into `seg`; advances past it and
 * a following '/'. 0 for a segment of 1..SEG_MAX-1 characters. */
static int next_segment(const char **p, char *seg)
{
    const char *slash = strchr(*p, '/');
    size_t n = slash ? (size_t)(slash - *p) : strlen(*p);

    if (n == 0 || n >= SEG_MAX)
        return AMG_EINVAL;
    memcpy(seg, *p, n);
    seg[n] = '\0';
    *p += slash ? n + 1 : n;
    return AMG_OK;
}

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++) {
        if (strcmp(*list, s) == 0)
            return 1;
    }
    return 0;
}

/* 1 when `lang` is in the tenant's /config/ui/languages. */
static int language_configured(const struct sim_env *env, const char *tenant, const char *lang)
{
    json_t *conf = sim_tenants_get(env->tenants, tenant, "languages");
    json_t *item;
    size_t i;
    int found = 0;

    json_array_foreach(json_object_get(conf, "languages"), i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), lang) == 0)
            found = 1;
    }
    json_decref(conf);
    return found;
}

/* What a store/remove under the lock needs: two levels of keys below the
 * resource object (`k2` NULL for one level) and the value to store (NULL:
 * remove). */
struct edit {
    const char *k1, *k2;
    json_t *value;   /* borrowed */
};

static int apply_edit(json_t *root, json_t **replace, void *ud)
{
    struct edit *e = ud;
    json_t *parent;

    if (!json_is_object(root)) {
        root = json_object();
        if (!root)
            return AMG_ENOMEM;
        *replace = root;
    }
    parent = root;
    if (e->k2) {
        parent = json_object_get(root, e->k1);
        if (!json_is_object(parent)) {
            if (!e->value)
                return AMG_OK;
            parent = json_object();
            if (!parent || json_object_set_new(root, e->k1, parent) != 0)
                return AMG_ENOMEM;
        }
    }
    if (!e->value) {
        json_object_del(parent, e->k2 ? e->k2 : e->k1);
        if (e->k2 && json_object_size(parent) == 0)
            json_object_del(root, e->k1);
        return AMG_OK;
    }
    /* A copy: the state never shares objects with a request. */
    return json_object_set_new(parent, e->k2 ? e->k2 : e->k1, json_deep_copy(e->value)) == 0
           ? AMG_OK : AMG_ENOMEM;
}

/* Stored value at key/k1[/k2], a new reference or NULL. */
static json_t *lookup(const struct sim_env *env, const char *tenant, const char *key,
                      const char *k1, const char *k2)
{
    json_t *root = sim_tenants_get(env->tenants, tenant, key);
    json_t *v = json_object_get(root, k1);

    if (k2)
        v = json_object_get(v, k2);
    json_incref(v);
    json_decref(root);
    return v;
}

static void reply_method(struct sim_reply *rep, const char *method, const char *subpath)
{
    sim_reply_error(rep, 405, "method %s is not allowed on %s", method, subpath);
    sim_reply_header(rep, "Allow", "DELETE, GET, PUT");
}

/* Validates the PUT body of `fields`; on 0 *body is a new reference. */
static int read_body(const struct sim_request *req, struct sim_reply *rep,
                     const struct sim_field *fields, json_t **body)
{
    char msg[512];

    if (sim_request_json_object(req, rep, body) != AMG_OK)
        return AMG_EINVAL;
    if (sim_schema_check(fields, *body, msg, sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        json_decref(*body);
        *body = NULL;
        return AMG_EINVAL;
    }
    return AMG_OK;
}

static void store(const struct sim_env *env, const char *tenant, const char *key,
                  struct edit *e, struct sim_reply *rep, int status)
{
    if (sim_tenants_modify(env->tenants, tenant, key, apply_edit, e) != AMG_OK) {
        sim_reply_error(rep, 500, "could not store '%s'", key);
        return;
    }
    if (e->value)
        sim_reply_json(rep, status, json_incref(e->value));
    else
        sim_reply_empty(rep, status);
}

static void handle_template(const struct sim_env *env, const char *tenant, const char *name,
                            const char *lang, const struct sim_request *req,
                            struct sim_reply *rep)
{
    struct edit e = { .k1 = name, .k2 = lang, .value = NULL };
    json_t *body = NULL;
    json_t *stored = NULL;
    char msg[512];
    int rc;

    if (!sim_template_name_valid(name)) {
        sim_reply_error(rep, 400, "template name '%s' must be one of: USER_VERIFICATION, "
                        "WELCOME, PASSWORD_CHANGED, RESET_PASSWORD, MFA_VERIFICATION", name);
        return;
    }
    /* Templates are authored per language; a language must be configured
     * first (reference 8.2.1). */
    if (!language_configured(env, tenant, lang)) {
        sim_reply_error(rep, 400, "language '%s' is not configured in /config/ui/languages",
                        lang);
        return;
    }
    if (strcmp(req->method, "GET") == 0) {
        stored = lookup(env, tenant, "templates", name, lang);
        if (!stored)
            stored = sim_template_default(name);
        if (!stored)
            sim_reply_error(rep, 500, "out of memory");
        else
            sim_reply_json(rep, 200, stored);
        return;
    }
    if (strcmp(req->method, "DELETE") == 0) {
        store(env, tenant, "templates", &e, rep, 204);
        return;
    }
    if (read_body(req, rep, template_fields, &body) != AMG_OK)
        return;
    rc = sim_template_normalize(body, &stored, msg, sizeof(msg));
    if (rc != AMG_OK) {
        if (rc == AMG_EINVAL)
            sim_reply_error(rep, 400, "%s", msg);
        else
            sim_reply_error(rep, 500, "out of memory");
        goto out;
    }
    e.value = stored;
    store(env, tenant, "templates", &e, rep, 200);
out:
    json_decref(stored);
    json_decref(body);
}

static void handle_action_url(const struct sim_env *env, const char *tenant,
                              const char *action, const struct sim_request *req,
                              struct sim_reply *rep)
{
    struct edit e = { .k1 = action, .k2 = NULL, .value = NULL };
    json_t *body = NULL;
    json_t *stored = NULL;

    if (!in_list(actions, action)) {
        sim_reply_error(rep, 400, "action '%s' must be one of: on_user_verified, "
                        "on_reset_password", action);
        return;
    }
    if (strcmp(req->method, "GET") == 0) {
        stored = lookup(env, tenant, "action_urls", action, NULL);
        if (stored)
            sim_reply_json(rep, 200, stored);
        else
            sim_reply_error(rep, 404, "action URL '%s' is not set", action);
        return;
    }
    if (strcmp(req->method, "DELETE") == 0) {
        store(env, tenant, "action_urls", &e, rep, 204);
        return;
    }
    if (read_body(req, rep, action_fields, &body) != AMG_OK)
        return;
    /* Only actionUrl is kept: the resource has no other property. */
    stored = json_pack("{s:O}", "actionUrl", json_object_get(body, "actionUrl"));
    if (!stored) {
        sim_reply_error(rep, 500, "out of memory");
        goto out;
    }
    e.value = stored;
    store(env, tenant, "action_urls", &e, rep, 200);
out:
    json_decref(stored);
    json_decref(body);
}

int sim_cd_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                  const struct sim_request *req, struct sim_reply *rep)
{
    char a[SEG_MAX], b[SEG_MAX];
    const char *p;
    int is_template;

    if (strncmp(subpath, TEMPLATES_PREFIX, strlen(TEMPLATES_PREFIX)) == 0) {
        p = subpath + strlen(TEMPLATES_PREFIX);
        if (next_segment(&p, a) != AMG_OK || next_segment(&p, b) != AMG_OK || *p ||
            p[-1] == '/')
            return 0;
        is_template = 1;
    } else if (strncmp(subpath, ACTION_PREFIX, strlen(ACTION_PREFIX)) == 0) {
        p = subpath + strlen(ACTION_PREFIX);
        if (next_segment(&p, a) != AMG_OK || *p || p[-1] == '/')
            return 0;
        is_template = 0;
    } else {
        return 0;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "PUT") != 0 &&
        strcmp(req->method, "DELETE") != 0) {
        reply_method(rep, req->method, subpath);
        return 1;
    }
    if (is_template)
        handle_template(env, tenant, a, b, req, rep);
    else
        handle_action_url(env, tenant, a, req, rep);
    return 1;
}
