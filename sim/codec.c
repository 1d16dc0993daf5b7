#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "appid-migrate/plugin.h"
#include "codec.h"

char *sim_b64_encode(const unsigned char *in, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1);

    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    return out;
}

int sim_b64_decode(const char *in, unsigned char **out, size_t *out_len)
{
    size_t len = strlen(in);
    unsigned char *buf = NULL;
    int n;

    *out = NULL;
    *out_len = 0;
    if (len % 4 != 0 || len > (size_t)0x7fffffff / 2)
        return AMG_EINVAL;
    buf = malloc(len / 4 * 3 + 1);
    if (!buf)
        return AMG_ENOMEM;
    n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)len);
    if (n < 0) {
        free(buf);
        return AMG_EINVAL;
    }
    /* EVP_DecodeBlock counts padding as data bytes. */
    if (len >= 1 && in[len - 1] == '=')
        n--;
    if (len >= 2 && in[len - 2] == '=')
        n--;
    buf[n] = '\0';
    *out = buf;
    *out_len = (size_t)n;
    return AMG_OK;
}

char *sim_b64url_encode(const unsigned char *in, size_t len)
{
    char *out = sim_b64_encode(in, len);
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; out[i] && out[i] != '='; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    out[i] = '\0';
    return out;
}
