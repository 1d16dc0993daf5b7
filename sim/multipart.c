#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "appid-migrate/plugin.h"
#include "multipart.h"

#define BOUNDARY_MAX 70   /* RFC 2046 */

/* First occurrence of `needle` in `hay`, or NULL. */
static const char *find(const char *hay, size_t hay_len, const char *needle, size_t n_len)
{
    const char *p = hay;
    const char *end = hay + hay_len;

    if (n_len == 0 || hay_len < n_len)
        return NULL;
    while ((size_t)(end - p) >= n_len) {
        p = memchr(p, needle[0], (size_t)(end - p) - n_len + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, n_len) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* "--" + the boundary parameter of `ctype` into `out`. */
static int get_delimiter(const char *ctype, char *out, size_t out_len)
{
    static const char type[] = "multipart/form-data";
    const char *p;
    size_t n = 0;

    if (!ctype || strncasecmp(ctype, type, sizeof(type) - 1) != 0)
        return AMG_EINVAL;
    for (p = ctype + sizeof(type) - 1; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) == 0)
            break;
    }
    if (!p)
        return AMG_EINVAL;
    p += 9;
    out[n++] = '-';
    out[n++] = '-';
    if (*p == '"') {
        for (p++; *p && *p != '"' && n < out_len - 1; p++)
            out[n++] = *p;
    } else {
        for (; *p && *p != ';' && *p != ' ' && n < out_len - 1; p++)
            out[n++] = *p;
    }
    out[n] = '\0';
    return n > 2 && n <= BOUNDARY_MAX + 2 ? AMG_OK : AMG_EINVAL;
}

/* The name="..." of the Content-Disposition header among `headers`. */
static int part_name(const char *headers, size_t len, char *name, size_t name_len)
{
    const char *line = headers;
    const char *end = headers + len;

    while (line < end) {
        const char *eol = find(line, (size_t)(end - line), "\r\n", 2);
        size_t line_len = eol ? (size_t)(eol - line) : (size_t)(end - line);
        static const char cd[] = "content-disposition:";

        if (line_len > sizeof(cd) && strncasecmp(line, cd, sizeof(cd) - 1) == 0) {
            const char *p = find(line, line_len, "name=\"", 6);
            const char *q;

            /* Skip "filename=" when it comes first. */
            while (p && p > line && p[-1] != ' ' && p[-1] != ';')
                p = find(p + 6, line_len - (size_t)(p + 6 - line), "name=\"", 6);
            q = p ? memchr(p + 6, '"', line_len - (size_t)(p + 6 - line)) : NULL;
            if (!q || (size_t)(q - p - 6) >= name_len)
                return AMG_EINVAL;
            memcpy(name, p + 6, (size_t)(q - p - 6));
            name[q - p - 6] = '\0';
            return AMG_OK;
        }
        line += line_len + 2;
    }
    return AMG_EINVAL;
}

int sim_multipart_parse(const char *ctype, const char *body, size_t len,
                        struct sim_part *parts, size_t *n, char *msg, size_t msg_len)
{
    char delim[BOUNDARY_MAX + 8];
    char sep[BOUNDARY_MAX + 16];
    size_t d_len, s_len;
    const char *p, *end = body + len;

    *n = 0;
    if (get_delimiter(ctype, delim, sizeof(delim)) != AMG_OK) {
        snprintf(msg, msg_len, "Content-Type must be multipart/form-data with a boundary");
        return AMG_EINVAL;
    }
    d_len = strlen(delim);
    snprintf(sep, sizeof(sep), "\r\n%s", delim);
    s_len = d_len + 2;
    p = body ? find(body, len, delim, d_len) : NULL;
    if (!p || (p != body && (p < body + 2 || memcmp(p - 2, "\r\n", 2) != 0)))
        goto bad;
    p += d_len;
    for (;;) {
        const char *head_end, *data_end;

        if (end - p >= 2 && memcmp(p, "--", 2) == 0)
            return AMG_OK;
        if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
            goto bad;
        p += 2;
        head_end = find(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!head_end)
            goto bad;
        data_end = find(head_end + 4, (size_t)(end - head_end - 4), sep, s_len);
        if (!data_end)
            goto bad;
        if (*n == SIM_MULTIPART_MAX_PARTS) {
            snprintf(msg, msg_len, "more than %d parts in the form", SIM_MULTIPART_MAX_PARTS);
            return AMG_EINVAL;
        }
        /* The header block ends with one CRLF of the blank line. */
        if (part_name(p, (size_t)(head_end - p) + 2, parts[*n].name,
                      sizeof(parts[*n].name)) != AMG_OK) {
            snprintf(msg, msg_len, "form part %zu has no Content-Disposition name", *n + 1);
            return AMG_EINVAL;
        }
        parts[*n].data = head_end + 4;
        parts[*n].len = (size_t)(data_end - head_end - 4);
        (*n)++;
        p = data_end + s_len;
    }
bad:
    snprintf(msg, msg_len, "malformed multipart/form-data body");
    return AMG_EINVAL;
}

const struct sim_part *sim_multipart_get(const struct sim_part *parts, size_t n,
                                         const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(parts[i].name, name) == 0)
            return &parts[i];
    }
    return NULL;
}
