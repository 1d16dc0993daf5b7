#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>
#include "appid-migrate/plugin.h"
#include "strmap.h"
#include "users_store.h"
#include "users_store_priv.h"

struct sim_users {
    pthread_mutex_t lock;        /* guards `sets` and `by_tenant` only */
    struct sim_uvec sets;        /* struct sim_uset * */
    struct sim_strmap *by_tenant;
};

int sim_uvec_push(struct sim_uvec *v, void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        void **grown = realloc(v->items, cap * sizeof(*grown));

        if (!grown)
            return AMG_ENOMEM;
        v->items = grown;
        v->cap = cap;
    }
    v->items[v->n++] = item;
    return AMG_OK;
}

void sim_uvec_remove(struct sim_uvec *v, size_t i, void (*reindex)(void *item, size_t pos))
{
    size_t j;

    memmove(&v->items[i], &v->items[i + 1], (v->n - i - 1) * sizeof(v->items[0]));
    v->n--;
    for (j = i; j < v->n; j++)
        reindex(v->items[j], j);
}

static void reindex_user(void *item, size_t pos)
{
    ((struct sim_cd_user *)item)->pos = pos;
}

long long sim_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sim_new_id(char out[SIM_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t i, n = 0;

    if (RAND_bytes(b, sizeof(b)) != 1)
        return AMG_EIO;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    /* 8-4-4-4-12 hex digits; by hand: snprintf showed in import profiles */
    for (i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[n++] = '-';
        out[n++] = hex[b[i] >> 4];
        out[n++] = hex[b[i] & 0x0f];
    }
    out[n] = '\0';
    return AMG_OK;
}

/* ASCII-lower-cased copy; NULL for NULL/empty input or no memory. */
static char *fold(const char *s)
{
    char *out;
    size_t i;

    if (!s || !s[0])
        return NULL;
    out = strdup(s);
    if (!out)
        return NULL;
    for (i = 0; out[i]; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    return out;
}

static void free_user(struct sim_cd_user *u)
{
    if (!u)
        return;
    json_decref(u->scim);
    free(u->email_key);
    free(u->name_key);
    free(u);
}

static void free_set(struct sim_uset *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->users.n; i++)
        free_user(s->users.items[i]);
    for (i = 0; i < s->profiles.n; i++)
        sim_profile_free(s->profiles.items[i]);
    free(s->users.items);
    free(s->profiles.items);
    free(s->ext.items);
    sim_strmap_free(s->user_ids);
    sim_strmap_free(s->emails);
    sim_strmap_free(s->names);
    sim_strmap_free(s->profile_ids);
    sim_strmap_free(s->identities);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

static struct sim_uset *new_set(const char *tenant)
{
    struct sim_uset *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    if (pthread_rwlock_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    snprintf(s->tenant, sizeof(s->tenant), "%s", tenant);
    s->user_ids = sim_strmap_new();
    s->emails = sim_strmap_new();
    s->names = sim_strmap_new();
    s->profile_ids = sim_strmap_new();
    s->identities = sim_strmap_new();
    if (!s->user_ids || !s->emails || !s->names || !s->profile_ids || !s->identities) {
        free_set(s);
        return NULL;
    }
    return s;
}

struct sim_users *sim_users_new(void)
{
    struct sim_users *u = calloc(1, sizeof(*u));

    if (!u)
        return NULL;
    u->by_tenant = sim_strmap_new();
    if (!u->by_tenant || pthread_mutex_init(&u->lock, NULL) != 0) {
        sim_strmap_free(u->by_tenant);
        free(u);
        return NULL;
    }
    return u;
}

void sim_users_free(struct sim_users *u)
{
    size_t i;

    if (!u)
        return;
    for (i = 0; i < u->sets.n; i++)
        free_set(u->sets.items[i]);
    free(u->sets.items);
    sim_strmap_free(u->by_tenant);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

/* The tenant's set, created on first use. Sets are never freed before
 * the store, so the pointer stays valid after the store lock is gone. */
static struct sim_uset *get_set(struct sim_users *u, const char *tenant)
{
    struct sim_uset *s;

    pthread_mutex_lock(&u->lock);
    s = sim_strmap_get(u->by_tenant, tenant);
    if (!s) {
        s = new_set(tenant);
        if (s && sim_uvec_push(&u->sets, s) != AMG_OK) {
            free_set(s);
            s = NULL;
        }
        if (s && sim_strmap_put(u->by_tenant, tenant, s) != AMG_OK) {
            u->sets.n--;
            free_set(s);
            s = NULL;
        }
    }
    pthread_mutex_unlock(&u->lock);
    return s;
}

struct sim_uset *sim_users_read(struct sim_users *u, const char *tenant)
{
    struct sim_uset *s = get_set(u, tenant);

    if (s)
        pthread_rwlock_rdlock(&s->lock);
    return s;
}

struct sim_uset *sim_users_write(struct sim_users *u, const char *tenant)
{
    struct sim_uset *s = get_set(u, tenant);

    if (s)
        pthread_rwlock_wrlock(&s->lock);
    return s;
}

void sim_users_unlock(struct sim_uset *s)
{
    if (s)
        pthread_rwlock_unlock(&s->lock);
}

json_t *sim_users_tenants(struct sim_users *u)
{
    json_t *out = json_array();
    size_t i;

    if (!out)
        return NULL;
    pthread_mutex_lock(&u->lock);
    for (i = 0; i < u->sets.n; i++) {
        struct sim_uset *s = u->sets.items[i];

        if (json_array_append_new(out, json_string(s->tenant)) != 0) {
            json_decref(out);
            out = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&u->lock);
    return out;
}

size_t sim_uset_cd_count(const struct sim_uset *s)
{
    return s->users.n;
}

struct sim_cd_user *sim_uset_cd_at(const struct sim_uset *s, size_t i)
{
    return i < s->users.n ? s->users.items[i] : NULL;
}

struct sim_cd_user *sim_uset_cd_get(const struct sim_uset *s, const char *id)
{
    return id ? sim_strmap_get(s->user_ids, id) : NULL;
}

static struct sim_cd_user *lookup_folded(const struct sim_strmap *m, const char *key)
{
    char *k = fold(key);
    struct sim_cd_user *u = k ? sim_strmap_get(m, k) : NULL;

    free(k);
    return u;
}

struct sim_cd_user *sim_uset_cd_by_email(const struct sim_uset *s, const char *email)
{
    return lookup_folded(s->emails, email);
}

struct sim_cd_user *sim_uset_cd_by_username(const struct sim_uset *s, const char *name)
{
    return lookup_folded(s->names, name);
}

const char *sim_scim_email(const json_t *scim)
{
    json_t *emails = json_object_get(scim, "emails");
    json_t *e;
    size_t i;

    json_array_foreach(emails, i, e) {
        if (json_is_true(json_object_get(e, "primary")))
            return json_string_value(json_object_get(e, "value"));
    }
    return json_string_value(json_object_get(json_array_get(emails, 0), "value"));
}

/* Index keys of `scim`; AMG_ENOMEM only when a present value could not
 * be copied. */
static int make_keys(const json_t *scim, char **email_key, char **name_key)
{
    const char *email = sim_scim_email(scim);
    const char *name = json_string_value(json_object_get(scim, "userName"));

    *email_key = fold(email);
    *name_key = fold(name);
    if ((email && email[0] && !*email_key) || (name && name[0] && !*name_key)) {
        free(*email_key);
        free(*name_key);
        *email_key = *name_key = NULL;
        return AMG_ENOMEM;
    }
    return AMG_OK;
}

/* The user other than `self` holding one of the keys, if any. */
static struct sim_cd_user *find_clash(const struct sim_uset *s, const struct sim_cd_user *self,
                                      const char *email_key, const char *name_key,
                                      const char **field)
{
    struct sim_cd_user *other;

    other = email_key ? sim_strmap_get(s->emails, email_key) : NULL;
    if (other && other != self) {
        *field = "email";
        return other;
    }
    other = name_key ? sim_strmap_get(s->names, name_key) : NULL;
    if (other && other != self) {
        *field = "userName";
        return other;
    }
    return NULL;
}

int sim_uset_cd_add(struct sim_uset *s, const char *id, json_t *scim,
                    const struct sim_pwhash *pw, struct sim_cd_user **out,
                    struct sim_cd_user **clash, const char **field)
{
    struct sim_cd_user *u = NULL;
    int rc = AMG_ENOMEM;

    *out = NULL;
    *clash = NULL;
    *field = NULL;
    u = calloc(1, sizeof(*u));
    if (!u) {
        json_decref(scim);
        return AMG_ENOMEM;
    }
    u->scim = scim;
    if (id) {
        snprintf(u->id, sizeof(u->id), "%s", id);
    } else if (sim_new_id(u->id) != AMG_OK) {
        rc = AMG_EIO;
        goto fail;
    }
    if (make_keys(scim, &u->email_key, &u->name_key) != AMG_OK)
        goto fail;
    *clash = find_clash(s, NULL, u->email_key, u->name_key, field);
    if (*clash || sim_strmap_get(s->user_ids, u->id)) {
        if (!*clash)
            *field = "id";
        rc = AMG_EEXIST;
        goto fail;
    }
    u->pw = *pw;
    u->created_ms = u->modified_ms = u->pw_updated_ms = sim_now_ms();
    u->pos = s->users.n;
    if (sim_uvec_push(&s->users, u) != AMG_OK)
        goto fail;
    if (sim_strmap_put(s->user_ids, u->id, u) != AMG_OK ||
        (u->email_key && sim_strmap_put(s->emails, u->email_key, u) != AMG_OK) ||
        (u->name_key && sim_strmap_put(s->names, u->name_key, u) != AMG_OK)) {
        s->users.n--;
        sim_strmap_del(s->user_ids, u->id);
        if (u->email_key)
            sim_strmap_del(s->emails, u->email_key);
        goto fail;
    }
    *out = u;
    return AMG_OK;
fail:
    free_user(u);
    return rc;
}

int sim_uset_cd_update(struct sim_uset *s, struct sim_cd_user *user, json_t *scim,
                       const struct sim_pwhash *pw, struct sim_cd_user **clash,
                       const char **field)
{
    char *email_key = NULL, *name_key = NULL;
    int rc = AMG_ENOMEM;

    *clash = NULL;
    *field = NULL;
    if (make_keys(scim, &email_key, &name_key) != AMG_OK)
        goto out;
    *clash = find_clash(s, user, email_key, name_key, field);
    if (*clash) {
        rc = AMG_EEXIST;
        goto out;
    }
    /* New keys first: a failed insert then leaves the old ones intact. */
    if ((email_key && sim_strmap_put(s->emails, email_key, user) != AMG_OK) ||
        (name_key && sim_strmap_put(s->names, name_key, user) != AMG_OK)) {
        if (email_key && (!user->email_key || strcmp(email_key, user->email_key) != 0))
            sim_strmap_del(s->emails, email_key);
        goto out;
    }
    if (user->email_key && (!email_key || strcmp(email_key, user->email_key) != 0))
        sim_strmap_del(s->emails, user->email_key);
    if (user->name_key && (!name_key || strcmp(name_key, user->name_key) != 0))
        sim_strmap_del(s->names, user->name_key);
    free(user->email_key);
    free(user->name_key);
    user->email_key = email_key;
    user->name_key = name_key;
    email_key = name_key = NULL;
    json_decref(user->scim);
    user->scim = scim;
    scim = NULL;
    user->modified_ms = sim_now_ms();
    if (pw) {
        user->pw = *pw;
        user->pw_updated_ms = user->modified_ms;
    }
    rc = AMG_OK;
out:
    json_decref(scim);
    free(email_key);
    free(name_key);
    return rc;
}

void sim_uset_cd_remove(struct sim_uset *s, struct sim_cd_user *user, int with_profile)
{
    if (user->profile) {
        if (with_profile) {
            sim_uset_profile_remove(s, user->profile);
        } else {
            user->profile->cd = NULL;
            user->profile = NULL;
        }
    }
    sim_strmap_del(s->user_ids, user->id);
    if (user->email_key)
        sim_strmap_del(s->emails, user->email_key);
    if (user->name_key)
        sim_strmap_del(s->names, user->name_key);
    sim_uvec_remove(&s->users, user->pos, reindex_user);
    free_user(user);
}
