#include <stdio.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "mfa_routes.h"
#include "schema.h"
#include "tenant.h"

#define MFA_PREFIX "/config/cloud_directory/mfa/"
#define CHANNELS "channels"
#define EXTENSIONS "extensions/"

static const char *check_headers(const json_t *v)
{
    const char *k;
    json_t *item;

    json_object_foreach((json_t *)v, k, item) {
        if (!json_is_string(item))
            return "must map header names to strings";
    }
    return NULL;
}

static const struct sim_field email_fields[] = {
    { .path = "isActive", .type = SIM_BOOL, .flags = SIM_REQUIRED },
    { .path = "config", .type = SIM_OBJECT },
    { .path = NULL }
};

static const struct sim_field nexmo_fields[] = {
    { .path = "isActive", .type = SIM_BOOL, .flags = SIM_REQUIRED },
    { .path = "config", .type = SIM_OBJECT },
    { .path = "config.key", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "config.secret", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "config.from", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "config.provider", .type = SIM_STRING },
    { .path = NULL }
};

/* Extensions and their /active switch. */
static const struct sim_field extension_fields[] = {
    { .path = "isActive", .type = SIM_BOOL, .flags = SIM_REQUIRED },
    { .path = "config", .type = SIM_OBJECT },
    { .path = "config.url", .type = SIM_STRING, .flags = SIM_NONEMPTY },
    { .path = "config.headers", .type = SIM_OBJECT, .check = check_headers },
    { .path = NULL }
};

/* The list calls the SMS channel "sms" although its path says "nexmo"
 * (reference 8.2.9); single GETs use the same type names. */
static json_t *channel_view(json_t *channels, const char *name)
{
    json_t *v = json_deep_copy(json_object_get(channels, name));

    if (!v)
        v = json_pack("{s:b}", "isActive", 0);
    if (v && json_object_set_new(v, "type", json_string(strcmp(name, "nexmo") == 0
                                                            ? "sms" : "email")) != 0) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static void handle_list(const struct sim_env *env, const char *tenant, struct sim_reply *rep)
{
    json_t *channels = sim_tenants_get(env->tenants, tenant, "mfa_channels");

    sim_reply_json(rep, 200, json_pack("{s:[o?o?]}", "channels",
                                       channel_view(channels, "email"),
                                       channel_view(channels, "nexmo")));
    json_decref(channels);
}

/* State for a channel or extension write under the tenants' lock. */
struct mfa_edit {
    const char *name;        /* channel or extension */
    json_t *body;            /* validated request, borrowed */
    int is_channel;
    int keep_config;         /* absent config keeps the stored one */
    json_t *result;          /* new reference: the stored object afterwards */
    char msg[256];
};

/* Sets obj.isActive (creating obj when missing). */
static int set_active(json_t *parent, const char *name, int active)
{
    json_t *obj = json_object_get(parent, name);

    if (!json_is_object(obj)) {
        obj = json_object();
        if (!obj || json_object_set_new(parent, name, obj) != 0)
            return AMG_ENOMEM;
    }
    return json_object_set_new(obj, "isActive", json_boolean(active)) == 0 ? AMG_OK
                                                                           : AMG_ENOMEM;
}

static int apply_mfa_edit(json_t *root, json_t **replace, void *ud)
{
    struct mfa_edit *e = ud;
    json_t *old, *next = NULL;
    json_t *config = json_object_get(e->body, "config");
    int active = json_is_true(json_object_get(e->body, "isActive"));

    if (!json_is_object(root)) {
        root = json_object();
        if (!root)
            return AMG_ENOMEM;
        *replace = root;
    }
    old = json_object_get(root, e->name);
    if (!config && e->keep_config)
        config = json_object_get(old, "config");
    /* An SMS channel cannot send without Vonage credentials. */
    if (e->is_channel && active && !config && strcmp(e->name, "nexmo") == 0) {
        snprintf(e->msg, sizeof(e->msg),
                 "missing required field 'config' (the nexmo channel has no credentials yet)");
        return AMG_EINVAL;
    }
    next = json_pack("{s:b}", "isActive", active);
    /* A copy: the state never shares objects with a request. */
    if (!next || (config && json_object_set_new(next, "config", json_deep_copy(config)) != 0) ||
        json_object_set_new(root, e->name, next) != 0)
        return AMG_ENOMEM;
    if (e->is_channel) {
        /* One channel at a time: the other one follows. */
        const char *other = strcmp(e->name, "nexmo") == 0 ? "email" : "nexmo";

        if (active && set_active(root, other, 0) != AMG_OK)
            return AMG_ENOMEM;
        if (!active && strcmp(e->name, "nexmo") == 0 && set_active(root, "email", 1) != AMG_OK)
            return AMG_ENOMEM;
        e->result = channel_view(root, e->name);
    } else {
        e->result = json_deep_copy(next);
    }
    return e->result ? AMG_OK : AMG_ENOMEM;
}

static void handle_write(const struct sim_env *env, const char *tenant, const char *key,
                         const struct sim_field *fields, struct mfa_edit *e,
                         const struct sim_request *req, struct sim_reply *rep)
{
    char msg[512];
    int rc;

    if (sim_request_json_object(req, rep, &e->body) != AMG_OK)
        return;
    if (sim_schema_check(fields, e->body, msg, sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        goto out;
    }
    rc = sim_tenants_modify(env->tenants, tenant, key, apply_mfa_edit, e);
    if (rc == AMG_EINVAL)
        sim_reply_error(rep, 400, "%s", e->msg);
    else if (rc != AMG_OK)
        sim_reply_error(rep, 500, "could not store '%s'", key);
    else
        sim_reply_json(rep, 200, json_incref(e->result));
out:
    json_decref(e->result);
    json_decref(e->body);
}

static void wrong_method(struct sim_reply *rep, const struct sim_request *req,
                         const char *subpath, const char *allow)
{
    sim_reply_error(rep, 405, "method %s is not allowed on %s", req->method, subpath);
    sim_reply_header(rep, "Allow", allow);
}

static void handle_channel(const struct sim_env *env, const char *tenant, const char *name,
                           const char *subpath, const struct sim_request *req,
                           struct sim_reply *rep)
{
    struct mfa_edit e = { .name = name, .is_channel = 1, .keep_config = 1 };
    json_t *channels;
    int nexmo = strcmp(name, "nexmo") == 0;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "PUT") != 0) {
        wrong_method(rep, req, subpath, "GET, PUT");
        return;
    }
    if (!nexmo && strcmp(name, "email") != 0) {
        sim_reply_error(rep, 400, "channel '%s' must be one of: email, nexmo", name);
        return;
    }
    if (strcmp(req->method, "PUT") == 0) {
        handle_write(env, tenant, "mfa_channels", nexmo ? nexmo_fields : email_fields, &e, req,
                     rep);
        return;
    }
    channels = sim_tenants_get(env->tenants, tenant, "mfa_channels");
    sim_reply_json(rep, 200, channel_view(channels, name));
    json_decref(channels);
}

static void handle_extension(const struct sim_env *env, const char *tenant, const char *rest,
                             const char *subpath, const struct sim_request *req,
                             struct sim_reply *rep)
{
    struct mfa_edit e = { .is_channel = 0 };
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    int active = slash != NULL;
    json_t *all;

    if (active && strcmp(slash, "/active") != 0)
        return;
    if (n == 6 && strncmp(rest, "premfa", 6) == 0)
        e.name = "premfa";
    else if (n == 7 && strncmp(rest, "postmfa", 7) == 0)
        e.name = "postmfa";
    if (active ? strcmp(req->method, "PUT") != 0
               : (strcmp(req->method, "GET") != 0 && strcmp(req->method, "PUT") != 0)) {
        wrong_method(rep, req, subpath, active ? "PUT" : "GET, PUT");
        return;
    }
    if (!e.name) {
        sim_reply_error(rep, 400, "extension '%.*s' must be one of: premfa, postmfa", (int)n,
                        rest);
        return;
    }
    if (strcmp(req->method, "PUT") == 0) {
        /* The switch changes isActive and keeps the configuration unless
         * the body brings one; the full PUT replaces both. */
        e.keep_config = active;
        handle_write(env, tenant, "mfa_extensions", extension_fields, &e, req, rep);
        return;
    }
    all = sim_tenants_get(env->tenants, tenant, "mfa_extensions");
    sim_reply_json(rep, 200, json_deep_copy(json_object_get(all, e.name)));
    json_decref(all);
}

int sim_mfa_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                   const struct sim_request *req, struct sim_reply *rep)
{
    const char *rest;

    if (strncmp(subpath, MFA_PREFIX, strlen(MFA_PREFIX)) != 0)
        return 0;
    rest = subpath + strlen(MFA_PREFIX);
    if (strcmp(rest, CHANNELS) == 0) {
        if (strcmp(req->method, "GET") == 0)
            handle_list(env, tenant, rep);
        else
            wrong_method(rep, req, subpath, "GET");
        return 1;
    }
    if (strncmp(rest, CHANNELS "/", strlen(CHANNELS) + 1) == 0) {
        rest += strlen(CHANNELS) + 1;
        if (!rest[0] || strchr(rest, '/'))
            return 0;
        handle_channel(env, tenant, rest, subpath, req, rep);
        return 1;
    }
    if (strncmp(rest, EXTENSIONS, strlen(EXTENSIONS)) == 0) {
        rest += strlen(EXTENSIONS);
        if (!rest[0] || rest[0] == '/')
            return 0;
        handle_extension(env, tenant, rest, subpath, req, rep);
        return rep->status != 0;
    }
    return 0;
}
