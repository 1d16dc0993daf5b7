#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "log.h"
#include "sha256.h"
#include "snapshot.h"

struct amg_sha256 {
    EVP_MD_CTX *ctx;
};

int amg_sha256_new(struct amg_sha256 **out)
{
    struct amg_sha256 *h = NULL;
    int rc = AMG_ENOMEM;

    *out = NULL;
    h = calloc(1, sizeof(*h));
    if (!h)
        goto out;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx)
        goto out;
    if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        amg_error("sha256: cannot initialise the OpenSSL digest");
        rc = AMG_EIO;
        goto out;
    }
    *out = h;
    h = NULL;
    rc = AMG_OK;
out:
    amg_sha256_free(h);
    return rc;
}

void amg_sha256_free(struct amg_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

int amg_sha256_update(struct amg_sha256 *h, const void *data, size_t len)
{
    if (len == 0)
        return AMG_OK;
    if (EVP_DigestUpdate(h->ctx, data, len) != 1)
        return AMG_EIO;
    return AMG_OK;
}

int amg_sha256_final_hex(struct amg_sha256 *h, char hex[AMG_SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned int i;

    if (EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen * 2 != AMG_SHA256_HEX_LEN)
        return AMG_EIO;
    for (i = 0; i < mdlen; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0x0f];
    }
    hex[AMG_SHA256_HEX_LEN] = '\0';
    return AMG_OK;
}

int amg_sha256_hex(const void *data, size_t len, char hex[AMG_SHA256_HEX_LEN + 1])
{
    struct amg_sha256 *h = NULL;
    int rc;

    rc = amg_sha256_new(&h);
    if (rc)
        goto out;
    rc = amg_sha256_update(h, data, len);
    if (rc)
        goto out;
    rc = amg_sha256_final_hex(h, hex);
out:
    amg_sha256_free(h);
    return rc;
}

int amg_sha256_file(const char *path, char hex[65])
{
    struct amg_sha256 *h = NULL;
    FILE *fp = NULL;
    char buf[65536];
    size_t n;
    int rc;

    rc = amg_sha256_new(&h);
    if (rc)
        goto out;
    fp = fopen(path, "rbe");
    if (!fp) {
        amg_error("%s: cannot open: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
        rc = amg_sha256_update(h, buf, n);
        if (rc)
            goto out;
    }
    if (ferror(fp)) {
        amg_error("%s: read error: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    rc = amg_sha256_final_hex(h, hex);
out:
    if (fp)
        fclose(fp);
    amg_sha256_free(h);
    return rc;
}
