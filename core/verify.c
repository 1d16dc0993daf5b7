#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"
#include "error.h"
#include "jsondiff.h"
#include "log.h"
#include "sha256.h"
#include "snapshot.h"

/* Printing of one plugin's differences, capped. */
struct printer {
    FILE *out;
    const char *plugin;
    const char *la;      /* label of side a */
    const char *lb;
    long count;
};

static void say(struct printer *p, const char *fmt, ...) AMG_PRINTF(2, 3);

static void say(struct printer *p, const char *fmt, ...)
{
    va_list ap;

    p->count++;
    if (p->count > AMG_VERIFY_PRINT_MAX)
        return;
    fprintf(p->out, "%s: ", p->plugin);
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
}

static int print_diff(void *ud, enum amg_diff_kind kind, const char *path, json_t *a, json_t *b,
                      const char *first)
{
    struct printer *p = ud;
    char va[128], vb[128];

    amg_json_brief(a, va, sizeof(va));
    amg_json_brief(b, vb, sizeof(vb));
    if (kind == AMG_DIFF_MISSING)
        say(p, "missing in %s: %s %s", p->lb, path, va);
    else if (kind == AMG_DIFF_EXTRA)
        say(p, "extra in %s: %s %s", p->lb, path, vb);
    else if (first)
        say(p, "changed %s: first difference at %s", path, first);
    else
        say(p, "changed %s: %s (%s) != %s (%s)", path, va, p->la, vb, p->lb);
    return 0;
}

static int compare_documents(const struct amg_verify_side *a, const struct amg_verify_side *b,
                             struct printer *p)
{
    json_t *da = NULL, *db = NULL, *na = NULL, *nb = NULL;
    long n;
    int rc;

    rc = amg_snapshot_read_json(a->snap, p->plugin, &da);
    if (rc == AMG_OK)
        rc = amg_snapshot_read_json(b->snap, p->plugin, &db);
    if (rc < 0)
        goto out;
    rc = AMG_ENOMEM;
    na = amg_json_normalise(da);
    nb = amg_json_normalise(db);
    if (!na || !nb)
        goto out;
    n = amg_json_diff(na, nb, print_diff, p);
    rc = n < 0 ? (int)n : AMG_OK;
out:
    json_decref(da);
    json_decref(db);
    json_decref(na);
    json_decref(nb);
    return rc;
}

/* ---- records: key -> hash of the normal form ---- */

struct entry {
    char *key;                         /* owned; NULL: free slot */
    char hash[AMG_SHA256_HEX_LEN + 1];
    int seen;                          /* matched by a record of side b */
};

struct map {
    struct entry *slots;   /* owned */
    size_t cap;            /* power of two */
    size_t n;
};

static size_t key_hash(const char *s)
{
    size_t h = 1469598103934665603ULL & (size_t)-1;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

static struct entry *map_find(const struct map *m, const char *key)
{
    size_t i;

    if (!m->cap)
        return NULL;
    for (i = key_hash(key) & (m->cap - 1); m->slots[i].key; i = (i + 1) & (m->cap - 1)) {
        if (strcmp(m->slots[i].key, key) == 0)
            return &m->slots[i];
    }
    return NULL;
}

static int map_grow(struct map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    struct entry *slots = calloc(cap, sizeof(*slots));
    size_t i, j;

    if (!slots)
        return AMG_ENOMEM;
    for (i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        for (j = key_hash(m->slots[i].key) & (cap - 1); slots[j].key; j = (j + 1) & (cap - 1))
            ;
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return AMG_OK;
}

/* Add key (copied); the caller made sure it is not there yet. */
static struct entry *map_add(struct map *m, const char *key, const char *hash)
{
    size_t i;

    if ((m->n + 1) * 10 > m->cap * 7 && map_grow(m) < 0)
        return NULL;
    for (i = key_hash(key) & (m->cap - 1); m->slots[i].key; i = (i + 1) & (m->cap - 1))
        ;
    m->slots[i].key = strdup(key);
    if (!m->slots[i].key)
        return NULL;
    memcpy(m->slots[i].hash, hash, sizeof(m->slots[i].hash));
    m->slots[i].seen = 0;
    m->n++;
    return &m->slots[i];
}

static void map_free(struct map *m)
{
    size_t i;

    for (i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* rec[a] (or rec[a][b]) when it is a non-empty string, else NULL. */
static const char *str_at(json_t *rec, const char *a, const char *b)
{
    json_t *v = json_object_get(rec, a);

    if (b)
        v = json_object_get(v, b);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* o.emails[0].value, or NULL. */
static const char *first_email(json_t *o)
{
    return str_at(json_array_get(json_object_get(o, "emails"), 0), "value", NULL);
}

int amg_verify_record_key(json_t *rec, char *buf, size_t len)
{
    json_t *scim = json_object_get(rec, "scimUser");
    json_t *ident = json_array_get(json_object_get(rec, "identities"), 0);
    const char *v;

    if ((v = str_at(rec, "email", NULL)) || (v = first_email(rec)))
        snprintf(buf, len, "email=%s", v);
    else if ((v = str_at(rec, "userName", NULL)) || (v = str_at(scim, "userName", NULL)))
        snprintf(buf, len, "userName=%s", v);
    else if ((v = first_email(scim)))
        snprintf(buf, len, "email=%s", v);
    else if ((v = str_at(rec, "idp-identity", NULL)))
        snprintf(buf, len, "identity=%s:%s", str_at(rec, "idp", NULL) ?
                 str_at(rec, "idp", NULL) : "?", v);
    else if ((v = str_at(ident, "id", NULL)))
        snprintf(buf, len, "identity=%s:%s", str_at(ident, "provider", NULL) ?
                 str_at(ident, "provider", NULL) : "?", v);
    else if ((v = str_at(rec, "name", NULL)))
        snprintf(buf, len, "name=%s", v);
    else if ((v = str_at(rec, "value", NULL)))
        snprintf(buf, len, "value=%s", v);
    else
        return -1;
    return 0;
}

/* Key and hash of a record's normal form; *norm (if wanted) keeps it. */
static int digest(json_t *rec, char *key, size_t klen, char hash[AMG_SHA256_HEX_LEN + 1],
                  json_t **norm)
{
    json_t *n = amg_json_normalise(rec);
    char *text = n ? json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int rc = AMG_ENOMEM;

    if (!text)
        goto out;
    rc = amg_sha256_hex(text, strlen(text), hash);
    if (rc < 0)
        goto out;
    if (amg_verify_record_key(rec, key, klen) < 0)
        snprintf(key, klen, "content=%.16s", hash);
    if (norm) {
        *norm = n;
        n = NULL;
    }
out:
    free(text);
    json_decref(n);
    return rc;
}

/* A record whose key is taken already (two records share it): matched by
 * content instead, "content=<hash>#n" for the n-th identical one. With
 * `want_unseen`, the first such entry not yet matched. */
static void content_key(const struct map *m, const char *hash, int want_unseen, char *key,
                        size_t klen)
{
    struct entry *e;
    int i;

    snprintf(key, klen, "content=%.16s", hash);
    for (i = 2; (e = map_find(m, key)) != NULL && (!want_unseen || e->seen); i++)
        snprintf(key, klen, "content=%.16s#%d", hash, i);
}

struct detail {
    char *key;      /* owned */
    json_t *norm;   /* owned: side b's normal form */
    int done;
};

static int key_ptr_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int compare_records(const struct amg_verify_side *a, const struct amg_verify_side *b,
                           struct printer *p)
{
    struct amg_ndjson_reader *r = NULL;
    struct detail details[AMG_VERIFY_PRINT_MAX];
    size_t nd = 0, i, nmiss = 0;
    struct map m = { NULL, 0, 0 };
    char **missing = NULL;
    char key[512];
    char hash[AMG_SHA256_HEX_LEN + 1];
    json_t *rec = NULL;
    json_t *norm = NULL;
    int rc;

    memset(details, 0, sizeof(details));
    rc = amg_snapshot_ndjson_open(a->snap, p->plugin, &r);
    while (rc >= 0 && (rc = amg_ndjson_next(r, &rec)) == 1) {
        rc = digest(rec, key, sizeof(key), hash, NULL);
        json_decref(rec);
        rec = NULL;
        if (rc < 0)
            break;
        if (map_find(&m, key))
            content_key(&m, hash, 0, key, sizeof(key));
        rc = map_add(&m, key, hash) ? AMG_OK : AMG_ENOMEM;
    }
    amg_ndjson_reader_close(r);
    r = NULL;
    if (rc < 0)
        goto out;
    rc = amg_snapshot_ndjson_open(b->snap, p->plugin, &r);
    while (rc >= 0 && (rc = amg_ndjson_next(r, &rec)) == 1) {
        struct entry *e;

        rc = digest(rec, key, sizeof(key), hash, &norm);
        json_decref(rec);
        rec = NULL;
        if (rc < 0)
            break;
        e = map_find(&m, key);
        if (e && e->seen) {
            content_key(&m, hash, 1, key, sizeof(key));
            e = map_find(&m, key);
        }
        if (!e) {
            say(p, "extra in %s: %s", p->lb, key);
        } else {
            e->seen = 1;
            if (strcmp(e->hash, hash) != 0 && nd < AMG_VERIFY_PRINT_MAX) {
                details[nd].key = strdup(key);
                details[nd].norm = norm;
                norm = NULL;
                if (!details[nd++].key)
                    rc = AMG_ENOMEM;
            } else if (strcmp(e->hash, hash) != 0) {
                say(p, "changed %s", key);
            }
        }
        json_decref(norm);
        norm = NULL;
    }
    amg_ndjson_reader_close(r);
    r = NULL;
    if (rc < 0)
        goto out;
    missing = calloc(m.n ? m.n : 1, sizeof(*missing));
    if (!missing) {
        rc = AMG_ENOMEM;
        goto out;
    }
    for (i = 0; i < m.cap; i++) {
        if (m.slots[i].key && !m.slots[i].seen)
            missing[nmiss++] = m.slots[i].key;
    }
    qsort(missing, nmiss, sizeof(*missing), key_ptr_cmp);
    for (i = 0; i < nmiss; i++)
        say(p, "missing in %s: %s", p->lb, missing[i]);
    rc = nd ? amg_snapshot_ndjson_open(a->snap, p->plugin, &r) : 0;
    /* Second look at side a, for the changed records' first difference. */
    while (nd && rc >= 0 && (rc = amg_ndjson_next(r, &rec)) == 1) {
        rc = digest(rec, key, sizeof(key), hash, &norm);
        json_decref(rec);
        rec = NULL;
        for (i = 0; rc >= 0 && i < nd; i++) {
            char first[512];

            if (details[i].done || strcmp(details[i].key, key) != 0)
                continue;
            details[i].done = 1;
            amg_json_first_diff(norm, details[i].norm, first, sizeof(first));
            say(p, "changed %s: first difference at %s", key, first);
        }
        json_decref(norm);
        norm = NULL;
    }
    if (rc > 0)
        rc = AMG_OK;
out:
    amg_ndjson_reader_close(r);
    json_decref(rec);
    json_decref(norm);
    for (i = 0; i < nd; i++) {
        free(details[i].key);
        json_decref(details[i].norm);
    }
    free(missing);
    map_free(&m);
    return rc < 0 ? rc : AMG_OK;
}

/* Checksums of the plugin's binary parts, from the manifest. */
static void compare_blobs(const struct amg_verify_side *a, const struct amg_verify_side *b,
                          struct printer *p)
{
    json_t *fa = json_object_get(amg_snapshot_manifest(a->snap), "files");
    json_t *fb = json_object_get(amg_snapshot_manifest(b->snap), "files");
    size_t plen = strlen(p->plugin);
    size_t i, j;
    json_t *x, *y;

    json_array_foreach(fa, i, x) {
        const char *name = json_string_value(json_object_get(x, "name"));
        size_t len = name ? strlen(name) : 0;
        json_t *match = NULL;

        if (len < plen + 5 || strncmp(name, p->plugin, plen) != 0 || name[plen] != '.' ||
            strcmp(name + len - 4, ".bin") != 0)
            continue;
        json_array_foreach(fb, j, y) {
            if (strcmp(json_string_value(json_object_get(y, "name")), name) == 0)
                match = y;
        }
        if (!match)
            say(p, "missing in %s: %s", p->lb, name);
        else if (!json_equal(json_object_get(x, "sha256"), json_object_get(match, "sha256")))
            say(p, "changed %s: the content differs", name);
    }
    json_array_foreach(fb, j, y) {
        const char *name = json_string_value(json_object_get(y, "name"));
        size_t len = name ? strlen(name) : 0;
        int found = 0;

        if (len < plen + 5 || strncmp(name, p->plugin, plen) != 0 || name[plen] != '.' ||
            strcmp(name + len - 4, ".bin") != 0)
            continue;
        json_array_foreach(fa, i, x) {
            if (strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
                found = 1;
        }
        if (!found)
            say(p, "extra in %s: %s", p->lb, name);
    }
}

int amg_verify_plugin(const struct amg_verify_side *a, const struct amg_verify_side *b,
                      const char *plugin, FILE *out, long *differences)
{
    struct printer p = { out, plugin, a->label, b->label, 0 };
    const char *da = amg_snapshot_document(a->snap, plugin);
    const char *db = amg_snapshot_document(b->snap, plugin);
    int rc = AMG_OK;

    *differences = 0;
    if (!amg_snapshot_has_plugin(b->snap, plugin)) {
        say(&p, "missing in %s: the whole resource type", b->label);
    } else if (!amg_snapshot_has_plugin(a->snap, plugin)) {
        say(&p, "extra in %s: the whole resource type", b->label);
    } else if ((da == NULL) != (db == NULL) ||
               (da && strcmp(strrchr(da, '.'), strrchr(db, '.')) != 0)) {
        say(&p, "changed: stored as %s in %s but as %s in %s", da ? da : "(nothing)", a->label,
            db ? db : "(nothing)", b->label);
    } else if (da && strcmp(strrchr(da, '.'), ".ndjson") == 0) {
        rc = compare_records(a, b, &p);
    } else if (da) {
        rc = compare_documents(a, b, &p);
    }
    if (rc == AMG_OK && amg_snapshot_has_plugin(a->snap, plugin) &&
        amg_snapshot_has_plugin(b->snap, plugin))
        compare_blobs(a, b, &p);
    if (p.count > AMG_VERIFY_PRINT_MAX)
        fprintf(out, "%s: ... and %ld more differences\n", plugin,
                p.count - AMG_VERIFY_PRINT_MAX);
    *differences = p.count;
    return rc;
}
