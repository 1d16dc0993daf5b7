#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "themes_map.h"

static const unsigned char png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
static const unsigned char jpeg_magic[] = { 0xff, 0xd8, 0xff };

const char *amgp_image_type(const void *data, size_t len)
{
    if (data && len >= sizeof(png_magic) && memcmp(data, png_magic, sizeof(png_magic)) == 0)
        return "image/png";
    if (data && len >= sizeof(jpeg_magic) && memcmp(data, jpeg_magic, sizeof(jpeg_magic)) == 0)
        return "image/jpeg";
    return NULL;
}

int amgp_random_boundary(char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[16];
    FILE *f;
    size_t i, got;

    if (len < AMGP_BOUNDARY_LEN + 1)
        return AMG_EINVAL;
    f = fopen("/dev/urandom", "rb");
    if (!f)
        return AMG_EIO;
    got = fread(raw, 1, sizeof(raw), f);
    fclose(f);
    if (got != sizeof(raw))
        return AMG_EIO;
    memcpy(buf, "amg", 3);
    for (i = 0; i < sizeof(raw); i++) {
        buf[3 + 2 * i] = hex[raw[i] >> 4];
        buf[4 + 2 * i] = hex[raw[i] & 15];
    }
    buf[AMGP_BOUNDARY_LEN] = '\0';
    return AMG_OK;
}

/* 1 when `s` can go into a header unquoted-safe: no quote, CR or LF. */
static int header_safe(const char *s)
{
    return s && !strpbrk(s, "\"\r\n");
}

/* 1 when "--`boundary`" occurs in `data`. */
static int contains_delimiter(const char *boundary, const unsigned char *data, size_t len)
{
    size_t b = strlen(boundary), i;

    for (i = 0; i + b + 2 <= len; i++) {
        if (data[i] == '-' && data[i + 1] == '-' && memcmp(data + i + 2, boundary, b) == 0)
            return 1;
    }
    return 0;
}

int amgp_multipart_build(const char *boundary, const char *field, const char *filename,
                         const char *ctype, const void *data, size_t len, char **out,
                         size_t *out_len)
{
    char head[512];
    char tail[96];
    char *buf;
    int hn, tn;

    *out = NULL;
    *out_len = 0;
    if (!boundary || !boundary[0] || strlen(boundary) > 70 || !header_safe(boundary) ||
        !header_safe(field) || !header_safe(filename) || !header_safe(ctype) ||
        (len && !data))
        return AMG_EINVAL;
    if (contains_delimiter(boundary, data, len))
        return AMG_EINVAL;
    hn = snprintf(head, sizeof(head),
                  "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                  "Content-Type: %s\r\n\r\n", boundary, field, filename, ctype);
    tn = snprintf(tail, sizeof(tail), "\r\n--%s--\r\n", boundary);
    if (hn < 0 || (size_t)hn >= sizeof(head) || tn < 0 || (size_t)tn >= sizeof(tail))
        return AMG_EINVAL;
    buf = malloc((size_t)hn + len + (size_t)tn);
    if (!buf)
        return AMG_ENOMEM;
    memcpy(buf, head, (size_t)hn);
    if (len)
        memcpy(buf + hn, data, len);
    memcpy(buf + hn + len, tail, (size_t)tn);
    *out = buf;
    *out_len = (size_t)hn + len + (size_t)tn;
    return AMG_OK;
}
