/*
 * applications: App ID applications and their scopes (reference 8.8).
 *
 * Snapshot document applications.json:
 *   {"applications": [{"clientId", "name", "type", "scopes": [...]}]}
 * The clientId is the source's, kept only so that later plugins (roles,
 * application_roles) can map old ids to new ones. The secret is not
 * stored: App ID makes a new clientId and secret for every application a
 * restore creates, and neither can be set.
 *
 * Import matches applications by name (App ID does not promise unique
 * names; the first match wins), creates the missing ones, and adds the
 * snapshot's scopes a target application lacks. It never removes a scope,
 * which would also take it away from every role. Each application's new
 * clientId goes to the id map and, as a post-restore action, to the
 * operator, who must reconfigure the relying party.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"
#include "applications_map.h"

#define APPS_PATH "/applications"

static const char *const filter_fields[] = { "name", NULL };

/* GET /applications: *apps is a new reference to its array. */
static int list_apps(const struct amg_host *h, struct amg_ctx *ctx, json_t **apps)
{
    json_t *doc = NULL;
    int rc;

    *apps = NULL;
    rc = amgp_get_object(h, ctx, APPS_PATH, &doc);
    if (rc < 0)
        return rc;
    *apps = json_incref(json_object_get(doc, "applications"));
    json_decref(doc);
    if (!json_is_array(*apps)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %s: no applications array in the answer", APPS_PATH);
        json_decref(*apps);
        *apps = NULL;
        return AMG_EPROTO;
    }
    return AMG_OK;
}

/* GET /applications/{id}/scopes: *scopes is a new reference. */
static int get_scopes(const struct amg_host *h, struct amg_ctx *ctx, const char *id,
                      json_t **scopes)
{
    json_t *doc = NULL;
    char path[256];
    int rc;

    *scopes = NULL;
    snprintf(path, sizeof(path), APPS_PATH "/%s/scopes", id);
    rc = amgp_get_object(h, ctx, path, &doc);
    if (rc < 0)
        return rc;
    *scopes = json_incref(json_object_get(doc, "scopes"));
    json_decref(doc);
    if (!json_is_array(*scopes)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %s: no scopes array in the answer", path);
        json_decref(*scopes);
        *scopes = NULL;
        return AMG_EPROTO;
    }
    return AMG_OK;
}

static int put_scopes(const struct amg_host *h, struct amg_ctx *ctx, const char *id,
                      json_t *scopes)
{
    json_t *body = json_pack("{s:O}", "scopes", scopes);
    char path[256];
    int rc;

    if (!body)
        return AMG_ENOMEM;
    snprintf(path, sizeof(path), APPS_PATH "/%s/scopes", id);
    rc = amgp_send(h, ctx, "PUT", path, body, 200, NULL);
    json_decref(body);
    return rc;
}

/* The clientId of a server answer, checked before it goes into a path. */
static const char *usable_id(const struct amg_host *h, struct amg_ctx *ctx, json_t *app,
                             const char *what)
{
    const char *id = json_string_value(json_object_get(app, "clientId"));

    if (!id || !amgp_apps_id_ok(id)) {
        h->log(ctx, AMG_LOG_ERROR, "%s: application without a usable clientId", what);
        return NULL;
    }
    return id;
}

static int apps_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *apps = NULL;
    json_t *scopes = NULL;
    json_t *out = json_array();
    json_t *app;
    size_t i;
    int rc;

    if (!out)
        return AMG_ENOMEM;
    rc = list_apps(h, ctx, &apps);
    if (rc < 0)
        goto out;
    json_array_foreach(apps, i, app) {
        const char *name = json_string_value(json_object_get(app, "name"));
        const char *id = usable_id(h, ctx, app, "GET " APPS_PATH);

        rc = AMG_EPROTO;
        if (!id || !name)
            goto out;
        rc = amgp_selected(h, ctx, "name", name);
        if (rc < 0)
            goto out;
        if (!rc)
            continue;
        rc = get_scopes(h, ctx, id, &scopes);
        if (rc < 0)
            goto out;
        rc = AMG_ENOMEM;
        if (json_array_append_new(out, amgp_apps_record(app, scopes)) != 0)
            goto out;
        json_decref(scopes);
        scopes = NULL;
    }
    rc = amgp_write_list(h, ctx, "applications", out);
out:
    json_decref(scopes);
    json_decref(apps);
    json_decref(out);
    return rc;
}

#define ID_MAX 129   /* amgp_apps_id_ok() allows 128 characters */

/* POST the application of record `rec`, then its scopes. `targets` gets
 * the new application so later records see it; its clientId is copied to
 * `new_id` (left empty when none was made). */
static int create_app(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                      json_t *targets, char *new_id)
{
    json_t *body = json_pack("{s:O, s:O}", "name", json_object_get(rec, "name"),
                             "type", json_object_get(rec, "type"));
    json_t *resp = NULL;
    json_t *scopes = json_object_get(rec, "scopes");
    const char *id;
    int rc = AMG_ENOMEM;

    new_id[0] = '\0';
    if (!body)
        goto out;
    rc = amgp_create(h, ctx, APPS_PATH, body, 200, "applications", "name",
                     json_string_value(json_object_get(rec, "name")), &resp);
    if (rc < 0)
        goto out;
    rc = AMG_EPROTO;
    id = usable_id(h, ctx, resp, "POST " APPS_PATH);
    if (!id)
        goto out;
    snprintf(new_id, ID_MAX, "%s", id);
    rc = AMG_ENOMEM;
    if (json_array_append(targets, resp) != 0)
        goto out;
    rc = json_array_size(scopes) ? put_scopes(h, ctx, new_id, scopes) : AMG_OK;
out:
    json_decref(resp);
    json_decref(body);
    return rc;
}

/* Add the record's missing scopes to the existing application `target`.
 * *changed tells whether anything was written. */
static int merge_app(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                     json_t *target, const char *id, int *changed)
{
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *want_type = json_string_value(json_object_get(rec, "type"));
    const char *have_type = json_string_value(json_object_get(target, "type"));
    json_t *scopes = NULL;
    json_t *merged = NULL;
    int rc;

    *changed = 0;
    if (have_type && strcmp(have_type, want_type) != 0) {
        h->log(ctx, AMG_LOG_WARN, "application '%s' is a %s in the target, a %s in the "
               "snapshot", name, have_type, want_type);
        h->action(ctx, "application '%s' is a %s in the target but was a %s; App ID cannot "
                  "change the type: delete and restore it if the type matters", name,
                  have_type, want_type);
    }
    rc = get_scopes(h, ctx, id, &scopes);
    if (rc < 0)
        goto out;
    rc = AMG_ENOMEM;
    merged = amgp_apps_scopes_union(scopes, json_object_get(rec, "scopes"));
    if (!merged)
        goto out;
    rc = AMG_OK;
    if (json_array_size(merged) != json_array_size(scopes)) {
        char object[160];

        snprintf(object, sizeof(object), "application %s", name);
        if (amgp_leave_existing(h, ctx, object, "scopes to add")) {
            *changed = -1;  /* counted already */
            goto out;
        }
        rc = put_scopes(h, ctx, id, merged);
        *changed = rc == AMG_OK;
    }
out:
    json_decref(merged);
    json_decref(scopes);
    return rc;
}

/* Dry run of one record: what import_one() would do, read from the
 * target with GETs only. A missing application gets a placeholder in the
 * id map, so that roles planned later know it is created by this import. */
static int plan_one(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                    json_t *targets)
{
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *old_id = json_string_value(json_object_get(rec, "clientId"));
    const char *want_type = json_string_value(json_object_get(rec, "type"));
    json_t *target = amgp_apps_find_name(targets, name);
    json_t *scopes = NULL;
    json_t *missing = NULL;
    const char *id, *have_type;
    char object[160], detail[600], placeholder[ID_MAX + 16];
    size_t used;
    int rc;

    snprintf(object, sizeof(object), "application %s", name);
    if (!target) {
        if (amgp_planned_id(old_id, placeholder, sizeof(placeholder)) < 0)
            return AMG_EINVAL;
        rc = h->idmap_put(ctx, "application", old_id, placeholder);
        if (rc < 0)
            return rc;
        amgp_names_text("new clientId and secret; scopes", json_object_get(rec, "scopes"),
                        detail, sizeof(detail));
        h->plan(ctx, AMG_OUT_CREATED, object, detail);
        return AMG_OK;
    }
    id = usable_id(h, ctx, target, "GET " APPS_PATH);
    if (!id) {
        h->plan(ctx, AMG_OUT_FAILED, object, "the target's application has no usable clientId");
        return AMG_OK;
    }
    rc = h->idmap_put(ctx, "application", old_id, id);
    if (rc < 0)
        return rc;
    rc = get_scopes(h, ctx, id, &scopes);
    if (rc == AMG_EPROTO || rc == AMG_ENOTFOUND) {
        h->plan(ctx, AMG_OUT_FAILED, object, "its scopes cannot be read in the target");
        return AMG_OK;
    }
    if (rc < 0)
        return rc;
    missing = amgp_apps_scopes_missing(scopes, json_object_get(rec, "scopes"));
    json_decref(scopes);
    if (!missing)
        return AMG_ENOMEM;
    detail[0] = '\0';
    if (json_array_size(missing))
        amgp_names_text("scopes to add", missing, detail, sizeof(detail));
    have_type = json_string_value(json_object_get(target, "type"));
    used = strlen(detail);
    if (have_type && want_type && strcmp(have_type, want_type) != 0)
        snprintf(detail + used, sizeof(detail) - used, "%sa %s in the target, a %s in the "
                 "snapshot: App ID cannot change the type", used ? "; " : "", have_type,
                 want_type);
    if (!json_array_size(missing) || !amgp_leave_existing(h, ctx, object, detail))
        h->plan(ctx, json_array_size(missing) ? AMG_OUT_UPDATED : AMG_OUT_UNCHANGED, object,
                detail[0] ? detail : NULL);
    json_decref(missing);
    return AMG_OK;
}

/* One snapshot record. Returns 0 (the outcome is tallied), or a negative
 * status that must stop the import (transport, authentication, memory). */
static int import_one(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                      json_t *targets)
{
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *old_id = json_string_value(json_object_get(rec, "clientId"));
    json_t *target = amgp_apps_find_name(targets, name);
    const char *id;
    char new_id[ID_MAX] = "";
    int changed = 0;
    int rc;

    if (amgp_planning(h, ctx))
        return plan_one(h, ctx, rec, targets);
    if (target) {
        id = usable_id(h, ctx, target, "GET " APPS_PATH);
        if (id)
            snprintf(new_id, sizeof(new_id), "%s", id);
        rc = id ? merge_app(h, ctx, rec, target, new_id, &changed) : AMG_EPROTO;
    } else {
        rc = create_app(h, ctx, rec, targets, new_id);
    }
    if (new_id[0]) {
        /* Even a half-restored application exists now: roles need its id. */
        int put = h->idmap_put(ctx, "application", old_id, new_id);

        if (put < 0)
            return put;
        if (strcmp(old_id, new_id) != 0)
            h->action(ctx, "application '%s': new clientId %s (was %s); update the relying "
                      "party's clientId, secret and oAuthServerUrl", name, new_id, old_id);
    }
    if (rc == AMG_EPROTO) {
        h->log(ctx, AMG_LOG_ERROR, "application '%s' was not restored completely", name);
        h->tally(ctx, AMG_OUT_FAILED, 1);
        return AMG_OK;
    }
    if (rc < 0)
        return rc;
    if (!target && new_id[0]) {
        /* application_roles must know it is new: not a conflict. */
        rc = h->idmap_put(ctx, AMGP_CREATED_APPLICATION, old_id, new_id);
        if (rc < 0)
            return rc;
    }
    if (changed < 0)
        return AMG_OK;
    h->log(ctx, AMG_LOG_INFO, "application '%s' %s", name,
           !target ? "created" : changed ? "updated (scopes added)" : "unchanged");
    h->tally(ctx, !target ? AMG_OUT_CREATED : changed ? AMG_OUT_UPDATED : AMG_OUT_UNCHANGED, 1);
    return AMG_OK;
}

static int apps_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *targets = NULL;
    json_t *rec;
    size_t i;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    rc = list_apps(h, ctx, &targets);
    if (rc < 0)
        goto out;
    json_array_foreach(json_object_get(doc, "applications"), i, rec) {
        const char *name = json_string_value(json_object_get(rec, "name"));
        char object[160];

        rc = amgp_selected(h, ctx, "name", name);
        if (rc < 0)
            goto out;
        if (!rc) {
            snprintf(object, sizeof(object), "application %s", name);
            amgp_outcome(h, ctx, AMG_OUT_SKIPPED, object, "not selected by --only");
            continue;
        }
        rc = import_one(h, ctx, rec, targets);
        if (rc < 0)
            goto out;
    }
    rc = AMG_OK;
out:
    json_decref(targets);
    json_decref(doc);
    return rc;
}

static void check_scopes(const struct amg_host *h, struct amg_ctx *ctx, json_t *app,
                         const char *where)
{
    json_t *scopes = json_object_get(app, "scopes");
    const char *problem;
    size_t i, j;

    if (amgp_want_string_array(h, ctx, app, where, "scopes", 1) < 0)
        return;
    if (json_array_size(scopes) > AMGP_APPS_MAX_SCOPES) {
        h->problem(ctx, where, "has %zu scopes; App ID allows %d", json_array_size(scopes),
                   AMGP_APPS_MAX_SCOPES);
        return;
    }
    for (i = 0; i < json_array_size(scopes); i++) {
        const char *s = json_string_value(json_array_get(scopes, i));

        problem = amgp_apps_scope_problem(s);
        if (problem)
            h->problem(ctx, where, "scope '%s' %s", s, problem);
        for (j = 0; j < i; j++) {
            if (strcmp(s, json_string_value(json_array_get(scopes, j))) == 0)
                h->problem(ctx, where, "scope '%s' is listed twice", s);
        }
    }
}

/* Names and clientIds must be unique: import matches by name, later
 * plugins map by clientId. Only called for at most AMGP_APPS_MAX
 * applications, so the quadratic search stays small. */
static void check_unique(const struct amg_host *h, struct amg_ctx *ctx, json_t *apps,
                         size_t i, const char *where)
{
    static const char *const keys[] = { "name", "clientId" };
    size_t j, k;

    for (k = 0; k < 2; k++) {
        const char *v = json_string_value(json_object_get(json_array_get(apps, i), keys[k]));

        for (j = 0; v && j < i; j++) {
            const char *w = json_string_value(json_object_get(json_array_get(apps, j),
                                                              keys[k]));

            if (w && strcmp(v, w) == 0) {
                h->problem(ctx, where, "%s '%s' is also used by applications[%zu]", keys[k],
                           v, j);
                break;
            }
        }
    }
}

static int apps_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    static const char *const types[] = { "regularwebapp", "singlepageapp", NULL };
    json_t *doc = NULL;
    json_t *apps;
    json_t *app;
    char where[64];
    size_t i;
    int rc;

    rc = amgp_want_list(h, ctx, "applications", AMGP_APPS_MAX, &doc, &apps);
    if (rc < 0 || !apps)
        goto out;
    json_array_foreach(apps, i, app) {
        const char *name, *id, *problem;

        snprintf(where, sizeof(where), "applications[%zu]", i);
        if (!json_is_object(app)) {
            h->problem(ctx, where, "must be an object");
            continue;
        }
        if (amgp_want_string(h, ctx, app, where, "clientId", 1) == 0) {
            id = json_string_value(json_object_get(app, "clientId"));
            if (!id[0])
                h->problem(ctx, where, "'clientId' is empty");
        }
        if (amgp_want_string(h, ctx, app, where, "name", 1) == 0) {
            name = json_string_value(json_object_get(app, "name"));
            problem = amgp_apps_name_problem(name);
            if (problem)
                h->problem(ctx, where, "name '%s' %s", name, problem);
        }
        amgp_want_enum(h, ctx, app, where, "type", 1, types);
        check_scopes(h, ctx, app, where);
        check_unique(h, ctx, apps, i, where);
    }
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin applications_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "applications",
    .version = "1.0.0",
    .description = "applications and their scopes (new clientIds on restore)",
    .deps = NULL,
    .export_fn = apps_export,
    .import_fn = apps_import,
    .validate_fn = apps_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
    .filter_fields = filter_fields,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &applications_plugin;
}
