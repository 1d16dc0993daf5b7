#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "appid-migrate/plugin.h"
#include "multipart.h"

/* First occurrence of `needle` in `hay`, or NULL. */
static const char *find(const char *hay, size_t hay_len, const char *needle, size_t n)
{
    size_t i;

    if (n == 0 || n > hay_len)
        return NULL;
    for (i = 0; i + n <= hay_len; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    }
    return NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/*
 * Parameter `key` of a header value such as `form-data; name="file"` or
 * `multipart/form-data; boundary=xyz` (`hdr`..`end`), unquoted into
 * `out`. 0 when found and it fits, AMG_ENOTFOUND, AMG_EINVAL when
 * malformed or too long.
 */
static int header_param(const char *hdr, const char *end, const char *key, char *out,
                        size_t out_len)
{
    const char *p = hdr;
    size_t klen = strlen(key);

    for (;;) {
        const char *name;
        size_t n = 0;
        int match;

        /* Skip to the next ';' outside quotes. */
        while (p < end && *p != ';') {
            if (*p == '"') {
                for (p++; p < end && *p != '"'; p++) {
                    if (*p == '\\' && p + 1 < end)
                        p++;
                }
            }
            if (p < end)
                p++;
        }
        if (p >= end)
            return AMG_ENOTFOUND;
        p = skip_ws(p + 1, end);
        name = p;
        while (p < end && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        match = (size_t)(p - name) == klen && strncasecmp(name, key, klen) == 0;
        p = skip_ws(p, end);
        if (p >= end || *p != '=')
            continue;
        p = skip_ws(p + 1, end);
        if (p < end && *p == '"') {
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\' && p + 1 < end)
                    p++;
                if (match) {
                    if (n + 1 >= out_len)
                        return AMG_EINVAL;
                    out[n++] = *p;
                }
            }
            if (p >= end)
                return AMG_EINVAL;   /* unterminated quote */
            p++;
        } else {
            while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
                if (match) {
                    if (n + 1 >= out_len)
                        return AMG_EINVAL;
                    out[n++] = *p;
                }
                p++;
            }
        }
        if (match) {
            out[n] = '\0';
            return AMG_OK;
        }
    }
}

int sim_multipart_boundary(const char *ctype, char *out)
{
    static const char want[] = "multipart/form-data";
    const char *p, *end;

    if (!ctype)
        return AMG_EINVAL;
    p = ctype;
    end = ctype + strlen(ctype);
    p = skip_ws(p, end);
    if (strncasecmp(p, want, sizeof(want) - 1) != 0)
        return AMG_EINVAL;
    p += sizeof(want) - 1;
    p = skip_ws(p, end);
    if (p < end && *p != ';')
        return AMG_EINVAL;
    if (header_param(p, end, "boundary", out, SIM_BOUNDARY_MAX + 1) != AMG_OK || !out[0])
        return AMG_EINVAL;
    return AMG_OK;
}

/* Value of header `name` within the part headers `h`..`end`, as a
 * pointer range; NULL when absent. */
static const char *part_header(const char *h, const char *end, const char *name,
                               const char **vend)
{
    size_t n = strlen(name);

    while (h < end) {
        const char *eol = find(h, (size_t)(end - h), "\r\n", 2);

        if (!eol)
            eol = end;
        if ((size_t)(eol - h) > n && strncasecmp(h, name, n) == 0 && h[n] == ':') {
            *vend = eol;
            return skip_ws(h + n + 1, eol);
        }
        h = eol + 2;
    }
    return NULL;
}

int sim_multipart_find(const char *boundary, const char *body, size_t len, const char *name,
                       struct sim_part *part, char *msg, size_t msg_len)
{
    char delim[SIM_BOUNDARY_MAX + 5];
    const char *end = body + len;
    const char *p;
    size_t dlen;

    memset(part, 0, sizeof(*part));
    /* "\r\n--boundary" separates parts; the first may open the body. */
    dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
        p = body + dlen - 2;
    else if ((p = find(body, len, delim, dlen)) != NULL)
        p += dlen;
    else
        goto malformed;
    for (;;) {
        const char *headers, *hend, *data, *next, *v, *vend = NULL;
        char pname[128];

        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return AMG_ENOTFOUND;   /* closing delimiter */
        p = skip_ws(p, end);
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            goto malformed;
        headers = p + 2;
        /* Headers end with an empty line; a part without headers starts
         * straight with that empty line. */
        if (end - headers >= 2 && headers[0] == '\r' && headers[1] == '\n') {
            hend = headers;
            data = headers + 2;
        } else {
            hend = find(headers, (size_t)(end - headers), "\r\n\r\n", 4);
            if (!hend)
                goto malformed;
            data = hend + 4;
        }
        next = find(data, (size_t)(end - data), delim, dlen);
        if (!next)
            goto malformed;
        v = part_header(headers, hend, "Content-Disposition", &vend);
        if (v && (size_t)(vend - v) >= 9 && strncasecmp(v, "form-data", 9) == 0 &&
            header_param(v, vend, "name", pname, sizeof(pname)) == AMG_OK &&
            strcmp(pname, name) == 0) {
            part->data = data;
            part->len = (size_t)(next - data);
            if (header_param(v, vend, "filename", part->filename,
                             sizeof(part->filename)) != AMG_OK)
                part->filename[0] = '\0';
            v = part_header(headers, hend, "Content-Type", &vend);
            if (v && (size_t)(vend - v) < sizeof(part->content_type)) {
                memcpy(part->content_type, v, (size_t)(vend - v));
                part->content_type[vend - v] = '\0';
            }
            return AMG_OK;
        }
        p = next + dlen;
    }
malformed:
    snprintf(msg, msg_len, "malformed multipart/form-data body");
    return AMG_EINVAL;
}
