/*
 * Streaming encryption of one file with libsodium's secretstream
 * (XChaCha20-Poly1305): a writer that plugs in where plaintext is written
 * and a reader that hands plaintext out by blocks or by lines. Both hold
 * one chunk of plaintext and one of ciphertext, whatever the file size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "log.h"
#include "seal.h"

#define MAGIC "AMGSEAL\x01"
#define MAGIC_LEN 8
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define HEADERBYTES crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

_Static_assert(AMG_SEAL_KEY_BYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES,
               "seal.h key size must match libsodium's");
_Static_assert(sizeof(MAGIC) - 1 == MAGIC_LEN, "magic length");

struct amg_seal_writer {
    FILE *fp;                           /* borrowed */
    char *name;
    unsigned char *ad;                  /* magic || context until the first push */
    size_t adlen;
    int status;
    size_t used;
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char plain[AMG_SEAL_CHUNK];
    unsigned char cipher[AMG_SEAL_CHUNK + ABYTES];
};

struct amg_seal_reader {
    FILE *fp;                           /* borrowed */
    char *name;
    unsigned char *ad;                  /* as for the writer */
    size_t adlen;
    int status;
    int done;                           /* final chunk authenticated, nothing after it */
    size_t pos, len;                    /* unread plaintext is plain[pos..len) */
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char plain[AMG_SEAL_CHUNK];
    unsigned char cipher[AMG_SEAL_CHUNK + ABYTES];
};

/* The additional data of the first chunk binds the layout version and the
 * caller's context (the file's role) to the key stream. */
static int make_ad(const char *context, unsigned char **ad, size_t *adlen)
{
    size_t clen = context ? strlen(context) : 0;

    *ad = malloc(MAGIC_LEN + clen);
    if (!*ad)
        return AMG_ENOMEM;
    memcpy(*ad, MAGIC, MAGIC_LEN);
    if (clen)
        memcpy(*ad + MAGIC_LEN, context, clen);
    *adlen = MAGIC_LEN + clen;
    return AMG_OK;
}

static void drop_ad(unsigned char **ad, size_t *adlen)
{
    free(*ad);
    *ad = NULL;
    *adlen = 0;
}

/* ---- writer ---- */

void amg_seal_writer_free(struct amg_seal_writer *w)
{
    if (!w)
        return;
    free(w->name);
    free(w->ad);
    /* The state holds the stream key and plain[] the caller's data. */
    sodium_memzero(w, sizeof(*w));
    free(w);
}

static int writer_fail(struct amg_seal_writer *w, int rc)
{
    if (!w->status)
        w->status = rc;
    return rc;
}

static int put_bytes(struct amg_seal_writer *w, const void *buf, size_t len)
{
    if (fwrite(buf, 1, len, w->fp) != len) {
        amg_error("%s: write failed: %s", w->name, strerror(errno));
        return writer_fail(w, AMG_EIO);
    }
    return AMG_OK;
}

static int push(struct amg_seal_writer *w, unsigned char tag)
{
    unsigned long long clen = 0;

    if (crypto_secretstream_xchacha20poly1305_push(&w->st, w->cipher, &clen, w->plain,
                                                   w->used, w->ad, w->adlen, tag) != 0) {
        amg_error("%s: encryption failed", w->name);
        return writer_fail(w, AMG_EIO);
    }
    drop_ad(&w->ad, &w->adlen);
    w->used = 0;
    return put_bytes(w, w->cipher, (size_t)clen);
}

int amg_seal_writer_new(FILE *dst, const char *name, const char *context,
                        const unsigned char key[AMG_SEAL_KEY_BYTES],
                        struct amg_seal_writer **out)
{
    struct amg_seal_writer *w = NULL;
    unsigned char header[HEADERBYTES];
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!dst || !name || !key || !out)
        goto out;
    rc = AMG_EIO;
    if (sodium_init() < 0) {
        amg_error("%s: cannot initialise libsodium", name);
        goto out;
    }
    rc = AMG_ENOMEM;
    w = calloc(1, sizeof(*w));
    if (!w)
        goto out;
    w->fp = dst;
    w->name = strdup(name);
    if (!w->name || make_ad(context, &w->ad, &w->adlen) != AMG_OK)
        goto out;
    rc = AMG_EIO;
    if (crypto_secretstream_xchacha20poly1305_init_push(&w->st, header, key) != 0) {
        amg_error("%s: cannot start encryption", name);
        goto out;
    }
    rc = put_bytes(w, MAGIC, MAGIC_LEN);
    if (rc == AMG_OK)
        rc = put_bytes(w, header, sizeof(header));
    if (rc)
        goto out;
    *out = w;
    w = NULL;
out:
    amg_seal_writer_free(w);
    return rc;
}

int amg_seal_write(struct amg_seal_writer *w, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    int rc;

    if (!w || (!buf && len))
        return AMG_EINVAL;
    if (w->status)
        return w->status;
    while (len > 0) {
        size_t n;

        /* A full buffer is pushed only once more data arrives: the last
         * chunk must carry TAG_FINAL, and only close() knows it is last. */
        if (w->used == AMG_SEAL_CHUNK) {
            rc = push(w, TAG_MESSAGE);
            if (rc)
                return rc;
        }
        n = AMG_SEAL_CHUNK - w->used;
        if (n > len)
            n = len;
        memcpy(w->plain + w->used, p, n);
        w->used += n;
        p += n;
        len -= n;
    }
    return AMG_OK;
}

int amg_seal_writer_close(struct amg_seal_writer *w)
{
    int rc;

    if (!w)
        return AMG_EINVAL;
    rc = w->status ? w->status : push(w, TAG_FINAL);
    amg_seal_writer_free(w);
    return rc;
}

/* ---- reader ---- */

void amg_seal_reader_free(struct amg_seal_reader *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->ad);
    sodium_memzero(r, sizeof(*r));
    free(r);
}

static int reader_fail(struct amg_seal_reader *r, int rc, const char *why)
{
    if (why)
        amg_error("%s: %s", r->name, why);
    if (!r->status)
        r->status = rc;
    return rc;
}

#define AUTH_FAILED "authentication failed (wrong key or tampered file)"
#define TRUNCATED "truncated (no final chunk)"

/* fread that tells a read error from the end of the file. */
static int get_bytes(struct amg_seal_reader *r, void *buf, size_t len, size_t *n)
{
    *n = fread(buf, 1, len, r->fp);
    if (*n < len && ferror(r->fp)) {
        amg_error("%s: read error: %s", r->name, strerror(errno));
        return reader_fail(r, AMG_EIO, NULL);
    }
    return AMG_OK;
}

/* Decrypt the next chunk into plain[]. Every chunk but the last is full
 * size, so a short read means this must be the final chunk. */
static int next_chunk(struct amg_seal_reader *r)
{
    unsigned long long mlen = 0;
    unsigned char tag = 0;
    size_t n = 0;
    int rc;

    rc = get_bytes(r, r->cipher, sizeof(r->cipher), &n);
    if (rc)
        return rc;
    if (n == 0)
        return reader_fail(r, AMG_ESNAPSHOT, TRUNCATED);
    if (n < ABYTES ||
        crypto_secretstream_xchacha20poly1305_pull(&r->st, r->plain, &mlen, &tag, r->cipher,
                                                   n, r->ad, r->adlen) != 0)
        return reader_fail(r, AMG_ESNAPSHOT, AUTH_FAILED);
    drop_ad(&r->ad, &r->adlen);
    r->pos = 0;
    r->len = (size_t)mlen;
    if (tag == TAG_FINAL) {
        unsigned char extra;

        rc = get_bytes(r, &extra, 1, &n);
        if (rc)
            return rc;
        if (n != 0)
            return reader_fail(r, AMG_ESNAPSHOT, "data after the final chunk (tampered file)");
        r->done = 1;
        return AMG_OK;
    }
    if (tag != TAG_MESSAGE)
        return reader_fail(r, AMG_ESNAPSHOT, AUTH_FAILED);
    if (n < sizeof(r->cipher))
        return reader_fail(r, AMG_ESNAPSHOT, TRUNCATED);
    return AMG_OK;
}

/* Make plaintext available: 1 when some is, 0 at the authenticated end. */
static int fill(struct amg_seal_reader *r)
{
    int rc;

    if (r->status)
        return r->status;
    while (r->pos == r->len) {
        if (r->done)
            return 0;
        rc = next_chunk(r);
        if (rc)
            return rc;
    }
    return 1;
}

int amg_seal_reader_new(FILE *src, const char *name, const char *context,
                        const unsigned char key[AMG_SEAL_KEY_BYTES],
                        struct amg_seal_reader **out)
{
    struct amg_seal_reader *r = NULL;
    unsigned char magic[MAGIC_LEN];
    unsigned char header[HEADERBYTES];
    size_t n = 0;
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!src || !name || !key || !out)
        goto out;
    rc = AMG_EIO;
    if (sodium_init() < 0) {
        amg_error("%s: cannot initialise libsodium", name);
        goto out;
    }
    rc = AMG_ENOMEM;
    r = calloc(1, sizeof(*r));
    if (!r)
        goto out;
    r->fp = src;
    r->name = strdup(name);
    if (!r->name || make_ad(context, &r->ad, &r->adlen) != AMG_OK)
        goto out;
    rc = get_bytes(r, magic, sizeof(magic), &n);
    if (rc)
        goto out;
    rc = AMG_ESNAPSHOT;
    if (n == MAGIC_LEN && memcmp(magic, MAGIC, MAGIC_LEN - 1) == 0 &&
        magic[MAGIC_LEN - 1] != (unsigned char)MAGIC[MAGIC_LEN - 1]) {
        amg_error("%s: unsupported sealed file version %u (this appid-migrate reads %u)",
                  name, magic[MAGIC_LEN - 1], (unsigned char)MAGIC[MAGIC_LEN - 1]);
        goto out;
    }
    if (n < MAGIC_LEN || memcmp(magic, MAGIC, MAGIC_LEN) != 0) {
        amg_error("%s: not a sealed file (bad magic)", name);
        goto out;
    }
    rc = get_bytes(r, header, sizeof(header), &n);
    if (rc)
        goto out;
    rc = AMG_ESNAPSHOT;
    if (n < sizeof(header)) {
        amg_error("%s: %s", name, TRUNCATED);
        goto out;
    }
    if (crypto_secretstream_xchacha20poly1305_init_pull(&r->st, header, key) != 0) {
        amg_error("%s: %s", name, AUTH_FAILED);
        goto out;
    }
    *out = r;
    r = NULL;
    rc = AMG_OK;
out:
    amg_seal_reader_free(r);
    return rc;
}

int amg_seal_read(struct amg_seal_reader *r, void *buf, size_t cap, size_t *n)
{
    size_t take;
    int rc;

    if (n)
        *n = 0;
    if (!r || !n || (!buf && cap))
        return AMG_EINVAL;
    if (cap == 0)
        return r->status;
    rc = fill(r);
    if (rc <= 0)
        return rc;
    take = r->len - r->pos;
    if (take > cap)
        take = cap;
    memcpy(buf, r->plain + r->pos, take);
    r->pos += take;
    *n = take;
    return AMG_OK;
}

/* Grow *line to hold at least need bytes. */
static int reserve(char **line, size_t *cap, size_t need)
{
    size_t ncap = *cap ? *cap : 128;
    char *p;

    if (need <= *cap && *line)
        return AMG_OK;
    while (ncap < need) {
        if (ncap > ((size_t)-1) / 2)
            return AMG_ENOMEM;
        ncap *= 2;
    }
    p = realloc(*line, ncap);
    if (!p)
        return AMG_ENOMEM;
    *line = p;
    *cap = ncap;
    return AMG_OK;
}

ssize_t amg_seal_reader_getline(struct amg_seal_reader *r, char **line, size_t *cap)
{
    size_t used = 0;
    int rc;

    if (!r || !line || !cap)
        return AMG_EINVAL;
    for (;;) {
        const unsigned char *start;
        const unsigned char *nl;
        size_t take;

        rc = fill(r);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        start = r->plain + r->pos;
        nl = memchr(start, '\n', r->len - r->pos);
        take = nl ? (size_t)(nl - start) + 1 : r->len - r->pos;
        if (reserve(line, cap, used + take + 1) != AMG_OK)
            return reader_fail(r, AMG_ENOMEM, NULL);
        memcpy(*line + used, start, take);
        used += take;
        r->pos += take;
        if (nl)
            break;
    }
    if (used == 0)
        return 0;
    (*line)[used] = '\0';
    return (ssize_t)used;
}
