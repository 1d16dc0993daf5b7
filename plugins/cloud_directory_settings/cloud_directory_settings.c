/*
 * cloud_directory_settings: Cloud Directory configuration (reference
 * section 8.2 except MFA): languages, email templates (every name x every
 * configured language), sender details, action URLs, password regex,
 * advanced password management, email dispatcher, SSO and sign-in rate
 * limits. One document with a member per setting:
 *   {"languages": {...}, "templates": {NAME: {LANG: {...}}},
 *    "action_urls": {ACTION: {"actionUrl": ...}}, "sender_details": {...}, ...}
 * Action URLs that are not set (404 at export) are not stored, and the
 * import leaves the target's as they are.
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"
#include "defaults.h"
#include "cloud_directory_settings_map.h"
#include "cloud_directory_settings_validate.h"

#define LANGUAGES_PATH "/config/ui/languages"
#define ACTION_PREFIX "/config/cloud_directory/action_url/"
#define PATH_MAX_LEN 160

static const char *const deps[] = { "idps", NULL };

/* Singletons restored after the languages and templates, in this order. */
static const struct setting {
    const char *key;       /* member of the document */
    const char *path;
    long put_status;       /* reference section 4.1 */
    json_t *(*body)(json_t *obj);   /* PUT body from a GET answer; NULL: as is */
    const char *label;
} settings[] = {
    { "sender_details", "/config/cloud_directory/sender_details", 204, NULL,
      "sender details" },
    { "password_regex", "/config/cloud_directory/password_regex", 200, amgp_cds_regex_body,
      "password regex" },
    { "advanced_password_management", "/config/cloud_directory/advanced_password_management",
      200, NULL, "advanced password management" },
    { "email_dispatcher", "/config/cloud_directory/email_dispatcher", 200, NULL,
      "email dispatcher" },
    { "sso", "/config/cloud_directory/sso", 201, NULL, "SSO" },
    { "rate_limit", "/config/cloud_directory/rate_limit", 201, NULL, "sign-in rate limit" },
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* doc[k1][k2] = value (stolen). */
static int set2(json_t *doc, const char *k1, const char *k2, json_t *value)
{
    json_t *inner = json_object_get(doc, k1);

    if (!inner) {
        inner = json_object();
        if (!inner || json_object_set_new(doc, k1, inner) != 0) {
            json_decref(value);
            return AMG_ENOMEM;
        }
    }
    return json_object_set_new(inner, k2, value) == 0 ? AMG_OK : AMG_ENOMEM;
}

static int export_templates(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                            json_t *langs, long *n)
{
    json_t *tpl = NULL;
    json_t *all = json_object();
    char path[PATH_MAX_LEN];
    const char *name, *lang;
    size_t i, count = amgp_cds_template_count(langs);
    int rc = AMG_ENOMEM;

    if (!all || json_object_set_new(doc, "templates", all) != 0)
        return AMG_ENOMEM;
    json_array_foreach(langs, i, tpl) {
        if (!amgp_cds_lang_valid(json_string_value(tpl)))
            h->log(ctx, AMG_LOG_WARN, "languages[%zu] is not a language tag; its templates "
                   "are not exported", i);
    }
    tpl = NULL;
    for (i = 0; i < count; i++) {
        if (amgp_cds_template_at(langs, i, &name, &lang) != AMG_OK ||
            amgp_cds_template_path(name, lang, path, sizeof(path)) != AMG_OK)
            return AMG_EINVAL;
        rc = amgp_get_object(h, ctx, path, &tpl);
        if (rc == AMG_ENOTFOUND)
            h->log(ctx, AMG_LOG_ERROR, "GET %s: HTTP 404", path);
        if (rc < 0)
            return rc;
        rc = set2(all, name, lang, tpl);
        if (rc < 0)
            return rc;
        (*n)++;
    }
    return AMG_OK;
}

static int export_action_urls(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                              long *n)
{
    json_t *urls = json_object();
    json_t *obj = NULL;
    char path[PATH_MAX_LEN];
    size_t i;
    int rc;

    if (!urls || json_object_set_new(doc, "action_urls", urls) != 0)
        return AMG_ENOMEM;
    for (i = 0; amgp_cds_actions[i]; i++) {
        snprintf(path, sizeof(path), "%s%s", ACTION_PREFIX, amgp_cds_actions[i]);
        rc = amgp_get_object(h, ctx, path, &obj);
        if (rc == AMG_ENOTFOUND) {
            h->log(ctx, AMG_LOG_DEBUG, "action URL %s not set", amgp_cds_actions[i]);
            continue;
        }
        if (rc < 0)
            return rc;
        if (json_object_set_new(urls, amgp_cds_actions[i], obj) != 0)
            return AMG_ENOMEM;
        (*n)++;
    }
    return AMG_OK;
}

/* 1 when the dispatcher configuration carries credentials. */
static int dispatcher_has_secret(json_t *d)
{
    json_t *auth = json_object_get(json_object_get(d, "custom"), "authorization");

    return json_object_get(json_object_get(d, "sendgrid"), "apiKey") ||
           json_object_get(auth, "password") || json_object_get(auth, "value");
}

static int cds_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = json_object();
    json_t *obj = NULL;
    long n = 0;
    size_t i;
    int rc = AMG_ENOMEM;

    if (!doc)
        goto out;
    rc = amgp_get_object(h, ctx, LANGUAGES_PATH, &obj);
    if (rc < 0 || json_object_set_new(doc, "languages", obj) != 0) {
        rc = rc < 0 ? rc : AMG_ENOMEM;
        goto out;
    }
    n++;
    rc = export_templates(h, ctx, doc, json_object_get(obj, "languages"), &n);
    if (rc < 0)
        goto out;
    rc = export_action_urls(h, ctx, doc, &n);
    if (rc < 0)
        goto out;
    for (i = 0; i < N_SETTINGS; i++) {
        rc = amgp_get_object(h, ctx, settings[i].path, &obj);
        if (rc == AMG_ENOTFOUND)
            h->log(ctx, AMG_LOG_ERROR, "GET %s: HTTP 404", settings[i].path);
        if (rc < 0)
            goto out;
        if (json_object_set_new(doc, settings[i].key, obj) != 0) {
            rc = AMG_ENOMEM;
            goto out;
        }
        n++;
    }
    rc = h->snapshot_write(ctx, doc, n);
    if (rc == AMG_OK && dispatcher_has_secret(json_object_get(doc, "email_dispatcher")))
        h->holds_secrets(ctx, "email dispatcher credentials (SendGrid API key or custom "
                         "authorization)");
out:
    json_decref(doc);
    return rc;
}

/* Restores `obj` (borrowed) at `path` through `body` (NULL: as is). */
static int restore(const struct amg_host *h, struct amg_ctx *ctx, const char *label,
                   const char *path, json_t *obj, long put_status,
                   json_t *(*body)(json_t *obj))
{
    json_t *want = body ? body(obj) : json_incref(obj);
    int rc;

    if (!want) {
        h->log(ctx, AMG_LOG_ERROR, "%s: cannot build the request body", label);
        amgp_outcome(h, ctx, AMG_OUT_FAILED, label, "cannot build the request body");
        return AMG_EINVAL;
    }
    rc = amgp_restore_singleton(h, ctx, label, path, want, put_status, body);
    json_decref(want);
    return rc;
}

static size_t count_templates(json_t *templates)
{
    const char *name;
    json_t *langs;
    size_t n = 0;

    json_object_foreach(templates, name, langs)
        n += json_object_size(langs);
    return n;
}

/* 1 when `lang` is in the array `langs`. */
static int has_language(json_t *langs, const char *lang)
{
    json_t *v;
    size_t i;

    json_array_foreach(langs, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), lang) == 0)
            return 1;
    }
    return 0;
}

/* 1 when the target's languages array `have` is App ID's default. */
static int languages_at_default(json_t *have)
{
    json_t *doc = have ? json_pack("{s:O}", "languages", have) : NULL;
    int same = doc && amgp_at_default(LANGUAGES_PATH, doc, NULL);

    json_decref(doc);
    return same;
}

/*
 * Dry run of a template in a language the target does not have yet: App
 * ID refuses even a GET of it, and the import would add the language
 * first. Returns 1 when planned here, 0 when the template can be read
 * and compared as usual. `have` is the target's languages array, `want`
 * the snapshot's.
 */
static int plan_new_language(const struct amg_host *h, struct amg_ctx *ctx, const char *label,
                             const char *lang, json_t *have, json_t *want, int *failed)
{
    char detail[160];

    if (!amgp_planning(h, ctx) || has_language(have, lang))
        return 0;
    /* Languages still at App ID's default are restored under skip too. */
    if (has_language(want, lang) && amgp_on_conflict(h, ctx) == AMGP_CONFLICT_SKIP &&
        !languages_at_default(have)) {
        snprintf(detail, sizeof(detail), "language %s is not configured in the target, whose "
                 "languages are left as they are (on_conflict = skip)", lang);
        h->plan(ctx, AMG_OUT_SKIPPED, label, detail);
        return 1;
    }
    /* Once the language exists App ID answers its default text, which
     * the import compares with: planned as the write it may be. */
    if (has_language(want, lang)) {
        snprintf(detail, sizeof(detail), "language %s is added first by this import; "
                 "unchanged if the snapshot holds App ID's default text", lang);
        /* New with its language: no conflict with anything in the target. */
        h->plan(ctx, AMG_OUT_CREATED, label, detail);
    } else {
        snprintf(detail, sizeof(detail), "language %s is configured neither in the target nor "
                 "in the snapshot", lang);
        h->plan(ctx, AMG_OUT_FAILED, label, detail);
        *failed = 1;
    }
    return 1;
}

/* `have_langs` / `want_langs`: the target's and the snapshot's languages
 * arrays (planning only; NULL otherwise). */
static int import_templates(const struct amg_host *h, struct amg_ctx *ctx, json_t *templates,
                            json_t *have_langs, json_t *want_langs)
{
    const char *name, *lang;
    json_t *langs, *tpl;
    char path[PATH_MAX_LEN], label[PATH_MAX_LEN], why[200];
    int failed = 0;

    json_object_foreach(templates, name, langs) {
        json_object_foreach(langs, lang, tpl) {
            snprintf(label, sizeof(label), "template %s/%s", name, lang);
            if (amgp_cds_template_path(name, lang, path, sizeof(path)) != AMG_OK) {
                h->log(ctx, AMG_LOG_ERROR, "%s: not a template App ID has", label);
                amgp_outcome(h, ctx, AMG_OUT_FAILED, label, "not a template App ID has");
                failed = 1;
                continue;
            }
            if (plan_new_language(h, ctx, label, lang, have_langs, want_langs, &failed))
                continue;
            /* Only known outside a plan when on_conflict left the languages. */
            if (!amgp_planning(h, ctx) && have_langs && !has_language(have_langs, lang)) {
                snprintf(why, sizeof(why), "language %s is not configured in the target, "
                         "whose languages are left as they are (on_conflict)", lang);
                h->log(ctx, AMG_LOG_INFO, "%s: %s", label, why);
                amgp_outcome(h, ctx, AMG_OUT_SKIPPED, label, why);
                continue;
            }
            /* Sent as base64 only, compared the same way. */
            if (restore(h, ctx, label, path, tpl, 200, amgp_cds_template_body) < 0)
                failed = 1;
        }
    }
    return failed ? AMG_EPARTIAL : AMG_OK;
}

static int import_action_urls(const struct amg_host *h, struct amg_ctx *ctx, json_t *urls)
{
    const char *action;
    json_t *obj;
    char path[PATH_MAX_LEN], label[PATH_MAX_LEN];
    int failed = 0;

    json_object_foreach(urls, action, obj) {
        snprintf(label, sizeof(label), "action URL %s", action);
        if (!amgp_cds_in_list(amgp_cds_actions, action)) {
            h->log(ctx, AMG_LOG_ERROR, "%s: unknown action", label);
            amgp_outcome(h, ctx, AMG_OUT_FAILED, label, "unknown action");
            failed = 1;
            continue;
        }
        snprintf(path, sizeof(path), "%s%s", ACTION_PREFIX, action);
        if (restore(h, ctx, label, path, obj, 200, NULL) < 0)
            failed = 1;
    }
    return failed ? AMG_EPARTIAL : AMG_OK;
}

static int cds_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *have = NULL;
    json_t *obj;
    size_t i;
    int rc;
    int failed = 0;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    /* A plan keeps the target's languages as they are now, to know which
     * templates it cannot read yet. */
    if (amgp_planning(h, ctx)) {
        rc = amgp_get_object(h, ctx, LANGUAGES_PATH, &have);
        if (rc < 0 && rc != AMG_ENOTFOUND)
            goto out;
    }
    /* Templates are addressed per language: languages go first, and
     * without them the templates are not attempted (App ID would refuse
     * the ones in languages it does not have). */
    obj = json_object_get(doc, "languages");
    if (obj && restore(h, ctx, "languages", LANGUAGES_PATH, obj, 204, NULL) < 0) {
        h->log(ctx, AMG_LOG_ERROR, "templates not restored: the languages could not be");
        h->tally(ctx, AMG_OUT_SKIPPED, (long)count_templates(json_object_get(doc, "templates")));
        failed = 1;
    } else if (!amgp_planning(h, ctx) && amgp_on_conflict(h, ctx) != AMGP_CONFLICT_UPDATE &&
               (rc = amgp_get_object(h, ctx, LANGUAGES_PATH, &have)) < 0 &&
               rc != AMG_ENOTFOUND) {
        /* The languages may have been left as they are: which are there? */
        goto out;
    } else if (import_templates(h, ctx, json_object_get(doc, "templates"),
                                json_object_get(have, "languages"),
                                json_object_get(obj, "languages")) < 0) {
        failed = 1;
    }
    if (import_action_urls(h, ctx, json_object_get(doc, "action_urls")) < 0)
        failed = 1;
    for (i = 0; i < N_SETTINGS; i++) {
        obj = json_object_get(doc, settings[i].key);
        if (!obj) {
            h->log(ctx, AMG_LOG_INFO, "%s not in the snapshot, left as it is",
                   settings[i].label);
            amgp_outcome(h, ctx, AMG_OUT_SKIPPED, settings[i].label,
                         "not in the snapshot: never touched");
            continue;
        }
        if (restore(h, ctx, settings[i].label, settings[i].path, obj,
                    settings[i].put_status, settings[i].body) < 0)
            failed = 1;
    }
    rc = failed ? AMG_EPARTIAL : AMG_OK;
out:
    json_decref(have);
    json_decref(doc);
    return rc;
}

static const struct amg_plugin cds_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "cloud_directory_settings",
    .version = "1.0.0",
    .description = "Cloud Directory languages, templates, sender, action URLs, passwords, "
                   "dispatcher, SSO, rate limit",
    .deps = deps,
    .export_fn = cds_export,
    .import_fn = cds_import,
    .validate_fn = amgp_cds_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &cds_plugin;
}
