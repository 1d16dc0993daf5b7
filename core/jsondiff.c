#include <stdlib.h>
#include <string.h>
#include "jsondiff.h"
#include "error.h"

/* Server-generated or instance-bound: they differ between two instances
 * holding the same configuration. passwordHash(es) are encrypted afresh
 * by every export. */
static const char *const volatile_keys[] = {
    "clientId", "id", "secret", "tenantId", "redirectURL", "oAuthServerUrl", "profilesUrl",
    "discoveryEndpoint", "validation_data", "image", "meta", "originalId", "application_id",
    "passwordHash", "passwordHistory", NULL
};

static const char *const elem_keys[] = { "name", "email", "value", NULL };

const char *const *amg_json_volatile_keys(void)
{
    return volatile_keys;
}

static int is_volatile(const char *key)
{
    size_t i;

    for (i = 0; volatile_keys[i]; i++) {
        if (strcmp(volatile_keys[i], key) == 0)
            return 1;
    }
    return 0;
}

const char *amg_json_elem_key(json_t *elem, const char **field)
{
    size_t i;

    for (i = 0; json_is_object(elem) && elem_keys[i]; i++) {
        json_t *v = json_object_get(elem, elem_keys[i]);

        if (json_is_string(v)) {
            if (field)
                *field = elem_keys[i];
            return json_string_value(v);
        }
    }
    return NULL;
}

/* Order of two array elements in the normal form: keyed objects by key,
 * scalars by their text; anything else keeps its place (qsort is not
 * stable, so the index breaks ties). */
struct elem {
    json_t *v;
    char *text;     /* owned: compact text of a scalar, NULL otherwise */
    size_t index;
};

static int elem_cmp(const void *x, const void *y)
{
    const struct elem *a = x;
    const struct elem *b = y;
    const char *ka = amg_json_elem_key(a->v, NULL);
    const char *kb = amg_json_elem_key(b->v, NULL);
    int c = 0;

    if (ka && kb)
        c = strcmp(ka, kb);
    else if (a->text && b->text)
        c = strcmp(a->text, b->text);
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

static json_t *normalise_array(json_t *v)
{
    size_t n = json_array_size(v);
    struct elem *e = calloc(n ? n : 1, sizeof(*e));
    json_t *out = json_array();
    size_t i;

    if (!e || !out)
        goto fail;
    for (i = 0; i < n; i++) {
        e[i].v = amg_json_normalise(json_array_get(v, i));
        e[i].index = i;
        if (!e[i].v)
            goto fail;
        if (!json_is_object(e[i].v) && !json_is_array(e[i].v)) {
            e[i].text = json_dumps(e[i].v, JSON_ENCODE_ANY | JSON_COMPACT);
            if (!e[i].text)
                goto fail;
        }
    }
    qsort(e, n, sizeof(*e), elem_cmp);
    for (i = 0; i < n; i++) {
        if (json_array_append_new(out, e[i].v) < 0) {
            e[i].v = NULL;
            goto fail;
        }
        e[i].v = NULL;
    }
    goto done;
fail:
    json_decref(out);
    out = NULL;
done:
    for (i = 0; e && i < n; i++) {
        json_decref(e[i].v);
        free(e[i].text);
    }
    free(e);
    return out;
}

json_t *amg_json_normalise(json_t *v)
{
    json_t *out;
    const char *key;
    json_t *m;

    if (json_is_array(v))
        return normalise_array(v);
    if (!json_is_object(v))
        return json_deep_copy(v);
    out = json_object();
    if (!out)
        return NULL;
    json_object_foreach(v, key, m) {
        json_t *n;

        if (is_volatile(key))
            continue;
        n = amg_json_normalise(m);
        if (!n || json_object_set_new(out, key, n) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

void amg_json_brief(json_t *v, char *buf, size_t len)
{
    char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    if (len == 0)
        return;
    snprintf(buf, len, "%s", text ? text : "(none)");
    if (text && strlen(text) >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);
    free(text);
}

/* Walker state: the path grows and shrinks as it descends. */
struct walk {
    amg_diff_fn fn;
    void *ud;
    char path[1024];
    long count;
};

static int emit(struct walk *w, enum amg_diff_kind kind, json_t *a, json_t *b, const char *first)
{
    w->count++;
    return w->fn ? w->fn(w->ud, kind, w->path[0] ? w->path : "(document)", a, b, first) : 0;
}

static int walk(struct walk *w, json_t *a, json_t *b);

/* Append ".key" to the path; returns the old length to restore. */
static size_t push_key(struct walk *w, const char *key)
{
    size_t old = strlen(w->path);

    snprintf(w->path + old, sizeof(w->path) - old, "%s%s", old ? "." : "", key);
    return old;
}

static int key_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int walk_object(struct walk *w, json_t *a, json_t *b)
{
    const char **keys = NULL;
    size_t n = 0, i;
    const char *key;
    json_t *v;
    int rc = 0;

    keys = calloc(json_object_size(a) + json_object_size(b) + 1, sizeof(*keys));
    if (!keys)
        return AMG_ENOMEM;
    json_object_foreach(a, key, v)
        keys[n++] = key;
    json_object_foreach(b, key, v) {
        if (!json_object_get(a, key))
            keys[n++] = key;
    }
    qsort(keys, n, sizeof(*keys), key_cmp);
    for (i = 0; i < n && rc >= 0; i++) {
        json_t *x = json_object_get(a, keys[i]);
        json_t *y = json_object_get(b, keys[i]);
        size_t old = push_key(w, keys[i]);

        if (!y)
            rc = emit(w, AMG_DIFF_MISSING, x, NULL, NULL);
        else if (!x)
            rc = emit(w, AMG_DIFF_EXTRA, NULL, y, NULL);
        else
            rc = walk(w, x, y);
        w->path[old] = '\0';
    }
    free(keys);
    return rc;
}

/* 1 when every element of `v` has a matching key. */
static int all_keyed(json_t *v)
{
    size_t i;
    json_t *e;

    json_array_foreach(v, i, e) {
        if (!amg_json_elem_key(e, NULL))
            return 0;
    }
    return 1;
}

static int all_scalars(json_t *v)
{
    size_t i;
    json_t *e;

    json_array_foreach(v, i, e) {
        if (json_is_object(e) || json_is_array(e))
            return 0;
    }
    return 1;
}

/* Keyed elements, both arrays sorted by key: a merge. */
static int walk_keyed(struct walk *w, json_t *a, json_t *b)
{
    size_t i = 0, j = 0, na = json_array_size(a), nb = json_array_size(b);
    int rc = 0;

    while ((i < na || j < nb) && rc >= 0) {
        json_t *x = i < na ? json_array_get(a, i) : NULL;
        json_t *y = j < nb ? json_array_get(b, j) : NULL;
        const char *fx = NULL, *fy = NULL;
        const char *kx = x ? amg_json_elem_key(x, &fx) : NULL;
        const char *ky = y ? amg_json_elem_key(y, &fy) : NULL;
        int c = !kx ? 1 : !ky ? -1 : strcmp(kx, ky);
        size_t old = strlen(w->path);

        snprintf(w->path + old, sizeof(w->path) - old, "[%s=%s]", c <= 0 ? fx : fy,
                 c <= 0 ? kx : ky);
        if (c < 0) {
            rc = emit(w, AMG_DIFF_MISSING, x, NULL, NULL);
            i++;
        } else if (c > 0) {
            rc = emit(w, AMG_DIFF_EXTRA, NULL, y, NULL);
            j++;
        } else {
            char first[512];

            if (amg_json_first_diff(x, y, first, sizeof(first)))
                rc = emit(w, AMG_DIFF_CHANGED, x, y, first);
            i++;
            j++;
        }
        w->path[old] = '\0';
    }
    return rc;
}

/* Scalars, both arrays sorted by text: a merge of two multisets. */
static int walk_scalars(struct walk *w, json_t *a, json_t *b)
{
    size_t i = 0, j = 0, na = json_array_size(a), nb = json_array_size(b);
    size_t old = strlen(w->path);
    int rc = 0;

    snprintf(w->path + old, sizeof(w->path) - old, "[]");
    while ((i < na || j < nb) && rc >= 0) {
        json_t *x = i < na ? json_array_get(a, i) : NULL;
        json_t *y = j < nb ? json_array_get(b, j) : NULL;
        char *tx = x ? json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        char *ty = y ? json_dumps(y, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        int c = !x ? 1 : !y ? -1 : (tx && ty ? strcmp(tx, ty) : 0);

        free(tx);
        free(ty);
        if (c < 0) {
            rc = emit(w, AMG_DIFF_MISSING, x, NULL, NULL);
            i++;
        } else if (c > 0) {
            rc = emit(w, AMG_DIFF_EXTRA, NULL, y, NULL);
            j++;
        } else {
            i++;
            j++;
        }
    }
    w->path[old] = '\0';
    return rc;
}

static int walk_positional(struct walk *w, json_t *a, json_t *b)
{
    size_t na = json_array_size(a), nb = json_array_size(b);
    size_t i;
    int rc = 0;

    for (i = 0; (i < na || i < nb) && rc >= 0; i++) {
        size_t old = strlen(w->path);

        snprintf(w->path + old, sizeof(w->path) - old, "[%zu]", i);
        if (i >= nb)
            rc = emit(w, AMG_DIFF_MISSING, json_array_get(a, i), NULL, NULL);
        else if (i >= na)
            rc = emit(w, AMG_DIFF_EXTRA, NULL, json_array_get(b, i), NULL);
        else
            rc = walk(w, json_array_get(a, i), json_array_get(b, i));
        w->path[old] = '\0';
    }
    return rc;
}

static int walk(struct walk *w, json_t *a, json_t *b)
{
    if (json_equal(a, b))
        return 0;
    if (json_is_object(a) && json_is_object(b))
        return walk_object(w, a, b);
    if (json_is_array(a) && json_is_array(b)) {
        if (all_keyed(a) && all_keyed(b))
            return walk_keyed(w, a, b);
        if (all_scalars(a) && all_scalars(b))
            return walk_scalars(w, a, b);
        return walk_positional(w, a, b);
    }
    return emit(w, AMG_DIFF_CHANGED, a, b, NULL);
}

long amg_json_diff(json_t *a, json_t *b, amg_diff_fn fn, void *ud)
{
    struct walk w;
    int rc;

    memset(&w, 0, sizeof(w));
    w.fn = fn;
    w.ud = ud;
    rc = walk(&w, a, b);
    return rc < 0 ? rc : w.count;
}

/* Stops the walk at the first difference, keeping its path. */
static int stop_first(void *ud, enum amg_diff_kind kind, const char *path, json_t *a,
                      json_t *b, const char *first)
{
    struct walk *outer = ud;

    (void)kind;
    (void)a;
    (void)b;
    if (first && *first)
        snprintf(outer->path, sizeof(outer->path), "%s.%s", path, first);
    else
        snprintf(outer->path, sizeof(outer->path), "%s", path);
    return -1;  /* ends the walk */
}

int amg_json_first_diff(json_t *a, json_t *b, char *buf, size_t len)
{
    struct walk inner;
    struct walk outer;

    if (json_equal(a, b))
        return 0;
    memset(&inner, 0, sizeof(inner));
    memset(&outer, 0, sizeof(outer));
    inner.fn = stop_first;
    inner.ud = &outer;
    walk(&inner, a, b);
    snprintf(buf, len, "%s", outer.path[0] ? outer.path : "(document)");
    return 1;
}
