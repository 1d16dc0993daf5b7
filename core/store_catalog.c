/*
 * Listing and deleting snapshots in the S3 store (store.h): what
 * `snapshots` and `prune` do for snapshot_store.
 */
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "log.h"
#include "mem.h"
#include "s3.h"
#include "store.h"

#define MANIFEST "/manifest.json"

struct listing {
    const char *store;      /* snapshot_store without trailing '/' */
    size_t store_len;
    const char *instance;   /* NULL: all */
    struct amg_catalog_entry *v;
    size_t n, cap;
    /* Every object, for sizes per snapshot and for deleting. */
    struct object { char *key; long long size; } *obj;
    size_t nobj, capobj;
};

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
    void *q;
    size_t ncap = *cap ? *cap * 2 : 16;

    if (n < *cap)
        return AMG_OK;
    q = amg_realloc(*p, ncap * elem);
    if (!q)
        return AMG_ENOMEM;
    *p = q;
    *cap = ncap;
    return AMG_OK;
}

static int add_snapshot(struct listing *l, const char *key)
{
    struct amg_catalog_entry *e;
    size_t nlen = strlen(key) - strlen(MANIFEST), ilen;
    time_t created;
    char *name;
    int rc;

    name = amg_strndup(key, nlen);
    if (!name)
        return AMG_ENOMEM;
    if (strchr(name, '/') || amg_catalog_parse_name(name, &ilen, &created) != 0 ||
        (l->instance && (ilen != strlen(l->instance) ||
                         strncmp(name, l->instance, ilen) != 0))) {
        amg_free(name);
        return AMG_OK;
    }
    rc = grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v));
    if (rc) {
        amg_free(name);
        return rc;
    }
    e = &l->v[l->n];
    memset(e, 0, sizeof(*e));
    e->name = name;
    e->created = created;
    e->instance = amg_strndup(name, ilen);
    e->path = amg_malloc(l->store_len + nlen + 2);
    l->n++;
    if (!e->instance || !e->path)
        return AMG_ENOMEM;
    snprintf(e->path, l->store_len + nlen + 2, "%.*s/%s", (int)l->store_len, l->store, name);
    return AMG_OK;
}

static int on_object(void *ud, const char *key, long long size)
{
    struct listing *l = ud;
    size_t len = strlen(key);
    int rc;

    rc = grow((void **)&l->obj, &l->capobj, l->nobj, sizeof(*l->obj));
    if (rc)
        return rc;
    l->obj[l->nobj].key = amg_strdup(key);
    if (!l->obj[l->nobj].key)
        return AMG_ENOMEM;
    l->obj[l->nobj++].size = size;
    if (len > strlen(MANIFEST) && strcmp(key + len - strlen(MANIFEST), MANIFEST) == 0)
        return add_snapshot(l, key);
    return AMG_OK;
}

static int newest_first(const void *a, const void *b)
{
    const struct amg_catalog_entry *x = a;
    const struct amg_catalog_entry *y = b;

    if (x->created != y->created)
        return x->created < y->created ? 1 : -1;
    return strcmp(y->name, x->name);
}

static void free_keys(struct listing *l)
{
    for (size_t i = 0; i < l->nobj; i++)
        amg_free(l->obj[i].key);
    amg_free(l->obj);
}

/* Every object key under the store (or under `prefix` in it). */
static int list_all(const struct amg_config *cfg, const char *prefix, struct listing *l,
                    struct amg_s3 **s3)
{
    int rc;

    if (!cfg->snapshot_store) {
        amg_error("%s: no snapshot_store in the config", cfg->path ? cfg->path : "config");
        return AMG_ECONFIG;
    }
    l->store = cfg->snapshot_store;
    l->store_len = strlen(l->store);
    while (l->store_len > 5 && l->store[l->store_len - 1] == '/')
        l->store_len--;
    rc = amg_store_client(cfg, cfg->snapshot_store, s3);
    if (rc == AMG_OK)
        rc = amg_s3_list(*s3, prefix, on_object, l);
    return rc;
}

int amg_store_list(const struct amg_config *cfg, const char *instance,
                   struct amg_catalog_entry **out, long long **bytes, size_t *n)
{
    struct listing l = { 0 };
    struct amg_s3 *s3 = NULL;
    long long *b = NULL;
    size_t i, k;
    int rc;

    *out = NULL;
    *bytes = NULL;
    *n = 0;
    l.instance = instance;
    rc = list_all(cfg, instance, &l, &s3);
    if (rc)
        goto out;
    qsort(l.v, l.n, sizeof(*l.v), newest_first);
    rc = AMG_ENOMEM;
    b = amg_calloc(l.n ? l.n : 1, sizeof(*b));
    if (!b)
        goto out;
    for (i = 0; i < l.n; i++) {
        size_t nlen = strlen(l.v[i].name);

        for (k = 0; k < l.nobj; k++) {
            if (strncmp(l.obj[k].key, l.v[i].name, nlen) == 0 && l.obj[k].key[nlen] == '/')
                b[i] += l.obj[k].size;
        }
    }
    *out = l.v;
    *bytes = b;
    *n = l.n;
    l.v = NULL;
    b = NULL;
    rc = AMG_OK;
out:
    amg_catalog_free(l.v, l.n);
    amg_free(b);
    free_keys(&l);
    amg_s3_free(s3);
    return rc;
}

int amg_store_remove(const struct amg_config *cfg, const char *name)
{
    struct listing l = { 0 };
    struct amg_s3 *s3 = NULL;
    char *prefix = NULL;
    char *mkey = NULL;
    size_t i;
    int rc = AMG_ENOMEM;

    prefix = amg_malloc(strlen(name) + 2);
    mkey = amg_malloc(strlen(name) + sizeof(MANIFEST));
    if (!prefix || !mkey)
        goto out;
    snprintf(prefix, strlen(name) + 2, "%s/", name);
    snprintf(mkey, strlen(name) + sizeof(MANIFEST), "%s%s", name, MANIFEST);
    rc = list_all(cfg, prefix, &l, &s3);
    if (rc)
        goto out;
    /* The manifest first: from then on readers ignore the rest. */
    rc = amg_s3_delete(s3, mkey);
    for (i = 0; rc == AMG_OK && i < l.nobj; i++) {
        if (strcmp(l.obj[i].key, mkey) != 0)
            rc = amg_s3_delete(s3, l.obj[i].key);
    }
out:
    amg_catalog_free(l.v, l.n);
    free_keys(&l);
    amg_s3_free(s3);
    amg_free(prefix);
    amg_free(mkey);
    return rc;
}
