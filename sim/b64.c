#include <stdlib.h>
#include "appid-migrate/plugin.h"
#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of one base64 digit, -1 for anything else (padding included). */
static int digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int sim_b64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
    unsigned char *buf = NULL;
    size_t i, n = 0, pad = 0;

    *out = NULL;
    *out_len = 0;
    if (len % 4 != 0)
        return AMG_EINVAL;
    if (len >= 1 && in[len - 1] == '=')
        pad++;
    if (len >= 2 && in[len - 2] == '=')
        pad++;
    buf = malloc(len / 4 * 3 + 1);
    if (!buf)
        return AMG_ENOMEM;
    for (i = 0; i < len; i += 4) {
        int d[4];
        size_t k, used = (i + 4 == len) ? 4 - pad : 4;
        unsigned long v = 0;

        for (k = 0; k < 4; k++) {
            d[k] = k < used ? digit((unsigned char)in[i + k]) : 0;
            if (d[k] < 0)
                goto bad;
            v = (v << 6) | (unsigned long)d[k];
        }
        buf[n++] = (unsigned char)(v >> 16);
        if (used > 2)
            buf[n++] = (unsigned char)(v >> 8);
        if (used > 3)
            buf[n++] = (unsigned char)v;
        /* Non-zero bits under the padding would make two encodings of
         * the same bytes; canonical input only. */
        if ((used == 2 && (v & 0xffffUL)) || (used == 3 && (v & 0xffUL)))
            goto bad;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return AMG_OK;
bad:
    free(buf);
    return AMG_EINVAL;
}

int sim_b64_encode(const void *in, size_t len, char **out)
{
    const unsigned char *p = in;
    char *s;
    size_t i, n = 0;

    *out = NULL;
    s = malloc((len + 2) / 3 * 4 + 1);
    if (!s)
        return AMG_ENOMEM;
    for (i = 0; i + 2 < len; i += 3) {
        unsigned long v = ((unsigned long)p[i] << 16) | ((unsigned long)p[i + 1] << 8) | p[i + 2];

        s[n++] = alphabet[(v >> 18) & 63];
        s[n++] = alphabet[(v >> 12) & 63];
        s[n++] = alphabet[(v >> 6) & 63];
        s[n++] = alphabet[v & 63];
    }
    if (i < len) {
        unsigned long v = (unsigned long)p[i] << 16;

        if (i + 1 < len)
            v |= (unsigned long)p[i + 1] << 8;
        s[n++] = alphabet[(v >> 18) & 63];
        s[n++] = alphabet[(v >> 12) & 63];
        s[n++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        s[n++] = '=';
    }
    s[n] = '\0';
    *out = s;
    return AMG_OK;
}
