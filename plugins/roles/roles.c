/*
 * roles: App ID roles (reference 8.9).
 *
 * Snapshot document roles.json:
 *   {"roles": [{"id", "name", "description",
 *               "access": [{"application_id", "application_name", "scopes"}]}]}
 * `id` and `application_id` are the source's ids; `application_name` is
 * looked up at export so that a restore can find the application in the
 * target when the applications plugin did not run in the same import (it
 * is stripped before anything is sent).
 *
 * Import maps each access entry to the target's clientId through the id
 * map, or else by application name, and fails the role, naming it and the
 * application, when the target has no such application. Roles are matched
 * by name: missing ones are created; an existing one whose description or
 * access differs is replaced with the snapshot's definition (a PUT must
 * carry the whole role, and the access set is what the role means). Old
 * role ids map to new ones for application_roles.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"
#include "roles_map.h"

#define ROLES_PATH "/roles"
#define APPS_PATH "/applications"

static const char *const deps[] = { "applications", NULL };
static const char *const filter_fields[] = { "name", NULL };

static int roles_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *roles = NULL;
    json_t *apps = NULL;
    json_t *out = json_array();
    json_t *role;
    size_t i, dropped;
    int rc = AMG_ENOMEM;

    if (!out)
        goto out;
    rc = amgp_get_list(h, ctx, ROLES_PATH, "roles", &roles);
    if (rc < 0)
        goto out;
    rc = amgp_get_list(h, ctx, APPS_PATH, "applications", &apps);
    if (rc < 0)
        goto out;
    json_array_foreach(roles, i, role) {
        const char *name = json_string_value(json_object_get(role, "name"));
        json_t *rec;

        if (!name || !json_is_string(json_object_get(role, "id"))) {
            h->log(ctx, AMG_LOG_ERROR, "GET %s: role %zu has no id or name", ROLES_PATH, i);
            rc = AMG_EPROTO;
            goto out;
        }
        rc = amgp_selected(h, ctx, "name", name);
        if (rc < 0)
            goto out;
        if (!rc)
            continue;
        rc = AMG_ENOMEM;
        rec = amgp_roles_record(role, apps, &dropped);
        if (json_array_append_new(out, rec) != 0)
            goto out;
        /* The source itself refers to an application it no longer has;
         * such access cannot mean anything in the target either. */
        if (dropped)
            h->log(ctx, AMG_LOG_WARN, "role '%s': %zu access entr%s name an application the "
                   "instance does not have; left out", name, dropped, dropped == 1 ? "y" : "ies");
    }
    rc = amgp_write_list(h, ctx, "roles", out);
out:
    json_decref(apps);
    json_decref(roles);
    json_decref(out);
    return rc;
}

struct resolver {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    json_t *apps;   /* the target's applications, borrowed */
};

/* Applications restored in this run are in the id map; otherwise the
 * target must already have one of the same name. */
static const char *resolve_app(void *ud, const char *old_id, const char *app_name)
{
    struct resolver *r = ud;
    const char *id = old_id ? r->h->idmap_get(r->ctx, "application", old_id) : NULL;
    json_t *app;

    if (id)
        return id;
    app = amgp_roles_find_name(r->apps, app_name);
    return app ? json_string_value(json_object_get(app, "clientId")) : NULL;
}

/* Create or update the target's role from `body`; *outcome says which,
 * `new_id` gets its id. */
static int write_role(const struct amg_host *h, struct amg_ctx *ctx, json_t *body,
                      json_t *have, json_t *targets, char *new_id, size_t id_size,
                      enum amg_outcome *outcome)
{
    json_t *resp = NULL;
    const char *id;
    char path[256];
    int rc;

    if (have) {
        id = json_string_value(json_object_get(have, "id"));
        if (!amgp_roles_id_ok(id)) {
            h->log(ctx, AMG_LOG_ERROR, "GET %s: a role without a usable id", ROLES_PATH);
            return AMG_EPROTO;
        }
        snprintf(new_id, id_size, "%s", id);
        *outcome = AMG_OUT_UNCHANGED;
        if (amgp_roles_same(have, body))
            return AMG_OK;
        snprintf(path, sizeof(path), "role %s", json_string_value(json_object_get(body, "name")));
        if (amgp_leave_existing(h, ctx, path, NULL)) {
            *outcome = AMG_OUT_COUNT_;  /* counted already */
            return AMG_OK;
        }
        snprintf(path, sizeof(path), ROLES_PATH "/%s", id);
        *outcome = AMG_OUT_UPDATED;
        return amgp_send(h, ctx, "PUT", path, body, 200, NULL);
    }
    *outcome = AMG_OUT_CREATED;
    rc = amgp_create(h, ctx, ROLES_PATH, body, 201, "roles", "name",
                     json_string_value(json_object_get(body, "name")), &resp);
    if (rc < 0)
        goto out;
    id = json_string_value(json_object_get(resp, "id"));
    rc = AMG_EPROTO;
    if (!amgp_roles_id_ok(id)) {
        h->log(ctx, AMG_LOG_ERROR, "POST %s: the answer has no usable role id", ROLES_PATH);
        goto out;
    }
    snprintf(new_id, id_size, "%s", id);
    /* Later records with the same name (validate forbids them) would
     * otherwise be created twice. */
    rc = json_array_append(targets, resp) == 0 ? AMG_OK : AMG_ENOMEM;
out:
    json_decref(resp);
    return rc;
}

/* Dry run of one role whose request body is `body`: compare with the
 * target, report with host->plan. A role to be created gets a placeholder
 * in the id map for application_roles. */
static int plan_role(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec, json_t *body,
                     json_t *have)
{
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *old_id = json_string_value(json_object_get(rec, "id"));
    const char *id;
    json_t *apps = json_array();
    json_t *entry;
    char object[160], detail[600], placeholder[160];
    size_t i;
    int diff, rc = AMG_ENOMEM;

    snprintf(object, sizeof(object), "role %s", name);
    if (!apps)
        goto out;
    if (!have) {
        rc = AMG_EINVAL;
        if (amgp_planned_id(old_id, placeholder, sizeof(placeholder)) < 0)
            goto out;
        rc = h->idmap_put(ctx, "role", old_id, placeholder);
        if (rc < 0)
            goto out;
        rc = AMG_ENOMEM;
        json_array_foreach(json_object_get(rec, "access"), i, entry) {
            if (json_array_append(apps, json_object_get(entry, "application_name")) != 0)
                goto out;
        }
        amgp_names_text("access to", apps, detail, sizeof(detail));
        h->plan(ctx, AMG_OUT_CREATED, object, detail);
        rc = AMG_OK;
        goto out;
    }
    id = json_string_value(json_object_get(have, "id"));
    if (!amgp_roles_id_ok(id)) {
        h->plan(ctx, AMG_OUT_FAILED, object, "the target's role has no usable id");
        rc = AMG_OK;
        goto out;
    }
    rc = h->idmap_put(ctx, "role", old_id, id);
    if (rc < 0)
        goto out;
    diff = amgp_roles_diff(have, body);
    snprintf(detail, sizeof(detail), "fields: %s%s%s",
             diff & AMGP_ROLES_DIFF_DESCRIPTION ? "description" : "",
             diff == (AMGP_ROLES_DIFF_DESCRIPTION | AMGP_ROLES_DIFF_ACCESS) ? ", " : "",
             diff & AMGP_ROLES_DIFF_ACCESS ? "access" : "");
    if (!diff || !amgp_leave_existing(h, ctx, object, detail))
        h->plan(ctx, diff ? AMG_OUT_UPDATED : AMG_OUT_UNCHANGED, object, diff ? detail : NULL);
    rc = AMG_OK;
out:
    json_decref(apps);
    return rc;
}

/* One snapshot record. Returns 0 (the outcome is tallied) or a negative
 * status that must stop the import. */
static int import_one(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                      json_t *targets, struct resolver *res)
{
    const char *name = json_string_value(json_object_get(rec, "name"));
    json_t *body;
    json_t *entry;
    enum amg_outcome outcome = AMG_OUT_FAILED;
    char new_id[130] = "";
    long missing;
    int rc;

    body = amgp_roles_body(rec, resolve_app, res, &missing);
    if (!body && missing < 0)
        return AMG_ENOMEM;
    if (!body) {
        char object[160], detail[600];

        entry = json_array_get(json_object_get(rec, "access"), (size_t)missing);
        snprintf(detail, sizeof(detail), "application '%s' (clientId %s in the snapshot) "
                 "does not exist in the target; restore the applications first",
                 json_string_value(json_object_get(entry, "application_name")),
                 json_string_value(json_object_get(entry, "application_id")));
        if (amgp_planning(h, ctx)) {
            snprintf(object, sizeof(object), "role %s", name);
            h->plan(ctx, AMG_OUT_FAILED, object, detail);
            return AMG_OK;
        }
        h->log(ctx, AMG_LOG_ERROR, "role '%s': %s", name, detail);
        h->tally(ctx, AMG_OUT_FAILED, 1);
        return AMG_OK;
    }
    if (amgp_planning(h, ctx)) {
        rc = plan_role(h, ctx, rec, body, amgp_roles_find_name(targets, name));
        json_decref(body);
        return rc;
    }
    rc = write_role(h, ctx, body, amgp_roles_find_name(targets, name), targets, new_id,
                    sizeof(new_id), &outcome);
    json_decref(body);
    if (rc == AMG_EPROTO) {
        h->log(ctx, AMG_LOG_ERROR, "role '%s' was not restored", name);
        h->tally(ctx, AMG_OUT_FAILED, 1);
        return AMG_OK;
    }
    if (rc < 0)
        return rc;
    rc = h->idmap_put(ctx, "role", json_string_value(json_object_get(rec, "id")), new_id);
    if (rc < 0)
        return rc;
    if (outcome == AMG_OUT_COUNT_)
        return AMG_OK;
    h->log(ctx, AMG_LOG_INFO, "role '%s' %s", name,
           outcome == AMG_OUT_CREATED ? "created"
           : outcome == AMG_OUT_UPDATED ? "updated" : "unchanged");
    h->tally(ctx, outcome, 1);
    return AMG_OK;
}

static int roles_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct resolver res = { h, ctx, NULL };
    json_t *doc = NULL;
    json_t *targets = NULL;
    json_t *rec;
    size_t i;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    rc = amgp_get_list(h, ctx, ROLES_PATH, "roles", &targets);
    if (rc < 0)
        goto out;
    rc = amgp_get_list(h, ctx, APPS_PATH, "applications", &res.apps);
    if (rc < 0)
        goto out;
    json_array_foreach(json_object_get(doc, "roles"), i, rec) {
        const char *name = json_string_value(json_object_get(rec, "name"));
        char object[160];

        rc = amgp_selected(h, ctx, "name", name);
        if (rc < 0)
            goto out;
        if (!rc) {
            snprintf(object, sizeof(object), "role %s", name);
            amgp_outcome(h, ctx, AMG_OUT_SKIPPED, object, "not selected by --only");
            continue;
        }
        rc = import_one(h, ctx, rec, targets, &res);
        if (rc < 0)
            goto out;
    }
    rc = AMG_OK;
out:
    json_decref(res.apps);
    json_decref(targets);
    json_decref(doc);
    return rc;
}

static void check_access(const struct amg_host *h, struct amg_ctx *ctx, json_t *role,
                         const char *role_where)
{
    json_t *access = json_object_get(role, "access");
    json_t *entry;
    char where[96];
    size_t i, j;

    if (!json_is_array(access)) {
        h->problem(ctx, role_where, "'access' must be an array");
        return;
    }
    /* An entry per application at most, and no more than 200 of those. */
    if (json_array_size(access) > AMGP_ROLES_MAX_ACCESS) {
        h->problem(ctx, role_where, "%zu access entries; an instance has at most %d "
                   "applications", json_array_size(access), AMGP_ROLES_MAX_ACCESS);
        return;
    }
    json_array_foreach(access, i, entry) {
        const char *app;

        snprintf(where, sizeof(where), "%s.access[%zu]", role_where, i);
        if (!json_is_object(entry)) {
            h->problem(ctx, where, "must be an object");
            continue;
        }
        amgp_want_string_array(h, ctx, entry, where, "scopes", 1);
        /* Without the name the role cannot be mapped to an application
         * that was restored in an earlier run. */
        if (amgp_want_string(h, ctx, entry, where, "application_name", 1) == 0 &&
            !json_string_value(json_object_get(entry, "application_name"))[0])
            h->problem(ctx, where, "'application_name' is empty");
        if (amgp_want_string(h, ctx, entry, where, "application_id", 1) < 0)
            continue;
        app = json_string_value(json_object_get(entry, "application_id"));
        for (j = 0; j < i; j++) {
            const char *other = json_string_value(
                json_object_get(json_array_get(access, j), "application_id"));

            if (other && strcmp(app, other) == 0) {
                h->problem(ctx, where, "application '%s' is listed twice", app);
                break;
            }
        }
    }
}

static int roles_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *roles;
    json_t *role;
    char where[32];
    size_t i, j;
    int rc;

    rc = amgp_want_list(h, ctx, "roles", AMGP_ROLES_MAX, &doc, &roles);
    if (rc < 0 || !roles)
        goto out;
    json_array_foreach(roles, i, role) {
        const char *name;

        snprintf(where, sizeof(where), "roles[%zu]", i);
        if (!json_is_object(role)) {
            h->problem(ctx, where, "must be an object");
            continue;
        }
        amgp_want_string(h, ctx, role, where, "id", 1);
        amgp_want_string(h, ctx, role, where, "description", 0);
        check_access(h, ctx, role, where);
        if (amgp_want_string(h, ctx, role, where, "name", 1) < 0)
            continue;
        name = json_string_value(json_object_get(role, "name"));
        if (!name[0])
            h->problem(ctx, where, "'name' is empty");
        /* Import matches roles by name; App ID keeps names unique. */
        for (j = 0; j < i; j++) {
            const char *other = json_string_value(
                json_object_get(json_array_get(roles, j), "name"));

            if (other && strcmp(name, other) == 0) {
                h->problem(ctx, where, "role name '%s' is also used by roles[%zu]", name, j);
                break;
            }
        }
    }
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin roles_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "roles",
    .version = "1.0.0",
    .description = "roles and their access to application scopes",
    .deps = deps,
    .export_fn = roles_export,
    .import_fn = roles_import,
    .validate_fn = roles_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
    .filter_fields = filter_fields,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &roles_plugin;
}
