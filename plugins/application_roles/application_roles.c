/*
 * application_roles: roles given to applications for the
 * client-credentials flow (reference 8.8, GET|PUT
 * /applications/{clientId}/roles).
 *
 * Snapshot document application_roles.json:
 *   {"assignments": [{"application_name", "clientId",
 *                     "roles": [{"id", "name"}]}]}
 * with the source's ids; applications without roles are left out.
 *
 * Import maps the application and each role through the id map (filled
 * when applications and roles ran in the same import), or else by name in
 * the target, and fails the assignment, naming what is missing, when the
 * target lacks either. It adds the missing roles to what the target
 * application already has and never takes one away.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"
#include "application_roles_map.h"

#define APPS_PATH "/applications"
#define ROLES_PATH "/roles"

static const char *const deps[] = { "applications", "roles", NULL };
/* The application's name. */
static const char *const filter_fields[] = { "name", NULL };

/* GET /applications/{id}/roles: *roles is a new reference to its array. */
static int get_app_roles(const struct amg_host *h, struct amg_ctx *ctx, const char *id,
                         json_t **roles)
{
    char path[256];

    if (!amgp_approles_id_ok(id)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %s: an application without a usable clientId",
               APPS_PATH);
        *roles = NULL;
        return AMG_EPROTO;
    }
    snprintf(path, sizeof(path), APPS_PATH "/%s/roles", id);
    return amgp_get_list(h, ctx, path, "roles", roles);
}

static int approles_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *apps = NULL;
    json_t *roles = NULL;
    json_t *out = json_array();
    json_t *app;
    size_t i;
    int rc = AMG_ENOMEM;

    if (!out)
        goto out;
    rc = amgp_get_list(h, ctx, APPS_PATH, "applications", &apps);
    if (rc < 0)
        goto out;
    json_array_foreach(apps, i, app) {
        const char *name = json_string_value(json_object_get(app, "name"));
        json_t *rec;

        rc = AMG_EPROTO;
        if (!name)
            goto out;
        rc = amgp_selected(h, ctx, "name", name);
        if (rc < 0)
            goto out;
        if (!rc)
            continue;
        rc = get_app_roles(h, ctx, json_string_value(json_object_get(app, "clientId")),
                           &roles);
        if (rc < 0)
            goto out;
        if (json_array_size(roles) > 0) {
            rec = amgp_approles_record(app, roles);
            rc = AMG_EPROTO;
            if (!rec) {
                h->log(ctx, AMG_LOG_ERROR, "application '%s': a role without id or name",
                       name);
                goto out;
            }
            rc = AMG_ENOMEM;
            if (json_array_append_new(out, rec) != 0)
                goto out;
        }
        json_decref(roles);
        roles = NULL;
    }
    rc = amgp_write_list(h, ctx, "assignments", out);
out:
    json_decref(roles);
    json_decref(apps);
    json_decref(out);
    return rc;
}

struct target {
    json_t *apps;    /* the target's applications */
    json_t *roles;   /* the target's roles */
};

/* The snapshot's roles of `rec` as {id, name} with the target's ids
 * (new array; placeholders for roles a dry run would create). NULL with
 * *missing naming the first role the target lacks, or NULL with *missing
 * NULL on allocation failure. */
static json_t *map_roles(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                         const struct target *t, const char **missing)
{
    json_t *mapped = json_array();
    json_t *role;
    size_t i;

    *missing = NULL;
    json_array_foreach(json_object_get(rec, "roles"), i, role) {
        const char *old = json_string_value(json_object_get(role, "id"));
        const char *name = json_string_value(json_object_get(role, "name"));
        const char *id = h->idmap_get(ctx, "role", old);
        json_t *found;

        if (!id) {
            found = amgp_approles_find(t->roles, "name", name);
            id = json_string_value(json_object_get(found, "id"));
        }
        if (!id) {
            *missing = name ? name : "(unnamed)";
            json_decref(mapped);
            return NULL;
        }
        if (!mapped || json_array_append_new(mapped, json_pack("{s:s, s:s?}", "id", id,
                                                               "name", name)) != 0) {
            json_decref(mapped);
            return NULL;
        }
    }
    return mapped;
}

/* An assignment that cannot be made: host->plan while planning, else an
 * error line; counted FAILED either way. */
static void cannot(const struct amg_host *h, struct amg_ctx *ctx, const char *object,
                   const char *why)
{
    if (amgp_planning(h, ctx)) {
        h->plan(ctx, AMG_OUT_FAILED, object, why);
        return;
    }
    h->log(ctx, AMG_LOG_ERROR, "%s: %s", object, why);
    h->tally(ctx, AMG_OUT_FAILED, 1);
}

/* Dry run of one assignment: the roles it would add to the application
 * `app_id` (a placeholder when the application is created by this
 * import, which then has no roles yet). */
static int plan_one(const struct amg_host *h, struct amg_ctx *ctx, const char *object,
                    const char *app_id, json_t *mapped)
{
    json_t *current = NULL;
    json_t *have = NULL;
    json_t *names = NULL;
    char detail[600];
    int rc;

    if (!amgp_is_planned_id(app_id)) {
        rc = get_app_roles(h, ctx, app_id, &current);
        if (rc == AMG_EPROTO || rc == AMG_ENOTFOUND) {
            h->plan(ctx, AMG_OUT_FAILED, object, "its roles cannot be read in the target");
            return AMG_OK;
        }
        if (rc < 0)
            return rc;
    }
    rc = AMG_ENOMEM;
    have = amgp_approles_ids(current);
    names = have ? amgp_approles_missing_names(have, mapped) : NULL;
    if (!names)
        goto out;
    if (json_array_size(names)) {
        amgp_names_text("roles to add", names, detail, sizeof(detail));
        /* The roles of an application this import creates are new too. */
        if (amgp_is_planned_id(app_id))
            h->plan(ctx, AMG_OUT_CREATED, object, detail);
        else if (!amgp_leave_existing(h, ctx, object, detail))
            h->plan(ctx, AMG_OUT_UPDATED, object, detail);
    } else {
        h->plan(ctx, AMG_OUT_UNCHANGED, object, NULL);
    }
    rc = AMG_OK;
out:
    json_decref(names);
    json_decref(have);
    json_decref(current);
    return rc;
}

/* One assignment. Returns 0 (the outcome is tallied) or a negative
 * status that must stop the import. */
static int import_one(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                      const struct target *t)
{
    const char *name = json_string_value(json_object_get(rec, "application_name"));
    const char *app_id = h->idmap_get(ctx, "application",
                                      json_string_value(json_object_get(rec, "clientId")));
    const char *missing = NULL;
    const char *old_id;
    int created = 0;
    json_t *mapped = NULL;
    json_t *want = NULL;
    json_t *current = NULL;
    json_t *have = NULL;
    json_t *merged = NULL;
    json_t *body = NULL;
    char path[256], object[160], why[400];
    int rc;

    snprintf(object, sizeof(object), "roles of application %s", name);
    if (!app_id)
        app_id = json_string_value(json_object_get(amgp_approles_find(t->apps, "name", name),
                                                   "clientId"));
    if (!app_id) {
        cannot(h, ctx, object, "the application does not exist in the target; restore the "
               "applications first");
        rc = AMG_OK;
        goto out;
    }
    mapped = map_roles(h, ctx, rec, t, &missing);
    if (!mapped) {
        rc = AMG_ENOMEM;
        if (missing) {
            snprintf(why, sizeof(why), "role '%s' does not exist in the target; restore the "
                     "roles first", missing);
            cannot(h, ctx, object, why);
            rc = AMG_OK;
        }
        goto out;
    }
    if (amgp_planning(h, ctx)) {
        rc = plan_one(h, ctx, object, app_id, mapped);
        goto out;
    }
    rc = AMG_ENOMEM;
    want = amgp_approles_ids(mapped);
    if (!want)
        goto out;
    rc = get_app_roles(h, ctx, app_id, &current);
    if (rc < 0)
        goto out;
    rc = AMG_ENOMEM;
    have = amgp_approles_ids(current);
    merged = have ? amgp_approles_union(have, want) : NULL;
    if (!merged)
        goto out;
    if (json_array_size(merged) == json_array_size(have)) {
        h->log(ctx, AMG_LOG_DEBUG, "application '%s': roles unchanged", name);
        h->tally(ctx, AMG_OUT_UNCHANGED, 1);
        rc = AMG_OK;
        goto out;
    }
    old_id = json_string_value(json_object_get(rec, "clientId"));
    created = old_id && h->idmap_get(ctx, AMGP_CREATED_APPLICATION, old_id);
    if (!created && amgp_leave_existing(h, ctx, object, NULL)) {
        rc = AMG_OK;
        goto out;
    }
    body = json_pack("{s:{s:O}}", "roles", "ids", merged);
    if (!body)
        goto out;
    snprintf(path, sizeof(path), APPS_PATH "/%s/roles", app_id);
    rc = amgp_send(h, ctx, "PUT", path, body, 200, NULL);
    if (rc == AMG_OK) {
        h->log(ctx, AMG_LOG_INFO, "application '%s': roles added", name);
        /* As planned: the roles of a new application are new. */
        h->tally(ctx, created ? AMG_OUT_CREATED : AMG_OUT_UPDATED, 1);
    }
out:
    if (rc == AMG_EPROTO) {
        h->tally(ctx, AMG_OUT_FAILED, 1);
        rc = AMG_OK;
    }
    json_decref(body);
    json_decref(merged);
    json_decref(have);
    json_decref(current);
    json_decref(want);
    json_decref(mapped);
    return rc;
}

static int approles_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct target t = { NULL, NULL };
    json_t *doc = NULL;
    json_t *rec;
    size_t i;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    rc = amgp_get_list(h, ctx, APPS_PATH, "applications", &t.apps);
    if (rc < 0)
        goto out;
    rc = amgp_get_list(h, ctx, ROLES_PATH, "roles", &t.roles);
    if (rc < 0)
        goto out;
    json_array_foreach(json_object_get(doc, "assignments"), i, rec) {
        rc = amgp_selected(h, ctx, "name",
                           json_string_value(json_object_get(rec, "application_name")));
        if (rc < 0)
            goto out;
        if (!rc) {
            char object[160];

            snprintf(object, sizeof(object), "roles of application %s",
                     json_string_value(json_object_get(rec, "application_name")));
            amgp_outcome(h, ctx, AMG_OUT_SKIPPED, object, "not selected by --only");
            continue;
        }
        rc = import_one(h, ctx, rec, &t);
        if (rc < 0)
            goto out;
    }
    rc = AMG_OK;
out:
    json_decref(t.roles);
    json_decref(t.apps);
    json_decref(doc);
    return rc;
}

static void check_roles(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec,
                        const char *rec_where)
{
    json_t *roles = json_object_get(rec, "roles");
    json_t *role;
    char where[96];
    size_t i;

    if (!json_is_array(roles)) {
        h->problem(ctx, rec_where, "'roles' must be an array");
        return;
    }
    if (json_array_size(roles) > 50) {
        h->problem(ctx, rec_where, "%zu roles; an instance has at most 50",
                   json_array_size(roles));
        return;
    }
    json_array_foreach(roles, i, role) {
        snprintf(where, sizeof(where), "%s.roles[%zu]", rec_where, i);
        if (!json_is_object(role)) {
            h->problem(ctx, where, "must be an object");
            continue;
        }
        amgp_want_string(h, ctx, role, where, "id", 1);
        /* Without the name the role cannot be found in a target restored
         * by an earlier run. */
        amgp_want_string(h, ctx, role, where, "name", 1);
    }
}

static int approles_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *list;
    json_t *rec;
    char where[40];
    size_t i;
    int rc;

    rc = amgp_want_list(h, ctx, "assignments", AMGP_NO_LIMIT, &doc, &list);
    if (rc < 0 || !list)
        goto out;
    json_array_foreach(list, i, rec) {
        snprintf(where, sizeof(where), "assignments[%zu]", i);
        if (!json_is_object(rec)) {
            h->problem(ctx, where, "must be an object");
            continue;
        }
        if (amgp_want_string(h, ctx, rec, where, "application_name", 1) == 0 &&
            !json_string_value(json_object_get(rec, "application_name"))[0])
            h->problem(ctx, where, "'application_name' is empty");
        amgp_want_string(h, ctx, rec, where, "clientId", 1);
        check_roles(h, ctx, rec, where);
    }
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin application_roles_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "application_roles",
    .version = "1.0.0",
    .description = "roles given to applications (client-credentials flow)",
    .deps = deps,
    .export_fn = approles_export,
    .import_fn = approles_import,
    .validate_fn = approles_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
    .filter_fields = filter_fields,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &application_roles_plugin;
}
