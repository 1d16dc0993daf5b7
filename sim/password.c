#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "appid-migrate/plugin.h"
#include "codec.h"
#include "password.h"

#define PW_PREFIX "pbkdf2-sha512$"
#define SEAL_VERSION 0x01
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_AAD "appid-sim-pwhash-v1"
#define SEAL_MAX_TEXT 256
#define EXPORT_KEY_SALT "appid-sim/passwordHash/v1"
#define EXPORT_KEY_ITERATIONS 10000
#define KEY_CACHE_SIZE 8

int sim_password_hash_salted(const char *password, unsigned iterations,
                             const unsigned char *salt, size_t salt_len,
                             struct sim_pwhash *out)
{
    size_t len = password ? strlen(password) : 0;

    memset(out, 0, sizeof(*out));
    if (!password || len > SIM_PW_MAX_LEN || iterations < 1 ||
        iterations > SIM_PW_MAX_ITERATIONS || salt_len < SIM_PW_SALT_MIN ||
        salt_len > SIM_PW_SALT_MAX)
        return AMG_EINVAL;
    out->iterations = iterations;
    out->salt_len = salt_len;
    memcpy(out->salt, salt, salt_len);
    if (PKCS5_PBKDF2_HMAC(password, (int)len, salt, (int)salt_len, (int)iterations,
                          EVP_sha512(), SIM_PW_HASH_LEN, out->hash) != 1)
        return AMG_EIO;
    return AMG_OK;
}

int sim_password_hash(const char *password, unsigned iterations, struct sim_pwhash *out)
{
    unsigned char salt[SIM_PW_SALT_LEN];

    if (RAND_bytes(salt, sizeof(salt)) != 1)
        return AMG_EIO;
    return sim_password_hash_salted(password, iterations, salt, sizeof(salt), out);
}

int sim_password_verify(const struct sim_pwhash *h, const char *password)
{
    struct sim_pwhash again;
    int same;

    if (sim_password_hash_salted(password, h->iterations, h->salt, h->salt_len, &again) !=
        AMG_OK)
        return 0;
    same = CRYPTO_memcmp(again.hash, h->hash, SIM_PW_HASH_LEN) == 0;
    OPENSSL_cleanse(&again, sizeof(again));
    return same;
}

char *sim_pwhash_format(const struct sim_pwhash *h)
{
    char *salt = sim_b64_str(h->salt, h->salt_len);
    char *hash = sim_b64_str(h->hash, SIM_PW_HASH_LEN);
    char *out = NULL;
    size_t len;

    if (!salt || !hash)
        goto out;
    len = sizeof(PW_PREFIX) + 12 + strlen(salt) + strlen(hash) + 2;
    out = malloc(len);
    if (out)
        snprintf(out, len, PW_PREFIX "%u$%s$%s", h->iterations, salt, hash);
out:
    free(salt);
    free(hash);
    return out;
}

int sim_pwhash_parse(const char *text, struct sim_pwhash *out)
{
    unsigned char *salt = NULL, *hash = NULL;
    size_t salt_len = 0, hash_len = 0;
    char *copy = NULL, *iter, *salt_b64, *hash_b64, *end = NULL;
    unsigned long iterations;
    int rc = AMG_EINVAL;

    memset(out, 0, sizeof(*out));
    if (!text || strncmp(text, PW_PREFIX, strlen(PW_PREFIX)) != 0)
        return AMG_EINVAL;
    copy = strdup(text + strlen(PW_PREFIX));
    if (!copy)
        return AMG_ENOMEM;
    iter = copy;
    salt_b64 = strchr(iter, '$');
    hash_b64 = salt_b64 ? strchr(salt_b64 + 1, '$') : NULL;
    if (!hash_b64 || strchr(hash_b64 + 1, '$'))
        goto out;
    *salt_b64++ = '\0';
    *hash_b64++ = '\0';
    errno = 0;
    iterations = strtoul(iter, &end, 10);
    if (errno != 0 || end == iter || *end != '\0' || iter[0] == '-' || iterations < 1 ||
        iterations > SIM_PW_MAX_ITERATIONS)
        goto out;
    if (sim_b64_decode_str(salt_b64, &salt, &salt_len) != AMG_OK ||
        sim_b64_decode_str(hash_b64, &hash, &hash_len) != AMG_OK ||
        salt_len < SIM_PW_SALT_MIN || salt_len > SIM_PW_SALT_MAX ||
        hash_len != SIM_PW_HASH_LEN)
        goto out;
    out->iterations = (unsigned)iterations;
    out->salt_len = salt_len;
    memcpy(out->salt, salt, salt_len);
    memcpy(out->hash, hash, SIM_PW_HASH_LEN);
    rc = AMG_OK;
out:
    free(copy);
    free(salt);
    free(hash);
    return rc;
}

/* Derived export keys, most recent first. */
static struct {
    int used;
    unsigned char id[32];     /* SHA-256 of the secret */
    unsigned char key[SIM_EXPORT_KEY_LEN];
} key_cache[KEY_CACHE_SIZE];
static pthread_mutex_t key_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static int cache_lookup(const unsigned char id[32], unsigned char key[SIM_EXPORT_KEY_LEN])
{
    int i, found = 0;

    pthread_mutex_lock(&key_cache_lock);
    for (i = 0; i < KEY_CACHE_SIZE && !found; i++) {
        if (key_cache[i].used && CRYPTO_memcmp(key_cache[i].id, id, 32) == 0) {
            memcpy(key, key_cache[i].key, SIM_EXPORT_KEY_LEN);
            found = 1;
        }
    }
    pthread_mutex_unlock(&key_cache_lock);
    return found;
}

static void cache_store(const unsigned char id[32], const unsigned char key[SIM_EXPORT_KEY_LEN])
{
    pthread_mutex_lock(&key_cache_lock);
    memmove(&key_cache[1], &key_cache[0], sizeof(key_cache[0]) * (KEY_CACHE_SIZE - 1));
    key_cache[0].used = 1;
    memcpy(key_cache[0].id, id, 32);
    memcpy(key_cache[0].key, key, SIM_EXPORT_KEY_LEN);
    pthread_mutex_unlock(&key_cache_lock);
}

int sim_export_key(const char *secret, unsigned char key[SIM_EXPORT_KEY_LEN])
{
    unsigned char id[32];
    unsigned id_len = 0;
    size_t len = secret ? strlen(secret) : 0;

    if (len == 0 || len > SIM_PW_MAX_LEN)
        return AMG_EINVAL;
    if (EVP_Digest(secret, len, id, &id_len, EVP_sha256(), NULL) != 1 || id_len != 32)
        return AMG_EIO;
    if (cache_lookup(id, key))
        return AMG_OK;
    if (PKCS5_PBKDF2_HMAC(secret, (int)len, (const unsigned char *)EXPORT_KEY_SALT,
                          (int)strlen(EXPORT_KEY_SALT), EXPORT_KEY_ITERATIONS, EVP_sha256(),
                          SIM_EXPORT_KEY_LEN, key) != 1)
        return AMG_EIO;
    cache_store(id, key);
    return AMG_OK;
}

/* AES-256-GCM in either direction over `len` bytes; `tag` is written
 * when encrypting and checked when decrypting. */
static int gcm(int encrypt, const unsigned char *key, const unsigned char *nonce,
               const unsigned char *in, size_t len, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, ok;

    if (!ctx)
        return AMG_ENOMEM;
    ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN, NULL) == 1 &&
         EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, encrypt) == 1 &&
         EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)SEAL_AAD,
                          (int)strlen(SEAL_AAD)) == 1 &&
         EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
    if (ok && !encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, tag) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(ctx, out + n, &fin) == 1;
    if (ok && encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return encrypt ? AMG_EIO : AMG_EAUTH;
    return AMG_OK;
}

int sim_pwhash_seal(const unsigned char key[SIM_EXPORT_KEY_LEN], const struct sim_pwhash *h,
                    char **out)
{
    unsigned char buf[1 + SEAL_NONCE_LEN + SEAL_MAX_TEXT + SEAL_TAG_LEN];
    char *text = sim_pwhash_format(h);
    size_t len;
    int rc = AMG_ENOMEM;

    *out = NULL;
    if (!text)
        return AMG_ENOMEM;
    len = strlen(text);
    if (len > SEAL_MAX_TEXT) {
        rc = AMG_EINVAL;
        goto out;
    }
    buf[0] = SEAL_VERSION;
    if (RAND_bytes(buf + 1, SEAL_NONCE_LEN) != 1) {
        rc = AMG_EIO;
        goto out;
    }
    rc = gcm(1, key, buf + 1, (const unsigned char *)text, len, buf + 1 + SEAL_NONCE_LEN,
             buf + 1 + SEAL_NONCE_LEN + len);
    if (rc != AMG_OK)
        goto out;
    *out = sim_b64_str(buf, 1 + SEAL_NONCE_LEN + len + SEAL_TAG_LEN);
    rc = *out ? AMG_OK : AMG_ENOMEM;
out:
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    return rc;
}

int sim_pwhash_unseal(const unsigned char key[SIM_EXPORT_KEY_LEN], const char *sealed,
                      struct sim_pwhash *out)
{
    unsigned char *raw = NULL;
    char text[SEAL_MAX_TEXT + 1];
    size_t raw_len = 0, len;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sim_b64_decode_str(sealed, &raw, &raw_len);
    if (rc != AMG_OK)
        return rc;
    rc = AMG_EINVAL;
    if (raw_len <= 1 + SEAL_NONCE_LEN + SEAL_TAG_LEN || raw[0] != SEAL_VERSION)
        goto out;
    len = raw_len - 1 - SEAL_NONCE_LEN - SEAL_TAG_LEN;
    if (len > SEAL_MAX_TEXT)
        goto out;
    rc = gcm(0, key, raw + 1, raw + 1 + SEAL_NONCE_LEN, len, (unsigned char *)text,
             raw + 1 + SEAL_NONCE_LEN + len);
    if (rc != AMG_OK)
        goto out;
    text[len] = '\0';
    rc = sim_pwhash_parse(text, out);
    OPENSSL_cleanse(text, sizeof(text));
out:
    free(raw);
    return rc;
}
