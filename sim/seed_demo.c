/*
 * appid-sim-seed: give an App ID tenant (normally an appid-sim one) a
 * realistic, non-default configuration and N Cloud Directory users with
 * profiles, attributes and roles, through the public Management API only.
 * Users are created with libcurl's multi interface, a bounded number of
 * requests in flight. Everything derives from --seed, so two runs with
 * the same seed produce the same users; user i has the e-mail
 * user<i>@seed<S>.example and the password "Pw-<S>-<i>" (i zero-padded
 * to 6 digits). See docs/appid-sim.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "log.h"
#include "seed_config.h"

#define EXIT_USAGE 2
#define MAX_PARALLEL 64

struct transfer {
    CURL *easy;
    struct seed_ctx *ctx;
    size_t user;          /* index of the user being seeded */
    int step;             /* 0 sign_up, 1 userinfo, 2 profile, 3 roles */
    char id[64];          /* CD user id, then profile id */
    char *body;           /* request body (owned) */
    char *resp;           /* response body (owned) */
    size_t resp_len;
    int busy;
};

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
    struct transfer *t = ud;
    size_t len = size * n;
    char *grown = realloc(t->resp, t->resp_len + len + 1);

    if (!grown)
        return 0;
    memcpy(grown + t->resp_len, data, len);
    t->resp = grown;
    t->resp_len += len;
    t->resp[t->resp_len] = '\0';
    return len;
}

/* xorshift64*: deterministic per (seed, user). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static const char *const given_names[] = {
    "Ada", "Ben", "Chloe", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
};
static const char *const family_names[] = {
    "Andersen", "Brown", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Lopez", "Muller", "Nakamura", "Okafor", "Patel",
};
static const char *const tiers[] = { "free", "silver", "gold", "platinum" };
static const char *const locales[] = { "en-US", "de-DE", "fr-FR", "ja-JP", "pt-BR" };

#define PICK(arr, s) ((arr)[rnd(s) % (sizeof(arr) / sizeof((arr)[0]))])

/* Request of step 0 for user i: the sign-up body. */
static char *signup_body(const struct seed_ctx *ctx, size_t i)
{
    uint64_t s = ctx->seed * 1000003ULL + i + 1;
    const char *given = PICK(given_names, &s);
    const char *family = PICK(family_names, &s);
    char email[128], user[64], password[64], display[128];
    json_t *doc;
    char *text;

    seed_user_email(ctx, i, email, sizeof(email));
    seed_user_password(ctx, i, password, sizeof(password));
    snprintf(user, sizeof(user), "user%06zu-s%" PRIu64, i, ctx->seed);
    snprintf(display, sizeof(display), "%s %s", given, family);
    doc = json_pack("{s:[{s:s, s:b}], s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:b}",
                    "emails", "value", email, "primary", 1, "userName", user, "password",
                    password, "displayName", display, "name", "givenName", given,
                    "familyName", family, "formatted", display, "status",
                    rnd(&s) % 4 ? "CONFIRMED" : "PENDING", "active", rnd(&s) % 20 != 0);
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static char *attributes_body(const struct seed_ctx *ctx, size_t i)
{
    uint64_t s = ctx->seed * 7919ULL + i + 17;
    json_t *doc = json_pack("{s:{s:s, s:s, s:I, s:b, s:[s, s]}}", "attributes", "tier",
                            PICK(tiers, &s), "locale", PICK(locales, &s), "points",
                            (json_int_t)(rnd(&s) % 100000), "newsletter",
                            (int)(rnd(&s) % 2), "tags", "seeded", PICK(tiers, &s));
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

    json_decref(doc);
    return text;
}

/* Every third user gets one or two roles. */
static char *roles_body(const struct seed_ctx *ctx, size_t i)
{
    json_t *ids = json_array();
    json_t *doc;
    char *text = NULL;

    if (!ids)
        return NULL;
    json_array_append_new(ids, json_string(ctx->role_ids[i % ctx->n_roles]));
    if (i % 2 == 0 && ctx->n_roles > 1)
        json_array_append_new(ids, json_string(ctx->role_ids[(i + 1) % ctx->n_roles]));
    doc = json_pack("{s:{s:o}}", "roles", "ids", ids);
    if (doc)
        text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* Set up `t` for its current step and add it to the multi handle. */
static int start_step(CURLM *multi, struct transfer *t)
{
    struct seed_ctx *ctx = t->ctx;
    char url[1200];
    const char *method = "POST";

    free(t->body);
    free(t->resp);
    t->body = NULL;
    t->resp = NULL;
    t->resp_len = 0;
    switch (t->step) {
    case 0:
        snprintf(url, sizeof(url), "%s/cloud_directory/sign_up?shouldCreateProfile=true",
                 ctx->mgmt);
        t->body = signup_body(ctx, t->user);
        break;
    case 1:
        snprintf(url, sizeof(url), "%s/cloud_directory/%s/userinfo", ctx->mgmt, t->id);
        method = "GET";
        break;
    case 2:
        snprintf(url, sizeof(url), "%s/users/%s/profile", ctx->mgmt, t->id);
        method = "PUT";
        t->body = attributes_body(ctx, t->user);
        break;
    default:
        snprintf(url, sizeof(url), "%s/users/%s/roles", ctx->mgmt, t->id);
        method = "PUT";
        t->body = roles_body(ctx, t->user);
        break;
    }
    if (t->step != 1 && !t->body)
        return AMG_ENOMEM;
    curl_easy_setopt(t->easy, CURLOPT_URL, url);
    if (t->step == 1) {
        curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, NULL);
    } else {
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
        curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, ctx->headers);
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    t->busy = 1;
    return curl_multi_add_handle(multi, t->easy) == CURLM_OK ? AMG_OK : AMG_EHTTP;
}

/* Copy string member `key` of the JSON response into t->id. */
static int take_id(struct transfer *t, const char *key)
{
    json_t *doc = json_loads(t->resp ? t->resp : "", 0, NULL);
    const char *v = json_string_value(json_object_get(doc, key));
    int ok = v && strlen(v) < sizeof(t->id);

    if (ok)
        snprintf(t->id, sizeof(t->id), "%s", v);
    json_decref(doc);
    return ok ? AMG_OK : AMG_EPROTO;
}

/* A finished request: decide the user's next step. Returns 1 when the
 * user is done. */
static int finish_step(struct transfer *t, CURLcode res)
{
    struct seed_ctx *ctx = t->ctx;
    long status = 0;

    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (res != CURLE_OK) {
        amg_error("user %zu: %s", t->user, curl_easy_strerror(res));
        ctx->failed++;
        return 1;
    }
    if (t->step == 0 && status == 409) {
        ctx->existing++;
        return 1;
    }
    if ((t->step == 0 && status != 201) || (t->step > 0 && status != 200) ||
        (t->step == 0 && take_id(t, "id") != AMG_OK) ||
        (t->step == 1 && take_id(t, "sub") != AMG_OK)) {
        amg_error("user %zu, step %d: HTTP %ld: %.200s", t->user, t->step, status,
                  t->resp ? t->resp : "");
        ctx->failed++;
        return 1;
    }
    t->step++;
    if (t->step == 3 && (ctx->n_roles == 0 || t->user % 3 != 0))
        t->step = 4;
    if (t->step == 4) {
        ctx->created++;
        return 1;
    }
    return 0;
}

static int seed_users(struct seed_ctx *ctx)
{
    struct transfer slots[MAX_PARALLEL];
    CURLM *multi = curl_multi_init();
    size_t next = 0, active = 0, i;
    int rc = AMG_OK;

    memset(slots, 0, sizeof(slots));
    if (!multi)
        return AMG_ENOMEM;
    for (i = 0; i < ctx->parallel; i++) {
        slots[i].easy = curl_easy_init();
        slots[i].ctx = ctx;
        if (!slots[i].easy) {
            rc = AMG_ENOMEM;
            goto out;
        }
    }
    while (rc == AMG_OK && (next < ctx->n_users || active > 0)) {
        CURLMsg *msg;
        int running = 0, left = 0, finished = 0;

        for (i = 0; i < ctx->parallel && next < ctx->n_users; i++) {
            if (slots[i].busy)
                continue;
            slots[i].user = next++;
            slots[i].step = 0;
            rc = start_step(multi, &slots[i]);
            if (rc != AMG_OK)
                break;
            active++;
        }
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
            rc = AMG_EHTTP;
            break;
        }
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            struct transfer *t = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            curl_multi_remove_handle(multi, msg->easy_handle);
            finished = 1;
            if (finish_step(t, msg->data.result)) {
                t->busy = 0;
                active--;
            } else if (start_step(multi, t) != AMG_OK) {
                rc = AMG_EHTTP;
            }
        }
        /* Wait only when nothing finished: finished users free slots
         * that the next round fills at once. */
        if (rc == AMG_OK && running > 0 && !finished &&
            curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
            rc = AMG_EHTTP;
    }
out:
    for (i = 0; i < ctx->parallel; i++) {
        if (slots[i].easy) {
            curl_multi_remove_handle(multi, slots[i].easy);
            curl_easy_cleanup(slots[i].easy);
        }
        free(slots[i].body);
        free(slots[i].resp);
    }
    curl_multi_cleanup(multi);
    return rc;
}

static void usage(FILE *out)
{
    fputs("usage: appid-sim-seed --url URL --tenant ID [--api-key-env NAME] [--users N]\n"
          "                      [--seed S] [--parallel P] [--iam-url URL]\n"
          "--url is the service base URL (http://127.0.0.1:PORT for appid-sim); the API key\n"
          "is read from the environment variable NAME (default APPID_SIM_API_KEY); the IAM\n"
          "token endpoint defaults to URL/identity/token. Users: --users N (default 100),\n"
          "P requests in flight (default 16, at most 64). User i gets the e-mail\n"
          "user<i>@seed<S>.example and the password Pw-<S>-<i> (i with 6 digits).\n",
          out);
}

static int parse_num(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;

    errno = 0;
    *out = strtoull(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && text[0] != '-' && *out <= max
               ? AMG_OK : AMG_EINVAL;
}

static int parse_options(int argc, char **argv, struct seed_ctx *ctx)
{
    static const struct option longopts[] = {
        { "url", required_argument, NULL, 'u' },
        { "tenant", required_argument, NULL, 't' },
        { "api-key-env", required_argument, NULL, 'k' },
        { "users", required_argument, NULL, 'n' },
        { "seed", required_argument, NULL, 's' },
        { "parallel", required_argument, NULL, 'p' },
        { "iam-url", required_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long long v;
    int c;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'u':
            ctx->url = optarg;
            break;
        case 't':
            ctx->tenant = optarg;
            break;
        case 'k':
            ctx->key_env = optarg;
            break;
        case 'i':
            ctx->iam_url = optarg;
            break;
        case 'n':
        case 's':
        case 'p':
            if (parse_num(optarg, c == 'p' ? MAX_PARALLEL : 100000000ULL, &v) != AMG_OK ||
                (c == 'p' && v == 0)) {
                amg_error("--%s: '%s' is not a valid number",
                          c == 'n' ? "users" : c == 's' ? "seed" : "parallel", optarg);
                return AMG_EUSAGE;
            }
            if (c == 'n')
                ctx->n_users = (size_t)v;
            else if (c == 's')
                ctx->seed = v;
            else
                ctx->parallel = (size_t)v;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return AMG_EUSAGE;
        }
    }
    if (optind < argc || !ctx->url || !ctx->tenant) {
        amg_error("--url and --tenant are required");
        usage(stderr);
        return AMG_EUSAGE;
    }
    return AMG_OK;
}

int main(int argc, char **argv)
{
    struct seed_ctx ctx = { .key_env = "APPID_SIM_API_KEY", .n_users = 100, .seed = 1,
                            .parallel = 16 };
    struct timespec t0, t1;
    int status = 1, rc;

    amg_log_set_level(AMG_LOG_INFO);
    rc = parse_options(argc, argv, &ctx);
    if (rc != AMG_OK)
        return rc == 1 ? 0 : EXIT_USAGE;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (seed_connect(&ctx) != AMG_OK || seed_configure(&ctx) != AMG_OK)
        goto out;
    if (seed_users(&ctx) != AMG_OK) {
        amg_error("seeding users stopped early");
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("seeded tenant %s: %zu users created, %zu existed already, %zu failed, "
           "%zu roles, %.1f s\n", ctx.tenant, ctx.created, ctx.existing, ctx.failed,
           ctx.n_roles, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    status = ctx.failed ? 1 : 0;
out:
    seed_ctx_free(&ctx);
    curl_global_cleanup();
    return status;
}
