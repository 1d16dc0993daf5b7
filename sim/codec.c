#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "b64.h"
#include "codec.h"

char *sim_b64_str(const void *in, size_t len)
{
    char *out = NULL;

    return sim_b64_encode(in, len, &out) == AMG_OK ? out : NULL;
}

int sim_b64_decode_str(const char *in, unsigned char **out, size_t *out_len)
{
    return sim_b64_decode(in, strlen(in), out, out_len);
}

char *sim_b64url_encode(const unsigned char *in, size_t len)
{
    char *out = sim_b64_str(in, len);
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
