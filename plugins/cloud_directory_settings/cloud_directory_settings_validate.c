#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "checks.h"
#include "pluginutil.h"
#include "cloud_directory_settings_map.h"
#include "cloud_directory_settings_validate.h"

#define INT32_LIMIT 2147483647

static const char *const providers[] = { "appid", "sendgrid", "custom", NULL };
static const char *const auth_types[] = { "value", "basic", "none", NULL };

/* doc[key] when it is an object; reports a problem when it is something
 * else; NULL when absent. */
static json_t *section(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                       const char *key)
{
    if (amgp_want_object(h, ctx, doc, NULL, key, 0) < 0)
        return NULL;
    return json_object_get(doc, key);
}

static json_t *languages(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    json_t *o = section(h, ctx, doc, "languages");
    json_t *list = json_object_get(o, "languages");
    json_t *item;
    size_t i;

    if (!o || amgp_want_string_array(h, ctx, o, "languages", "languages", 1) < 0)
        return NULL;
    if (json_array_size(list) == 0)
        h->problem(ctx, "languages", "'languages' must not be empty");
    json_array_foreach(list, i, item) {
        if (!amgp_cds_lang_valid(json_string_value(item)))
            h->problem(ctx, "languages", "'languages'[%zu] is not a language tag", i);
    }
    return list;
}

static int has_lang(json_t *list, const char *lang)
{
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item) {
        if (strcmp(json_string_value(item), lang) == 0)
            return 1;
    }
    return 0;
}

static void templates(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                      json_t *langs)
{
    json_t *all = section(h, ctx, doc, "templates");
    const char *name, *lang;
    json_t *per_lang, *t;
    char where[128];

    json_object_foreach(all, name, per_lang) {
        snprintf(where, sizeof(where), "templates.%s", name);
        if (!amgp_cds_in_list(amgp_cds_template_names, name)) {
            h->problem(ctx, where, "unknown template name '%s'", name);
            continue;
        }
        if (!json_is_object(per_lang)) {
            h->problem(ctx, where, "must be an object keyed by language");
            continue;
        }
        json_object_foreach(per_lang, lang, t) {
            snprintf(where, sizeof(where), "templates.%s.%s", name, lang);
            if (!amgp_cds_lang_valid(lang))
                h->problem(ctx, where, "'%s' is not a language tag", lang);
            else if (langs && !has_lang(langs, lang))
                h->problem(ctx, where, "language '%s' is not in 'languages'", lang);
            if (!json_is_object(t)) {
                h->problem(ctx, where, "must be an object");
                continue;
            }
            amgp_want_string(h, ctx, t, where, "subject", 1);
            amgp_want_string(h, ctx, t, where, "html_body", 0);
            amgp_want_string(h, ctx, t, where, "base64_encoded_html_body", 0);
            amgp_want_string(h, ctx, t, where, "plain_text_body", 0);
        }
    }
}

static void sender_details(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    json_t *o = section(h, ctx, doc, "sender_details");
    json_t *sd = json_object_get(o, "senderDetails");
    const char *w = "sender_details.senderDetails";

    if (!o || amgp_want_object(h, ctx, o, "sender_details", "senderDetails", 1) < 0)
        return;
    if (amgp_want_object(h, ctx, sd, w, "from", 1) == 0) {
        amgp_want_string(h, ctx, json_object_get(sd, "from"), "sender_details.from", "email", 1);
        amgp_want_string(h, ctx, json_object_get(sd, "from"), "sender_details.from", "name", 0);
    }
    if (amgp_want_object(h, ctx, sd, w, "reply_to", 0) == 0) {
        amgp_want_string(h, ctx, json_object_get(sd, "reply_to"), "sender_details.reply_to",
                         "email", 0);
        amgp_want_string(h, ctx, json_object_get(sd, "reply_to"), "sender_details.reply_to",
                         "name", 0);
    }
    amgp_want_int(h, ctx, sd, w, "linkExpirationSec", 0, 1, INT32_LIMIT);
}

static void action_urls(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    json_t *o = section(h, ctx, doc, "action_urls");
    const char *action;
    json_t *v;
    char where[64];

    json_object_foreach(o, action, v) {
        snprintf(where, sizeof(where), "action_urls.%s", action);
        if (!amgp_cds_in_list(amgp_cds_actions, action))
            h->problem(ctx, where, "unknown action '%s'", action);
        else if (!json_is_object(v))
            h->problem(ctx, where, "must be an object");
        else
            amgp_want_string(h, ctx, v, where, "actionUrl", 1);
    }
}

/* One APM policy: {"enabled", "config": {key: int in range}}. */
static void apm_policy(const struct amg_host *h, struct amg_ctx *ctx, json_t *apm,
                       const char *policy, int required, const char *key, json_int_t min,
                       json_int_t max, const char *key2, json_int_t min2, json_int_t max2)
{
    json_t *p = json_object_get(apm, policy);
    json_t *config;
    char where[96];

    snprintf(where, sizeof(where), "advancedPasswordManagement.%s", policy);
    if (amgp_want_object(h, ctx, apm, "advancedPasswordManagement", policy, required) < 0 || !p)
        return;
    amgp_want_bool(h, ctx, p, where, "enabled", 1);
    if (!key || amgp_want_object(h, ctx, p, where, "config", 0) < 0)
        return;
    config = json_object_get(p, "config");
    if (!config)
        return;
    snprintf(where, sizeof(where), "advancedPasswordManagement.%s.config", policy);
    amgp_want_int(h, ctx, config, where, key, 1, min, max);
    if (key2)
        amgp_want_int(h, ctx, config, where, key2, 1, min2, max2);
}

/* Ranges of the console (reference 8.2.6), lockout in seconds; the
 * minimum change interval starts at 0, App ID's default. */
static void apm(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    json_t *o = section(h, ctx, doc, "advanced_password_management");
    json_t *a = json_object_get(o, "advancedPasswordManagement");

    if (!o || amgp_want_object(h, ctx, o, "advanced_password_management",
                               "advancedPasswordManagement", 1) < 0)
        return;
    amgp_want_bool(h, ctx, a, "advancedPasswordManagement", "enabled", 1);
    apm_policy(h, ctx, a, "passwordReuse", 1, "maxPasswordReuse", 1, 8, NULL, 0, 0);
    apm_policy(h, ctx, a, "preventPasswordWithUsername", 1, NULL, 0, 0, NULL, 0, 0);
    apm_policy(h, ctx, a, "passwordExpiration", 1, "daysToExpire", 1, 90, NULL, 0, 0);
    apm_policy(h, ctx, a, "lockOutPolicy", 1, "lockOutTimeSec", 60, 86400,
               "numOfAttempts", 1, 10);
    apm_policy(h, ctx, a, "minPasswordChangeInterval", 0, "minHoursToChangePassword", 0, 720,
               NULL, 0, 0);
}

static void dispatcher(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    json_t *o = section(h, ctx, doc, "email_dispatcher");
    const char *provider;
    json_t *custom, *auth;
    const char *w = "email_dispatcher";

    if (!o || amgp_want_enum(h, ctx, o, w, "provider", 1, providers) < 0)
        return;
    provider = json_string_value(json_object_get(o, "provider"));
    if (amgp_want_object(h, ctx, o, w, "sendgrid", strcmp(provider, "sendgrid") == 0) == 0 &&
        json_object_get(o, "sendgrid"))
        amgp_want_string(h, ctx, json_object_get(o, "sendgrid"), "email_dispatcher.sendgrid",
                         "apiKey", 1);
    if (amgp_want_object(h, ctx, o, w, "custom", strcmp(provider, "custom") == 0) < 0)
        return;
    custom = json_object_get(o, "custom");
    if (!custom)
        return;
    amgp_want_string(h, ctx, custom, "email_dispatcher.custom", "url", 1);
    if (amgp_want_object(h, ctx, custom, "email_dispatcher.custom", "authorization", 1) < 0)
        return;
    auth = json_object_get(custom, "authorization");
    w = "email_dispatcher.custom.authorization";
    amgp_want_enum(h, ctx, auth, w, "type", 1, auth_types);
    amgp_want_string(h, ctx, auth, w, "value", 0);
    amgp_want_string(h, ctx, auth, w, "username", 0);
    amgp_want_string(h, ctx, auth, w, "password", 0);
}

static void sso_and_rate_limit(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    json_t *sso = section(h, ctx, doc, "sso");
    json_t *rl = section(h, ctx, doc, "rate_limit");

    if (sso) {
        amgp_want_bool(h, ctx, sso, "sso", "isActive", 1);
        /* Reference 8.2.11: at most 7 days. */
        amgp_want_int(h, ctx, sso, "sso", "inactivityTimeoutSeconds", 1, 1, 604800);
        amgp_want_string_array(h, ctx, sso, "sso", "logoutRedirectUris", 1);
    }
    if (rl) {
        amgp_want_int(h, ctx, rl, "rate_limit", "signUpLimitPerMinute", 1, 1, INT32_LIMIT);
        amgp_want_int(h, ctx, rl, "rate_limit", "signInLimitPerMinute", 1, 1, INT32_LIMIT);
    }
}

int amgp_cds_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *regex;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (amgp_want_document(h, ctx, doc) < 0)
        goto out;
    templates(h, ctx, doc, languages(h, ctx, doc));
    sender_details(h, ctx, doc);
    action_urls(h, ctx, doc);
    regex = section(h, ctx, doc, "password_regex");
    if (regex) {
        amgp_want_string(h, ctx, regex, "password_regex", "regex", 0);
        amgp_want_string(h, ctx, regex, "password_regex", "base64_encoded_regex", 0);
        amgp_want_string(h, ctx, regex, "password_regex", "error_message", 0);
    }
    apm(h, ctx, doc);
    dispatcher(h, ctx, doc);
    sso_and_rate_limit(h, ctx, doc);
out:
    json_decref(doc);
    return rc;
}
