#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "appid-migrate/plugin.h"
#include "iam.h"
#include "request.h"

#define SIM_GRANT_APIKEY "urn:ibm:params:oauth:grant-type:apikey"
#define SIM_SECRET_LEN 32
#define SIM_SIG_LEN 32
/* A token is three short base64url parts; anything longer is junk. */
#define SIM_TOKEN_MAX 4096

struct sim_iam {
    char *api_key;
    long ttl;
    unsigned char secret[SIM_SECRET_LEN];
};

struct sim_iam *sim_iam_new(const char *api_key, long ttl)
{
    struct sim_iam *iam = calloc(1, sizeof(*iam));

    if (!iam)
        return NULL;
    iam->api_key = strdup(api_key);
    iam->ttl = ttl;
    if (!iam->api_key || RAND_bytes(iam->secret, sizeof(iam->secret)) != 1) {
        sim_iam_free(iam);
        return NULL;
    }
    return iam;
}

void sim_iam_free(struct sim_iam *iam)
{
    if (!iam)
        return;
    if (iam->api_key)
        OPENSSL_cleanse(iam->api_key, strlen(iam->api_key));
    free(iam->api_key);
    OPENSSL_cleanse(iam->secret, sizeof(iam->secret));
    free(iam);
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64url of `len` bytes; new string or NULL. */
static char *b64url_encode(const unsigned char *in, size_t len)
{
    char *out = malloc(len / 3 * 4 + 5);
    size_t i, o = 0;

    if (!out)
        return NULL;
    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)in[i] << 16;

        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;

        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
    return out;
}

static int b64url_value(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;

    return p ? (int)(p - b64url) : -1;
}

/* Decode unpadded base64url; *out is new (len+1 bytes, NUL added). */
static int b64url_decode(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
    unsigned char *buf = NULL;
    unsigned acc = 0;
    int bits = 0;
    size_t i, o = 0;

    *out = NULL;
    if (len % 4 == 1)
        return AMG_EINVAL;
    buf = malloc(len / 4 * 3 + 3);
    if (!buf)
        return AMG_ENOMEM;
    for (i = 0; i < len; i++) {
        int v = b64url_value(in[i]);

        if (v < 0) {
            free(buf);
            return AMG_EINVAL;
        }
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    /* Leftover bits must be zero, so every value has one encoding only. */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        free(buf);
        return AMG_EINVAL;
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return AMG_OK;
}

static int sign(const struct sim_iam *iam, const char *data, size_t len,
                unsigned char sig[SIM_SIG_LEN])
{
    unsigned sig_len = 0;

    if (!HMAC(EVP_sha256(), iam->secret, sizeof(iam->secret), (const unsigned char *)data,
              len, sig, &sig_len) || sig_len != SIM_SIG_LEN)
        return AMG_EIO;
    return AMG_OK;
}

static int random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    size_t i;

    if (bytes > sizeof(raw) || RAND_bytes(raw, (int)bytes) != 1)
        return AMG_EIO;
    for (i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return AMG_OK;
}

/* Compact, key-sorted JSON of `doc` (stolen), base64url-encoded. */
static char *encode_part(json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *enc = NULL;

    json_decref(doc);
    if (text)
        enc = b64url_encode((const unsigned char *)text, strlen(text));
    free(text);
    return enc;
}

int sim_iam_issue(const struct sim_iam *iam, time_t now, char **token)
{
    unsigned char sig[SIM_SIG_LEN];
    char jti[33];
    char *head = NULL, *payload = NULL, *sig_enc = NULL, *out = NULL;
    size_t len;
    int rc = AMG_ENOMEM;

    *token = NULL;
    if (random_hex(jti, 16) != AMG_OK) {
        rc = AMG_EIO;
        goto out;
    }
    head = encode_part(json_pack("{s:s, s:s}", "alg", "HS256", "typ", "JWT"));
    payload = encode_part(json_pack("{s:I, s:I, s:s, s:s, s:s}",
                                    "iat", (json_int_t)now,
                                    "exp", (json_int_t)now + iam->ttl,
                                    "iss", "appid-sim", "jti", jti,
                                    "sub", "iam-ServiceId-appid-sim"));
    if (!head || !payload)
        goto out;
    len = strlen(head) + strlen(payload) + 2 + (SIM_SIG_LEN * 4 + 2) / 3 + 1;
    out = malloc(len);
    if (!out)
        goto out;
    snprintf(out, len, "%s.%s", head, payload);
    rc = sign(iam, out, strlen(out), sig);
    if (rc != AMG_OK)
        goto out;
    rc = AMG_ENOMEM;
    sig_enc = b64url_encode(sig, sizeof(sig));
    if (!sig_enc)
        goto out;
    snprintf(out + strlen(out), len - strlen(out), ".%s", sig_enc);
    *token = out;
    out = NULL;
    rc = AMG_OK;
out:
    free(head);
    free(payload);
    free(sig_enc);
    free(out);
    return rc;
}

int sim_iam_verify(const struct sim_iam *iam, const char *token, time_t now)
{
    unsigned char want[SIM_SIG_LEN];
    unsigned char *got = NULL, *payload = NULL;
    size_t got_len = 0, payload_len = 0, len;
    const char *dot1, *dot2;
    json_t *claims = NULL;
    json_t *exp;
    int rc = AMG_EAUTH;

    len = strnlen(token, SIM_TOKEN_MAX + 1);
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (len > SIM_TOKEN_MAX || !dot2 || strchr(dot2 + 1, '.'))
        goto out;
    if (sign(iam, token, (size_t)(dot2 - token), want) != AMG_OK)
        goto out;
    if (b64url_decode(dot2 + 1, strlen(dot2 + 1), &got, &got_len) != AMG_OK ||
        got_len != SIM_SIG_LEN || CRYPTO_memcmp(got, want, SIM_SIG_LEN) != 0)
        goto out;
    if (b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &payload, &payload_len) != AMG_OK)
        goto out;
    claims = json_loadb((const char *)payload, payload_len, 0, NULL);
    exp = json_object_get(claims, "exp");
    if (json_is_integer(exp) && json_integer_value(exp) > (json_int_t)now)
        rc = AMG_OK;
out:
    free(got);
    free(payload);
    json_decref(claims);
    return rc;
}

int sim_iam_check_bearer(const struct sim_iam *iam, const char *header, time_t now,
                         const char **why)
{
    if (!header || !header[0]) {
        *why = "missing Authorization header";
        return AMG_EAUTH;
    }
    if (strncasecmp(header, "Bearer ", 7) != 0) {
        *why = "Authorization header is not a Bearer token";
        return AMG_EAUTH;
    }
    header += 7;
    while (*header == ' ')
        header++;
    if (sim_iam_verify(iam, header, now) != AMG_OK) {
        *why = "invalid or expired access token";
        return AMG_EAUTH;
    }
    *why = NULL;
    return AMG_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sim_form_decode(const char *in, size_t len, char **out)
{
    char *buf = malloc(len + 1);
    size_t i, o = 0;

    *out = NULL;
    if (!buf)
        return AMG_ENOMEM;
    for (i = 0; i < len; i++) {
        if (in[i] == '+') {
            buf[o++] = ' ';
        } else if (in[i] == '%') {
            int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;

            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(buf);
                return AMG_EINVAL;
            }
            buf[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            buf[o++] = in[i];
        }
    }
    buf[o] = '\0';
    *out = buf;
    return AMG_OK;
}

/* Value of form field `name` in body (new string), or NULL when absent or
 * badly encoded. A repeated field keeps its first value. */
static char *form_field(const char *body, size_t len, const char *name)
{
    size_t name_len = strlen(name);
    size_t pos = 0;

    while (pos < len) {
        const char *pair = body + pos;
        const char *end = memchr(pair, '&', len - pos);
        size_t pair_len = end ? (size_t)(end - pair) : len - pos;
        char *value = NULL;

        if (pair_len > name_len && pair[name_len] == '=' &&
            memcmp(pair, name, name_len) == 0) {
            if (sim_form_decode(pair + name_len + 1, pair_len - name_len - 1, &value) != AMG_OK)
                return NULL;
            return value;
        }
        pos += pair_len + 1;
    }
    return NULL;
}

static int is_form(const char *ctype)
{
    static const char want[] = "application/x-www-form-urlencoded";

    return ctype && strncasecmp(ctype, want, sizeof(want) - 1) == 0 &&
           (ctype[sizeof(want) - 1] == '\0' || ctype[sizeof(want) - 1] == ';');
}

/* IAM-style error: {"context":{...},"errorCode":...,"errorMessage":...}. */
static void iam_error(struct sim_reply *rep, int status, const char *code, const char *msg)
{
    char request_id[33] = "0";

    random_hex(request_id, 16);
    sim_reply_json(rep, status,
                   json_pack("{s:{s:s, s:s}, s:s, s:s}",
                             "context", "requestId", request_id,
                             "requestType", "incoming.Identity_Token",
                             "errorCode", code, "errorMessage", msg));
}

void sim_iam_handle_token(const struct sim_iam *iam, const struct sim_request *req,
                          struct sim_reply *rep)
{
    const char *body = req->body ? req->body : "";
    size_t len = is_form(req->content_type) ? req->body_len : 0;
    char *grant = NULL, *key = NULL, *token = NULL;
    time_t now = time(NULL);

    if (strcmp(req->method, "POST") != 0) {
        sim_reply_header(rep, "Allow", "POST");
        iam_error(rep, 405, "BXNIM0105E", "Method not allowed");
        goto out;
    }
    grant = form_field(body, len, "grant_type");
    if (!grant || !grant[0]) {
        iam_error(rep, 400, "BXNIM0109E", "Property missing or empty. Property: grant_type");
        goto out;
    }
    if (strcmp(grant, SIM_GRANT_APIKEY) != 0) {
        iam_error(rep, 400, "BXNIM0104E", "Unsupported grant type");
        goto out;
    }
    key = form_field(body, len, "apikey");
    if (!key || !key[0]) {
        iam_error(rep, 400, "BXNIM0109E", "Property missing or empty. Property: apikey");
        goto out;
    }
    if (strlen(key) != strlen(iam->api_key) ||
        CRYPTO_memcmp(key, iam->api_key, strlen(key)) != 0) {
        iam_error(rep, 400, "BXNIM0415E", "Provided API key could not be found");
        goto out;
    }
    if (sim_iam_issue(iam, now, &token) != AMG_OK) {
        sim_reply_error(rep, 500, "could not issue a token");
        goto out;
    }
    sim_reply_json(rep, 200,
                   json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}",
                             "access_token", token, "refresh_token", "not_supported",
                             "token_type", "Bearer", "expires_in", (json_int_t)iam->ttl,
                             "expiration", (json_int_t)now + iam->ttl,
                             "scope", "ibm openid"));
out:
    if (key)
        OPENSSL_cleanse(key, strlen(key));
    free(key);
    free(grant);
    free(token);
}
