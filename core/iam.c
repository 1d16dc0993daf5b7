#define _GNU_SOURCE     /* explicit_bzero */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "iam.h"

/* Refresh after this share of the lifetime (go-sdk-core uses 80 %). */
#define IAM_REFRESH_SHARE 0.8
/* Do not send a token this close to its expiration: it may expire in
 * flight. */
#define IAM_EXPIRY_MARGIN_S 10.0

static void wipe_free(char *s)
{
    if (!s)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* A JSON number (IAM sends integers) or -1 when absent or not a number. */
static double number_or_missing(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_number(v) ? json_number_value(v) : -1;
}

int amg_iam_token_parse(const char *body, size_t len, double now,
                        struct amg_iam_token *tok)
{
    json_t *root = NULL;
    const char *access;
    double expires_in, expiration;
    char *copy = NULL;
    int rc = AMG_EPROTO;

    if (!body || len == 0)
        goto out;
    root = json_loadb(body, len, 0, NULL);
    if (!json_is_object(root))
        goto out;
    access = json_string_value(json_object_get(root, "access_token"));
    if (!access || !*access)
        goto out;
    expires_in = number_or_missing(root, "expires_in");
    expiration = number_or_missing(root, "expiration");
    if (expires_in <= 0 && expiration <= 0)
        goto out;
    if (expires_in <= 0)
        expires_in = expiration - now;
    if (expiration <= 0)
        expiration = now + expires_in;
    copy = strdup(access);
    if (!copy) {
        rc = AMG_ENOMEM;
        goto out;
    }
    wipe_free(tok->access_token);
    tok->access_token = copy;
    tok->obtained = now;
    tok->expires_in = expires_in;
    tok->expiration = expiration;
    tok->generation++;
    rc = AMG_OK;
out:
    json_decref(root);
    return rc;
}

int amg_iam_token_usable(const struct amg_iam_token *tok, double now)
{
    if (!tok->access_token)
        return 0;
    if (now > tok->obtained + IAM_REFRESH_SHARE * tok->expires_in)
        return 0;
    return now <= tok->expiration - IAM_EXPIRY_MARGIN_S;
}

void amg_iam_token_clear(struct amg_iam_token *tok)
{
    wipe_free(tok->access_token);
    tok->access_token = NULL;
    tok->obtained = 0;
    tok->expires_in = 0;
    tok->expiration = 0;
}

char *amg_iam_error_message(const char *body, size_t len)
{
    json_t *root = NULL;
    const char *msg;
    char *out = NULL;

    if (!body || len == 0)
        return NULL;
    root = json_loadb(body, len, 0, NULL);
    msg = json_string_value(json_object_get(root, "errorMessage"));
    if (msg && *msg)
        out = strdup(msg);
    json_decref(root);
    return out;
}
