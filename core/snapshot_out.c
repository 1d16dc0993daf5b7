/*
 * Writing one snapshot file: see snapshot_out.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "snapshot.h"
#include "snapshot_out.h"

int amg_out_open(struct amg_out_file *f, const char *dir, const char *name,
                 const unsigned char *key)
{
    int fd = -1;
    int rc = AMG_ENOMEM;

    f->path = amg_path_join(dir, name);
    if (!f->path)
        goto out;
    rc = amg_sha256_new(&f->hash);
    if (rc)
        goto out;
    rc = AMG_EIO;
    fd = open(f->path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;

        amg_error("%s: cannot create: %s", f->path, strerror(err));
        rc = err == EEXIST ? AMG_EEXIST : AMG_EIO;
        goto out;
    }
    /* The umask may have been 0 or odd; the mode must not depend on it. */
    if (fchmod(fd, 0600) != 0) {
        amg_error("%s: cannot set mode 0600: %s", f->path, strerror(errno));
        goto out;
    }
    f->fp = fdopen(fd, "w");
    if (!f->fp) {
        amg_error("%s: %s", f->path, strerror(errno));
        goto out;
    }
    fd = -1;
    rc = AMG_OK;
    if (key) {
        f->sealed = 1;
        rc = amg_seal_writer_new(f->fp, f->path, name, key, &f->seal);
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

int amg_out_write(struct amg_out_file *f, const void *data, size_t len)
{
    if (f->failed)
        return AMG_EIO;
    if (f->seal) {
        int rc = amg_seal_write(f->seal, data, len);

        if (rc)
            f->failed = 1;
        return rc;
    }
    if (len > 0 && fwrite(data, 1, len, f->fp) != len) {
        amg_error("%s: write failed: %s", f->path, strerror(errno));
        f->failed = 1;
        return AMG_EIO;
    }
    f->bytes += (long long)len;
    return amg_sha256_update(f->hash, data, len);
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return amg_out_write(data, buffer, size) == AMG_OK ? 0 : -1;
}

/* A document's text gathered before it is written: jansson hands over
 * one token at a time, and a write, a hash update and a seal per token
 * cost more than the serialisation (profiles of 100,000-user exports). */
struct dump_buf {
    char *text;
    size_t len, cap;
};

static int buf_cb(const char *buffer, size_t size, void *data)
{
    struct dump_buf *b = data;
    char *p;

    if (size > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 1024;

        while (size > cap - b->len)
            cap *= 2;
        p = realloc(b->text, cap);
        if (!p)
            return -1;
        b->text = p;
        b->cap = cap;
    }
    memcpy(b->text + b->len, buffer, size);
    b->len += size;
    return 0;
}

/* Serialise `doc` followed by a newline. */
int amg_out_dump(struct amg_out_file *f, const json_t *doc, size_t flags)
{
    struct dump_buf b = { NULL, 0, 0 };
    long refused = amg_mem_failures();
    int rc;

    /* Small documents (records) in one write; large ones as they come. */
    if (json_is_object(doc) && json_object_size(doc) < 64 &&
        json_dump_callback(doc, buf_cb, &b, flags) == 0 && buf_cb("\n", 1, &b) == 0) {
        rc = amg_out_write(f, b.text, b.len);
        free(b.text);
        return rc;
    }
    free(b.text);
    if (json_dump_callback(doc, dump_cb, f, flags) != 0) {
        if (f->failed)
            return AMG_EIO;
        /* jansson does not say why; a refused allocation is not a bad
         * document (a cycle, or invalid UTF-8 from a _nocheck string). */
        if (amg_mem_failures() != refused) {
            amg_error("%s: out of memory while serialising JSON", f->path);
            return AMG_ENOMEM;
        }
        amg_error("%s: cannot serialise JSON", f->path);
        return AMG_EINVAL;
    }
    return amg_out_write(f, "\n", 1);
}

/* Release a file that will be removed with the .partial directory: no
 * flush or sync, and no errors to report. */
void amg_out_discard(struct amg_out_file *f)
{
    amg_seal_writer_free(f->seal);
    f->seal = NULL;
    if (f->fp)
        fclose(f->fp);
    f->fp = NULL;
    amg_sha256_free(f->hash);
    f->hash = NULL;
    amg_free(f->path);
    f->path = NULL;
}

/* Flush, fsync and close; on success hex gets the file's sha256. The
 * out_file's resources are released either way. */
int amg_out_close(struct amg_out_file *f, char hex[AMG_SHA256_HEX_LEN + 1])
{
    int rc = f->failed ? AMG_EIO : AMG_OK;
    struct stat st;

    if (f->seal && rc == AMG_OK) {
        rc = amg_seal_writer_close(f->seal);
        f->seal = NULL;
    }
    if (f->fp) {
        if (rc == AMG_OK && fflush(f->fp) != 0) {
            amg_error("%s: write failed: %s", f->path, strerror(errno));
            rc = AMG_EIO;
        }
        if (rc == AMG_OK && fsync(fileno(f->fp)) != 0) {
            amg_error("%s: cannot sync: %s", f->path, strerror(errno));
            rc = AMG_EIO;
        }
        if (fclose(f->fp) != 0 && rc == AMG_OK) {
            amg_error("%s: close failed: %s", f->path, strerror(errno));
            rc = AMG_EIO;
        }
        f->fp = NULL;
    }
    /* The manifest lists the ciphertext, so that checksums can be checked
     * without the key. */
    if (rc == AMG_OK && f->sealed) {
        rc = amg_sha256_file(f->path, hex);
        if (rc == AMG_OK && stat(f->path, &st) != 0) {
            amg_error("%s: %s", f->path, strerror(errno));
            rc = AMG_EIO;
        }
        if (rc == AMG_OK)
            f->bytes = (long long)st.st_size;
    } else if (rc == AMG_OK) {
        rc = amg_sha256_final_hex(f->hash, hex);
    }
    amg_out_discard(f);
    return rc;
}
