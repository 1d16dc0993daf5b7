/*
 * Small file-system helpers for the snapshot store (and anything else that
 * writes files the operator must be able to trust): mkdir -p, recursive
 * removal, directory fsync and a rename that never replaces its target.
 * Errors are logged with the path named.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsutil.h"
#include "log.h"
#include "mem.h"

char *amg_path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = amg_malloc(len);

    if (p)
        snprintf(p, len, "%s/%s", dir, name);
    return p;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP ? rmdir(path) : unlink(path)) {
        amg_warn("%s: cannot remove: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int amg_rmtree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0 && errno == ENOENT)
        return AMG_OK;
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? AMG_OK : AMG_EIO;
}

int amg_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = AMG_OK;

    if (fd < 0 || fsync(fd) != 0) {
        amg_error("%s: cannot sync directory: %s", path, strerror(errno));
        rc = AMG_EIO;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Existing components keep their mode: the operator may have chosen it. */
int amg_mkdir_p(const char *path)
{
    char *buf = amg_strdup(path);
    char *p;
    struct stat st;
    int rc = AMG_EIO;

    if (!buf)
        return AMG_ENOMEM;
    if (!*buf) {
        rc = AMG_EINVAL;
        goto out;
    }
    for (p = buf + 1; ; p++) {
        char saved = *p;

        if (saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) == 0) {
            if (chmod(buf, 0700) != 0) {
                amg_error("%s: cannot set mode 0700: %s", buf, strerror(errno));
                goto out;
            }
        } else if (errno != EEXIST) {
            amg_error("%s: cannot create directory: %s", buf, strerror(errno));
            goto out;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        amg_error("%s: not a directory", path);
        goto out;
    }
    rc = AMG_OK;
out:
    amg_free(buf);
    return rc;
}

/* Never replaces an existing directory, not even an empty one (which a
 * plain rename() would). */
int amg_rename_noreplace(const char *from, const char *to)
{
    struct stat st;

#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    if (lstat(to, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(from, to);
}

