#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "s3_xml.h"

/*
 * Find the first element `name` in [p, end). Returns 1 with its text
 * span (between start and end tag; empty for <name/>) and the position
 * after its end tag, 0 when there is none, -1 when it is not closed.
 */
static int find_element(const char *p, const char *end, const char *name, const char **text,
                        size_t *tlen, const char **after)
{
    size_t nlen = strlen(name);
    char close[64];

    if (nlen + 4 > sizeof(close))
        return -1;
    snprintf(close, sizeof(close), "</%s>", name);
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        const char *q, *start, *stop;

        if (!lt)
            return 0;
        p = lt + 1;
        if ((size_t)(end - lt) <= nlen + 1 || memcmp(lt + 1, name, nlen) != 0)
            continue;
        q = lt + 1 + nlen;
        if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n' || *q == '/') {
            /* Attributes (the root's xmlns) or an empty element. */
            const char *gt = memchr(q, '>', (size_t)(end - q));

            if (!gt)
                return -1;
            if (gt[-1] == '/') {
                *text = gt + 1;
                *tlen = 0;
                *after = gt + 1;
                return 1;
            }
            start = gt + 1;
        } else if (*q == '>') {
            start = q + 1;
        } else {
            continue;   /* a longer name with the same beginning, e.g. KeyCount */
        }
        stop = memmem(start, (size_t)(end - start), close, nlen + 3);
        if (!stop)
            return -1;
        *text = start;
        *tlen = (size_t)(stop - start);
        *after = stop + nlen + 3;
        return 1;
    }
    return 0;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decode one entity body (between '&' and ';') into o; 0 if invalid. */
static size_t decode_entity(const char *e, size_t len, char *o)
{
    static const struct {
        const char *name;
        char c;
    } named[] = { { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' } };
    unsigned long cp = 0;
    size_t i;
    int base = 10;

    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (strlen(named[i].name) == len && memcmp(e, named[i].name, len) == 0) {
            *o = named[i].c;
            return 1;
        }
    }
    if (len < 2 || e[0] != '#')
        return 0;
    i = 1;
    if (e[1] == 'x') {
        base = 16;
        i = 2;
    }
    if (i == len || len - i > 6)
        return 0;
    for (; i < len; i++) {
        char c = e[i];
        int d;

        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        cp = cp * (unsigned long)base + (unsigned long)d;
    }
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return put_utf8(o, cp);
}

char *amg_s3_xml_decode(const char *text, size_t len)
{
    /* Every entity is at least as long as the UTF-8 it stands for. */
    char *out = malloc(len + 1);
    char *o = out;
    size_t i = 0;

    if (!out)
        return NULL;
    while (i < len) {
        if (text[i] == '<' || text[i] == '\0')
            goto bad;
        if (text[i] == '&') {
            const char *semi = memchr(text + i + 1, ';', len - i - 1 < 12 ? len - i - 1 : 12);
            size_t n;

            if (!semi)
                goto bad;
            n = decode_entity(text + i + 1, (size_t)(semi - text - i - 1), o);
            if (n == 0)
                goto bad;
            o += n;
            i = (size_t)(semi - text) + 1;
            continue;
        }
        *o++ = text[i++];
    }
    *o = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* A non-negative decimal that fits comfortably in long long. */
static int parse_size(const char *t, size_t len, long long *out)
{
    long long v = 0;
    size_t i;

    if (len == 0 || len > 18)
        return -1;
    for (i = 0; i < len; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        v = v * 10 + (t[i] - '0');
    }
    *out = v;
    return 0;
}

static int list_bad(const char *why)
{
    amg_error("S3 list response: %s", why);
    return AMG_EPROTO;
}

int amg_s3_xml_list_page(const char *xml, size_t len, amg_s3_xml_object_fn fn, void *ud,
                         int *truncated, char **next_token)
{
    const char *end = xml + len;
    const char *p = xml;
    const char *t, *after;
    size_t tl;
    int found;

    *truncated = 0;
    *next_token = NULL;
    if (find_element(xml, end, "ListBucketResult", &t, &tl, &after) != 1)
        return list_bad("not a complete ListBucketResult document");
    while ((found = find_element(p, end, "Contents", &t, &tl, &after)) == 1) {
        const char *kt, *st, *ignore;
        size_t kl, sl;
        long long size;
        char *key;
        int rc;

        if (find_element(t, t + tl, "Key", &kt, &kl, &ignore) != 1 ||
            find_element(t, t + tl, "Size", &st, &sl, &ignore) != 1)
            return list_bad("<Contents> without <Key> or <Size>");
        if (parse_size(st, sl, &size) != 0)
            return list_bad("<Size> is not a non-negative integer");
        key = amg_s3_xml_decode(kt, kl);
        if (!key || !*key) {
            free(key);
            return list_bad("<Key> is empty or badly encoded");
        }
        rc = fn(ud, key, size);
        free(key);
        if (rc)
            return rc;
        p = after;
    }
    if (found < 0)
        return list_bad("unterminated <Contents>");
    if (find_element(xml, end, "IsTruncated", &t, &tl, &after) != 1 ||
        !((tl == 4 && memcmp(t, "true", 4) == 0) || (tl == 5 && memcmp(t, "false", 5) == 0)))
        return list_bad("<IsTruncated> missing or not true/false");
    if (tl == 5)
        return AMG_OK;
    if (find_element(xml, end, "NextContinuationToken", &t, &tl, &after) != 1 || tl == 0)
        return list_bad("truncated page without <NextContinuationToken>");
    *next_token = amg_s3_xml_decode(t, tl);
    if (!*next_token)
        return list_bad("badly encoded <NextContinuationToken>");
    *truncated = 1;
    return AMG_OK;
}

void amg_s3_xml_error(const char *xml, size_t len, char **code, char **message)
{
    const char *end = xml + len;
    const char *t, *after;
    size_t tl;

    *code = NULL;
    *message = NULL;
    if (!xml)
        return;
    if (find_element(xml, end, "Code", &t, &tl, &after) == 1 && tl > 0)
        *code = amg_s3_xml_decode(t, tl);
    if (find_element(xml, end, "Message", &t, &tl, &after) == 1 && tl > 0)
        *message = amg_s3_xml_decode(t, tl);
}
