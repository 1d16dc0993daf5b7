#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "strmap.h"

#define STRMAP_MIN_CAP 16

struct slot {
    char *key;      /* NULL: empty */
    void *value;
    uint64_t hash;
};

struct sim_strmap {
    struct slot *slots;
    size_t cap;     /* power of two */
    size_t count;
};

/* FNV-1a, 64 bit: keys are short ids and e-mail addresses. */
static uint64_t hash_key(const char *key)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *key; key++) {
        h ^= (unsigned char)*key;
        h *= 1099511628211ULL;
    }
    return h;
}

struct sim_strmap *sim_strmap_new(void)
{
    struct sim_strmap *m = calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    m->slots = calloc(STRMAP_MIN_CAP, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->cap = STRMAP_MIN_CAP;
    return m;
}

void sim_strmap_free(struct sim_strmap *m)
{
    size_t i;

    if (!m)
        return;
    for (i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

/* Index of `key`'s slot, or of the empty slot where it would go. */
static size_t find_slot(const struct sim_strmap *m, const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;

    while (m->slots[i].key &&
           (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
        i = (i + 1) & mask;
    return i;
}

void *sim_strmap_get(const struct sim_strmap *m, const char *key)
{
    size_t i = find_slot(m, key, hash_key(key));

    return m->slots[i].key ? m->slots[i].value : NULL;
}

static int grow(struct sim_strmap *m)
{
    size_t cap = m->cap * 2;
    struct slot *slots = calloc(cap, sizeof(*slots));
    struct slot *old = m->slots;
    size_t old_cap = m->cap, i;

    if (!slots)
        return AMG_ENOMEM;
    m->slots = slots;
    m->cap = cap;
    for (i = 0; i < old_cap; i++) {
        if (old[i].key)
            m->slots[find_slot(m, old[i].key, old[i].hash)] = old[i];
    }
    free(old);
    return AMG_OK;
}

int sim_strmap_put(struct sim_strmap *m, const char *key, void *value)
{
    uint64_t h = hash_key(key);
    size_t i;
    char *copy;

    /* Load factor below 3/4 keeps probe sequences short. */
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != AMG_OK)
        return AMG_ENOMEM;
    i = find_slot(m, key, h);
    if (m->slots[i].key) {
        m->slots[i].value = value;
        return AMG_OK;
    }
    copy = strdup(key);
    if (!copy)
        return AMG_ENOMEM;
    m->slots[i].key = copy;
    m->slots[i].value = value;
    m->slots[i].hash = h;
    m->count++;
    return AMG_OK;
}

void *sim_strmap_del(struct sim_strmap *m, const char *key)
{
    size_t mask = m->cap - 1;
    size_t i = find_slot(m, key, hash_key(key));
    size_t j;
    void *value;

    if (!m->slots[i].key)
        return NULL;
    value = m->slots[i].value;
    free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->count--;
    /* Backward shift: move later members of the probe run into the hole
     * when their home slot is not between the hole and them. */
    j = i;
    for (;;) {
        size_t home;

        j = (j + 1) & mask;
        if (!m->slots[j].key)
            break;
        home = (size_t)m->slots[j].hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
    return value;
}

size_t sim_strmap_count(const struct sim_strmap *m)
{
    return m->count;
}
