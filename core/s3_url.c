#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "log.h"
#include "s3_url.h"

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int bucket_ok(const char *b, size_t len)
{
    size_t i;

    if (len < 3 || len > 63 || !is_lower_alnum(b[0]) || !is_lower_alnum(b[len - 1]))
        return 0;
    for (i = 0; i < len; i++) {
        if (!is_lower_alnum(b[i]) && b[i] != '.' && b[i] != '-')
            return 0;
        if (b[i] == '.' && i + 1 < len && b[i + 1] == '.')
            return 0;
    }
    return 1;
}

/* Length of the UTF-8 sequence starting at s, 0 if it is not valid
 * (overlong forms, surrogates and values above U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned cp;
    size_t n, i;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Key rules; `trailing_slash` allows one empty last segment (prefixes). */
static int name_ok(const char *key, int trailing_slash)
{
    const unsigned char *p = (const unsigned char *)key;
    const unsigned char *seg = p;
    size_t len = strlen(key);

    if (len == 0 || len > AMG_S3_KEY_MAX || key[0] == '/')
        return 0;
    for (;;) {
        if (*p == '/' || *p == '\0') {
            size_t seglen = (size_t)(p - seg);

            if (seglen == 0 && !(*p == '\0' && trailing_slash))
                return 0;
            if ((seglen == 1 && seg[0] == '.') ||
                (seglen == 2 && seg[0] == '.' && seg[1] == '.'))
                return 0;
            if (*p == '\0')
                return 1;
            seg = ++p;
            continue;
        }
        if (*p < 0x20 || *p == 0x7f) {
            return 0;
        } else {
            size_t n = utf8_seq(p);

            if (n == 0)
                return 0;
            p += n;
        }
    }
}

int amg_s3_key_ok(const char *key)
{
    return key && name_ok(key, 0);
}

int amg_s3_prefix_ok(const char *prefix)
{
    return prefix && (!*prefix || name_ok(prefix, 1));
}

int amg_s3_url_parse(const char *url, char **bucket, char **prefix)
{
    const char *b, *slash;
    size_t blen, plen;
    int rc = AMG_ECONFIG;

    *bucket = NULL;
    *prefix = NULL;
    if (!url || strncmp(url, "s3://", 5) != 0) {
        amg_error("s3 location '%s': must be s3://BUCKET[/PREFIX]", url ? url : "(null)");
        goto out;
    }
    b = url + 5;
    slash = strchr(b, '/');
    blen = slash ? (size_t)(slash - b) : strlen(b);
    if (!bucket_ok(b, blen)) {
        amg_error("s3 location '%s': invalid bucket name", url);
        goto out;
    }
    plen = slash ? strlen(slash + 1) : 0;
    if (plen > 0 && !name_ok(slash + 1, 1)) {
        amg_error("s3 location '%s': invalid prefix", url);
        goto out;
    }
    rc = AMG_ENOMEM;
    *bucket = strndup(b, blen);
    *prefix = malloc(plen + 2);
    if (!*bucket || !*prefix)
        goto out;
    if (plen > 0)
        memcpy(*prefix, slash + 1, plen);
    if (plen > 0 && (*prefix)[plen - 1] != '/')
        (*prefix)[plen++] = '/';
    (*prefix)[plen] = '\0';
    rc = AMG_OK;
out:
    if (rc) {
        free(*bucket);
        free(*prefix);
        *bucket = NULL;
        *prefix = NULL;
    }
    return rc;
}

int amg_s3_host_is_loopback(const char *host)
{
    struct in_addr v4;
    struct in6_addr v6;
    char buf[64];
    size_t len;

    if (!host)
        return 0;
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(buf)) {
        memcpy(buf, host + 1, len - 2);
        buf[len - 2] = '\0';
        host = buf;
    }
    return inet_pton(AF_INET6, host, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/* The named part of u as a new string (curl_free), NULL when absent. */
static char *url_part(CURLU *u, CURLUPart what)
{
    char *v = NULL;

    if (curl_url_get(u, what, &v, 0) != CURLUE_OK)
        return NULL;
    return v;
}

int amg_s3_endpoint_check(const char *endpoint, char **base)
{
    CURLU *u = NULL;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    char *user = NULL, *query = NULL, *frag = NULL;
    const char *why = NULL;
    size_t len;
    int rc = AMG_ECONFIG;

    *base = NULL;
    if (!endpoint || !*endpoint) {
        amg_error("s3 endpoint is not set");
        goto out;
    }
    rc = AMG_ENOMEM;
    u = curl_url();
    if (!u)
        goto out;
    rc = AMG_ECONFIG;
    if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK) {
        why = "not a URL";
        goto out;
    }
    scheme = url_part(u, CURLUPART_SCHEME);
    host = url_part(u, CURLUPART_HOST);
    port = url_part(u, CURLUPART_PORT);
    path = url_part(u, CURLUPART_PATH);
    user = url_part(u, CURLUPART_USER);
    query = url_part(u, CURLUPART_QUERY);
    frag = url_part(u, CURLUPART_FRAGMENT);
    if (!scheme || !host || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
        why = "must be an http:// or https:// URL";
    else if (user || query || frag || (path && strcmp(path, "/") != 0 && *path))
        why = "must be scheme://host[:port] only (no user, path or query)";
    else if (strcmp(scheme, "http") == 0 && !amg_s3_host_is_loopback(host))
        why = "plain http is only allowed to a loopback host; use https";
    if (why)
        goto out;
    rc = AMG_ENOMEM;
    len = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 5;
    *base = malloc(len);
    if (!*base)
        goto out;
    snprintf(*base, len, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    rc = AMG_OK;
out:
    if (why)
        amg_error("s3 endpoint '%s': %s", endpoint, why);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(user);
    curl_free(query);
    curl_free(frag);
    curl_url_cleanup(u);
    return rc;
}

char *amg_s3_uri_encode(const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;
    char *out, *o;

    out = malloc(strlen(s) * 3 + 1);
    if (!out)
        return NULL;
    for (p = (const unsigned char *)s, o = out; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || (keep_slash && *p == '/')) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 0x0f];
        }
    }
    *o = '\0';
    return out;
}
