#include <openssl/rand.h>
#include "appid-migrate/plugin.h"
#include "uuid.h"

static const char hex[] = "0123456789abcdef";

int sim_uuid_v4(char *out)
{
    unsigned char raw[16];
    size_t i, o = 0;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return AMG_EIO;
    /* RFC 9562: version 4 in the high nibble of byte 6, variant 10xx in
     * byte 8. */
    raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
    raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
    for (i = 0; i < sizeof(raw); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[raw[i] >> 4];
        out[o++] = hex[raw[i] & 0x0f];
    }
    out[o] = '\0';
    return AMG_OK;
}

int sim_random_hex(char *out, size_t n)
{
    unsigned char raw[64];
    size_t i;

    if (n > sizeof(raw) || RAND_bytes(raw, (int)n) != 1)
        return AMG_EIO;
    for (i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 0x0f];
    }
    out[2 * n] = '\0';
    return AMG_OK;
}
