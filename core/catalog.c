#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"

#define STAMP_LEN (sizeof("YYYYMMDDTHHMMSSZ") - 1)

/* Two decimal digits at s, or -1. */
static int digits(const char *s, int count)
{
    int v = 0;

    for (int i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int amg_catalog_parse_name(const char *name, size_t *instance_len, time_t *created)
{
    size_t len = strlen(name);
    const char *st;
    struct tm tm;

    if (len < STAMP_LEN + 2 || name[0] == '.')
        return -1;
    st = name + len - STAMP_LEN;
    if (st[-1] != '-' || st[8] != 'T' || st[15] != 'Z')
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = digits(st, 4) - 1900;
    tm.tm_mon = digits(st + 4, 2) - 1;
    tm.tm_mday = digits(st + 6, 2);
    tm.tm_hour = digits(st + 9, 2);
    tm.tm_min = digits(st + 11, 2);
    tm.tm_sec = digits(st + 13, 2);
    if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
        tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
        return -1;
    *created = timegm(&tm);
    *instance_len = len - STAMP_LEN - 1;
    return 0;
}

void amg_catalog_free(struct amg_catalog_entry *entries, size_t n)
{
    for (size_t i = 0; entries && i < n; i++) {
        amg_free(entries[i].instance);
        amg_free(entries[i].name);
        amg_free(entries[i].path);
    }
    amg_free(entries);
}

static int newest_first(const void *a, const void *b)
{
    const struct amg_catalog_entry *x = a;
    const struct amg_catalog_entry *y = b;

    if (x->created != y->created)
        return x->created < y->created ? 1 : -1;
    return strcmp(y->name, x->name);
}

int amg_catalog_list(const char *snapshot_dir, const char *instance,
                     struct amg_catalog_entry **out, size_t *n)
{
    struct amg_catalog_entry *v = NULL;
    size_t count = 0, cap = 0;
    DIR *d = NULL;
    struct dirent *de;
    int rc = AMG_OK;

    *out = NULL;
    *n = 0;
    d = opendir(snapshot_dir);
    if (!d) {
        if (errno == ENOENT)
            return AMG_OK;
        amg_error("%s: %s", snapshot_dir, strerror(errno));
        return AMG_EIO;
    }
    while ((de = readdir(d)) != NULL) {
        struct amg_catalog_entry *e;
        struct stat st;
        size_t ilen;
        time_t created;

        if (amg_catalog_parse_name(de->d_name, &ilen, &created) < 0)
            continue;
        if (instance && (strlen(instance) != ilen || strncmp(de->d_name, instance, ilen) != 0))
            continue;
        if (count == cap) {
            struct amg_catalog_entry *grown;

            cap = cap ? cap * 2 : 16;
            grown = amg_realloc(v, cap * sizeof(*v));
            if (!grown) {
                rc = AMG_ENOMEM;
                goto out;
            }
            v = grown;
        }
        e = &v[count];
        memset(e, 0, sizeof(*e));
        e->created = created;
        e->name = amg_strdup(de->d_name);
        e->instance = amg_strndup(de->d_name, ilen);
        e->path = amg_path_join(snapshot_dir, de->d_name);
        count++;
        if (!e->name || !e->instance || !e->path) {
            rc = AMG_ENOMEM;
            goto out;
        }
        /* A file that happens to have a snapshot's name is not one. */
        if (lstat(e->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            count--;
            amg_free(e->name);
            amg_free(e->instance);
            amg_free(e->path);
        }
    }
    if (count)
        qsort(v, count, sizeof(*v), newest_first);
    *out = v;
    *n = count;
    v = NULL;
    count = 0;
out:
    amg_catalog_free(v, count);
    closedir(d);
    return rc;
}

int amg_catalog_retention(const struct amg_catalog_entry *entries, size_t n, int keep,
                          int keep_days, time_t now, int *remove)
{
    size_t i;

    if (keep < 1 || keep_days < 0)
        return AMG_EINVAL;
    for (i = 0; i < n; i++) {
        int young = keep_days > 0 && now - entries[i].created < (time_t)keep_days * 86400;

        remove[i] = !(i < (size_t)keep || young);
    }
    return AMG_OK;
}

int amg_catalog_lock(const char *snapshot_dir, const char *instance, int *fd)
{
    char name[300];
    char *path = NULL;
    int rc;

    *fd = -1;
    if (strlen(instance) > 200)
        return AMG_EINVAL;
    rc = amg_mkdir_p(snapshot_dir);
    if (rc < 0)
        return rc;
    snprintf(name, sizeof(name), ".lock-%s", instance);
    path = amg_path_join(snapshot_dir, name);
    if (!path)
        return AMG_ENOMEM;
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0) {
        amg_error("%s: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        amg_error("another run is exporting '%s' into %s (lock %s held)", instance,
                  snapshot_dir, path);
        close(*fd);
        *fd = -1;
        rc = AMG_EEXIST;
        goto out;
    }
    rc = AMG_OK;
out:
    free(path);
    return rc;
}

void amg_catalog_unlock(int fd)
{
    if (fd >= 0)
        close(fd);  /* releases the flock */
}

int amg_catalog_next_time(const char *snapshot_dir, const char *instance, time_t *when)
{
    struct amg_catalog_entry *v = NULL;
    size_t n = 0;
    time_t now = time(NULL);
    int rc;

    rc = amg_catalog_list(snapshot_dir, instance, &v, &n);
    if (rc < 0)
        return rc;
    if (n > 0 && v[0].created >= now) {
        struct timespec ts = { .tv_sec = v[0].created - now + 1, .tv_nsec = 0 };

        amg_debug("a snapshot of '%s' is stamped %lld already; waiting %lld s for a new name",
                  instance, (long long)v[0].created, (long long)ts.tv_sec);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        now = v[0].created + 1;
        if (time(NULL) > now)
            now = time(NULL);
    }
    *when = now;
    amg_catalog_free(v, n);
    return AMG_OK;
}

/* 1 when `name` is ".<instance>-<stamp>.partial". */
static int is_partial_of(const char *name, const char *instance)
{
    static const char suffix[] = ".partial";
    size_t len = strlen(name);
    size_t slen = sizeof(suffix) - 1;
    size_t ilen = 0;
    time_t created;
    char *inner;
    int ok;

    if (len < slen + 2 || name[0] != '.' || strcmp(name + len - slen, suffix) != 0)
        return 0;
    inner = amg_strndup(name + 1, len - slen - 1);
    if (!inner)
        return 0;
    ok = amg_catalog_parse_name(inner, &ilen, &created) == 0 && ilen == strlen(instance) &&
         strncmp(inner, instance, ilen) == 0;
    amg_free(inner);
    return ok;
}

int amg_catalog_sweep_partial(const char *snapshot_dir, const char *instance, int *removed)
{
    DIR *d = NULL;
    struct dirent *de;
    int count = 0;

    if (removed)
        *removed = 0;
    d = opendir(snapshot_dir);
    if (!d) {
        if (errno == ENOENT)
            return AMG_OK;
        amg_error("%s: %s", snapshot_dir, strerror(errno));
        return AMG_EIO;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char *path;

        if (!is_partial_of(de->d_name, instance))
            continue;
        path = amg_path_join(snapshot_dir, de->d_name);
        if (!path) {
            closedir(d);
            return AMG_ENOMEM;
        }
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            amg_warn("%s: removing the unfinished snapshot of an interrupted export", path);
            if (amg_rmtree(path) == AMG_OK)
                count++;
        }
        amg_free(path);
    }
    closedir(d);
    if (removed)
        *removed = count;
    return AMG_OK;
}
