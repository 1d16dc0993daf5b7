/*
 * Key material for sealed snapshots: the secret (environment or key
 * file), Argon2id key derivation and its manifest parameters, and
 * whole-file encryption built on the streaming writer and reader.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "fsutil.h"
#include "log.h"
#include "seal.h"

#define MAX_OPSLIMIT 16ULL
#define MAX_MEMLIMIT ((size_t)1 << 30)
#define MAX_SECRET 4096

_Static_assert(AMG_SEAL_SALT_BYTES == crypto_pwhash_SALTBYTES,
               "seal.h salt size must match libsodium's");

static int sodium_ready(void)
{
    if (sodium_init() < 0) {
        amg_error("cannot initialise libsodium");
        return AMG_EIO;
    }
    return AMG_OK;
}

int amg_seal_params_init(struct amg_seal_params *p)
{
    int rc;

    if (!p)
        return AMG_EINVAL;
    rc = sodium_ready();
    if (rc)
        return rc;
    randombytes_buf(p->salt, sizeof(p->salt));
    p->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    p->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    return AMG_OK;
}

/* NULL when the limits are acceptable, else why not. */
static const char *limits_problem(unsigned long long ops, unsigned long long mem)
{
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > MAX_OPSLIMIT)
        return "opslimit out of range";
    if (mem < crypto_pwhash_MEMLIMIT_MIN || mem > MAX_MEMLIMIT)
        return "memlimit out of range";
    return NULL;
}

int amg_seal_params_to_json(const struct amg_seal_params *p, json_t **out)
{
    char salt[AMG_SEAL_SALT_BYTES * 2 + 1];

    if (!out)
        return AMG_EINVAL;
    *out = NULL;
    if (!p)
        return AMG_EINVAL;
    sodium_bin2hex(salt, sizeof(salt), p->salt, sizeof(p->salt));
    *out = json_pack("{s:s, s:s, s:s, s:I, s:I}", "alg", AMG_SEAL_ALG, "kdf", AMG_SEAL_KDF,
                     "salt", salt, "opslimit", (json_int_t)p->opslimit,
                     "memlimit", (json_int_t)p->memlimit);
    return *out ? AMG_OK : AMG_ENOMEM;
}

static int params_bad(const char *why)
{
    amg_error("seal parameters: %s", why);
    return AMG_ESNAPSHOT;
}

int amg_seal_params_from_json(const json_t *j, struct amg_seal_params *p)
{
    static const char *const known[] = { "alg", "kdf", "salt", "opslimit", "memlimit", NULL };
    const char *key;
    json_t *val;
    const char *alg, *kdf, *salt;
    json_int_t ops, mem;
    size_t bin_len = 0;
    const char *why;

    if (!j || !p)
        return AMG_EINVAL;
    if (!json_is_object(j))
        return params_bad("not a JSON object");
    json_object_foreach((json_t *)j, key, val) {
        size_t i;

        for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
            ;
        if (!known[i]) {
            amg_error("seal parameters: unknown key '%s'", key);
            return AMG_ESNAPSHOT;
        }
    }
    alg = json_string_value(json_object_get(j, "alg"));
    kdf = json_string_value(json_object_get(j, "kdf"));
    salt = json_string_value(json_object_get(j, "salt"));
    if (!alg || strcmp(alg, AMG_SEAL_ALG) != 0)
        return params_bad("alg must be \"" AMG_SEAL_ALG "\"");
    if (!kdf || strcmp(kdf, AMG_SEAL_KDF) != 0)
        return params_bad("kdf must be \"" AMG_SEAL_KDF "\"");
    if (!salt || strlen(salt) != AMG_SEAL_SALT_BYTES * 2 ||
        sodium_hex2bin(p->salt, sizeof(p->salt), salt, strlen(salt), NULL, &bin_len, NULL) != 0 ||
        bin_len != AMG_SEAL_SALT_BYTES)
        return params_bad("salt must be 32 hex digits");
    if (!json_is_integer(json_object_get(j, "opslimit")) ||
        !json_is_integer(json_object_get(j, "memlimit")))
        return params_bad("opslimit and memlimit must be integers");
    ops = json_integer_value(json_object_get(j, "opslimit"));
    mem = json_integer_value(json_object_get(j, "memlimit"));
    if (ops < 0 || mem < 0)
        return params_bad("opslimit and memlimit must not be negative");
    why = limits_problem((unsigned long long)ops, (unsigned long long)mem);
    if (why)
        return params_bad(why);
    p->opslimit = (unsigned long long)ops;
    p->memlimit = (size_t)mem;
    return AMG_OK;
}

int amg_seal_derive_key(const char *secret, size_t len, const struct amg_seal_params *p,
                        unsigned char key[AMG_SEAL_KEY_BYTES])
{
    const char *why;
    int rc;

    if (!secret || !p || !key || len == 0 || len > crypto_pwhash_PASSWD_MAX)
        return AMG_EINVAL;
    why = limits_problem(p->opslimit, p->memlimit);
    if (why) {
        amg_error("seal: cannot derive the key: %s", why);
        return AMG_EINVAL;
    }
    rc = sodium_ready();
    if (rc)
        return rc;
    if (crypto_pwhash(key, AMG_SEAL_KEY_BYTES, secret, len, p->salt, p->opslimit, p->memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        amg_error("seal: cannot derive the key: out of memory (memlimit %zu bytes)",
                  p->memlimit);
        return AMG_ENOMEM;
    }
    return AMG_OK;
}

void amg_seal_key_wipe(void *buf, size_t len)
{
    if (buf && len)
        sodium_memzero(buf, len);
}

void amg_seal_secret_free(char *secret, size_t len)
{
    if (!secret)
        return;
    /* len + 1: the terminating NUL was part of the allocation. */
    sodium_memzero(secret, len + 1);
    free(secret);
}

/* Read the key file into a new buffer of *len bytes plus a NUL. */
static int read_key_file(const char *path, char **out, size_t *len)
{
    struct stat st;
    char *buf = NULL;
    size_t size = 0;
    size_t used = 0;
    int fd = -1;
    int rc = AMG_ECONFIG;

    /* O_NONBLOCK: a FIFO must not hang us before fstat rejects it. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;

        amg_error("%s: cannot open key file: %s", path,
                  e == ELOOP ? "it is a symbolic link" : strerror(e));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        amg_error("%s: cannot stat key file: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        amg_error("%s: key file is not a regular file", path);
        goto out;
    }
    if (st.st_mode & 077) {
        amg_error("%s: key file has mode %04o, readable by group or others; "
                  "make it 0600 or 0400", path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    if (st.st_size > MAX_SECRET + 2) {
        amg_error("%s: key file is too long (at most %d bytes)", path, MAX_SECRET);
        goto out;
    }
    rc = AMG_ENOMEM;
    size = (size_t)st.st_size + 1;
    buf = malloc(size);
    if (!buf)
        goto out;
    while (used < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + used, (size_t)st.st_size - used);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            amg_error("%s: cannot read key file: %s", path, n < 0 ? strerror(errno) : "short read");
            rc = AMG_EIO;
            goto out;
        }
        used += (size_t)n;
    }
    if (used > 0 && buf[used - 1] == '\n')
        used--;
    if (used > 0 && buf[used - 1] == '\r')
        used--;
    buf[used] = '\0';
    *out = buf;
    *len = used;
    buf = NULL;
    rc = AMG_OK;
out:
    if (buf) {
        sodium_memzero(buf, size);
        free(buf);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

int amg_seal_load_secret(const char *env_name, const char *key_file, char **secret, size_t *len)
{
    const char *where = env_name ? env_name : key_file;
    char *s = NULL;
    size_t n = 0;
    int rc = AMG_EINVAL;

    if (secret)
        *secret = NULL;
    if (len)
        *len = 0;
    if (!secret || !len || (!env_name == !key_file))
        goto out;
    rc = sodium_ready();
    if (rc)
        goto out;
    if (env_name) {
        const char *v = getenv(env_name);

        rc = AMG_ECONFIG;
        if (!v) {
            amg_error("environment variable %s (encryption secret) is not set", env_name);
            goto out;
        }
        n = strlen(v);
        rc = AMG_ENOMEM;
        s = malloc(n + 1);
        if (!s)
            goto out;
        memcpy(s, v, n + 1);
    } else {
        rc = read_key_file(key_file, &s, &n);
        if (rc)
            goto out;
    }
    rc = AMG_ECONFIG;
    if (n == 0) {
        amg_error("%s: the encryption secret is empty", where);
        goto out;
    }
    if (memchr(s, '\0', n)) {
        amg_error("%s: the encryption secret contains a NUL byte", where);
        goto out;
    }
    if (n < AMG_SEAL_MIN_SECRET || n > MAX_SECRET) {
        amg_error("%s: the encryption secret must be %d to %d bytes long", where,
                  AMG_SEAL_MIN_SECRET, MAX_SECRET);
        goto out;
    }
    rc = amg_log_add_secret(s);
    if (rc)
        goto out;
    *secret = s;
    *len = n;
    s = NULL;
out:
    amg_seal_secret_free(s, n);
    return rc;
}

/* ---- whole files ---- */

/* A new 0600 temporary file next to dst: *tmp_path is a new string. */
static int create_tmp(const char *dst, char **tmp_path, FILE **fp)
{
    size_t len = strlen(dst) + sizeof(".tmp-XXXXXX");
    struct stat st;
    int fd = -1;
    int rc = AMG_ENOMEM;

    *fp = NULL;
    if (lstat(dst, &st) == 0) {
        amg_error("%s exists already; it is never overwritten", dst);
        return AMG_EEXIST;
    }
    *tmp_path = malloc(len);
    if (!*tmp_path)
        goto out;
    snprintf(*tmp_path, len, "%s.tmp-XXXXXX", dst);
    rc = AMG_EIO;
    fd = mkostemp(*tmp_path, O_CLOEXEC);
    if (fd < 0) {
        amg_error("%s: cannot create: %s", *tmp_path, strerror(errno));
        free(*tmp_path);
        *tmp_path = NULL;
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || !(*fp = fdopen(fd, "wb"))) {
        amg_error("%s: %s", *tmp_path, strerror(errno));
        goto out;
    }
    fd = -1;
    rc = AMG_OK;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Flush, sync and close the temporary file; on success (rc == 0 on entry)
 * rename it to dst without replacing anything, else remove it. */
static int finish_tmp(int rc, FILE *fp, char *tmp, const char *dst)
{
    if (fp) {
        if (rc == AMG_OK && (fflush(fp) != 0 || fsync(fileno(fp)) != 0)) {
            amg_error("%s: write failed: %s", tmp, strerror(errno));
            rc = AMG_EIO;
        }
        if (fclose(fp) != 0 && rc == AMG_OK) {
            amg_error("%s: close failed: %s", tmp, strerror(errno));
            rc = AMG_EIO;
        }
    }
    if (rc == AMG_OK && amg_rename_noreplace(tmp, dst) != 0) {
        int e = errno;

        amg_error("%s: cannot rename into place: %s", dst, strerror(e));
        rc = e == EEXIST ? AMG_EEXIST : AMG_EIO;
    }
    if (rc != AMG_OK && tmp)
        unlink(tmp);
    if (rc == AMG_OK) {
        char *slash = strrchr(tmp, '/');

        if (slash) {
            *slash = '\0';
            rc = amg_fsync_dir(*tmp ? tmp : "/");
        } else {
            rc = amg_fsync_dir(".");
        }
    }
    free(tmp);
    return rc;
}

static FILE *open_src(const char *src)
{
    FILE *fp = fopen(src, "rbe");

    if (!fp)
        amg_error("%s: cannot open: %s", src, strerror(errno));
    return fp;
}

int amg_seal_encrypt_file(const char *src, const char *dst, const char *context,
                          const unsigned char key[AMG_SEAL_KEY_BYTES])
{
    struct amg_seal_writer *w = NULL;
    unsigned char *buf = NULL;
    FILE *in = NULL;
    FILE *out = NULL;
    char *tmp = NULL;
    size_t n;
    int rc = AMG_EINVAL;

    if (!src || !dst || !key)
        return AMG_EINVAL;
    rc = AMG_ENOMEM;
    buf = malloc(AMG_SEAL_CHUNK);
    if (!buf)
        goto out;
    rc = AMG_EIO;
    in = open_src(src);
    if (!in)
        goto out;
    rc = create_tmp(dst, &tmp, &out);
    if (rc)
        goto out;
    rc = amg_seal_writer_new(out, dst, context, key, &w);
    while (rc == AMG_OK && (n = fread(buf, 1, AMG_SEAL_CHUNK, in)) > 0)
        rc = amg_seal_write(w, buf, n);
    if (rc == AMG_OK && ferror(in)) {
        amg_error("%s: read error: %s", src, strerror(errno));
        rc = AMG_EIO;
    }
    if (rc == AMG_OK) {
        rc = amg_seal_writer_close(w);
        w = NULL;
    }
out:
    amg_seal_writer_free(w);
    if (tmp)
        rc = finish_tmp(rc, out, tmp, dst);
    if (in)
        fclose(in);
    if (buf) {
        sodium_memzero(buf, AMG_SEAL_CHUNK);
        free(buf);
    }
    return rc;
}

int amg_seal_decrypt_file(const char *src, const char *dst, const char *context,
                          const unsigned char key[AMG_SEAL_KEY_BYTES])
{
    struct amg_seal_reader *r = NULL;
    unsigned char *buf = NULL;
    FILE *in = NULL;
    FILE *out = NULL;
    char *tmp = NULL;
    size_t n = 0;
    int rc = AMG_EINVAL;

    if (!src || !dst || !key)
        return AMG_EINVAL;
    rc = AMG_ENOMEM;
    buf = malloc(AMG_SEAL_CHUNK);
    if (!buf)
        goto out;
    rc = AMG_EIO;
    in = open_src(src);
    if (!in)
        goto out;
    rc = amg_seal_reader_new(in, src, context, key, &r);
    if (rc)
        goto out;
    rc = create_tmp(dst, &tmp, &out);
    while (rc == AMG_OK) {
        rc = amg_seal_read(r, buf, AMG_SEAL_CHUNK, &n);
        if (rc || n == 0)
            break;
        if (fwrite(buf, 1, n, out) != n) {
            amg_error("%s: write failed: %s", tmp, strerror(errno));
            rc = AMG_EIO;
        }
    }
out:
    amg_seal_reader_free(r);
    if (tmp)
        rc = finish_tmp(rc, out, tmp, dst);
    if (in)
        fclose(in);
    if (buf) {
        sodium_memzero(buf, AMG_SEAL_CHUNK);
        free(buf);
    }
    return rc;
}
