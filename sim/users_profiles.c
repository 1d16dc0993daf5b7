/*
 * Profiles of appid-sim's user store (users_store.h): the per-tenant
 * arrays in creation order, the index by id and by IdP identity, and the
 * link to a Cloud Directory user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "strmap.h"
#include "users_store.h"
#include "users_store_priv.h"

static void reindex_profile(void *item, size_t pos)
{
    ((struct sim_profile *)item)->pos = pos;
}

static void reindex_ext(void *item, size_t pos)
{
    ((struct sim_profile *)item)->ext_pos = pos;
}

void sim_profile_free(struct sim_profile *p)
{
    if (!p)
        return;
    free(p->idp);
    free(p->idp_id);
    json_decref(p->doc);
    json_decref(p->roles);
    free(p->identity_key);
    free(p);
}

size_t sim_uset_profile_count(const struct sim_uset *s)
{
    return s->profiles.n;
}

struct sim_profile *sim_uset_profile_at(const struct sim_uset *s, size_t i)
{
    return i < s->profiles.n ? s->profiles.items[i] : NULL;
}

size_t sim_uset_ext_count(const struct sim_uset *s)
{
    return s->ext.n;
}

struct sim_profile *sim_uset_ext_at(const struct sim_uset *s, size_t i)
{
    return i < s->ext.n ? s->ext.items[i] : NULL;
}

struct sim_profile *sim_uset_profile_get(const struct sim_uset *s, const char *id)
{
    return id ? sim_strmap_get(s->profile_ids, id) : NULL;
}

/* "idp\x1fid": the unit separator cannot occur in an IdP name. */
static char *identity_key(const char *idp, const char *idp_id)
{
    size_t len = strlen(idp) + strlen(idp_id) + 2;
    char *key = malloc(len);

    if (key)
        snprintf(key, len, "%s\x1f%s", idp, idp_id);
    return key;
}

struct sim_profile *sim_uset_profile_by_identity(const struct sim_uset *s, const char *idp,
                                                 const char *idp_id)
{
    char *key = identity_key(idp, idp_id);
    struct sim_profile *p = key ? sim_strmap_get(s->identities, key) : NULL;

    free(key);
    return p;
}

int sim_uset_profile_add(struct sim_uset *s, const char *id, const char *idp,
                         const char *idp_id, json_t *doc, json_t *roles,
                         struct sim_cd_user *cd, struct sim_profile **out)
{
    struct sim_profile *p = NULL;
    int ext = strcmp(idp, SIM_IDP_CD) != 0;
    int rc = AMG_ENOMEM;

    *out = NULL;
    if (!idp[0] || !idp_id[0] || (cd && (ext || cd->profile || strcmp(cd->id, idp_id) != 0))) {
        rc = AMG_EINVAL;
        goto fail_args;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        goto fail_args;
    p->doc = doc ? doc : json_object();
    p->roles = roles ? roles : json_array();
    doc = roles = NULL;
    p->idp = strdup(idp);
    p->idp_id = strdup(idp_id);
    p->identity_key = identity_key(idp, idp_id);
    if (!p->doc || !p->roles || !p->idp || !p->idp_id || !p->identity_key)
        goto fail;
    if (id) {
        snprintf(p->id, sizeof(p->id), "%s", id);
    } else if (sim_new_id(p->id) != AMG_OK) {
        rc = AMG_EIO;
        goto fail;
    }
    *out = sim_strmap_get(s->identities, p->identity_key);
    if (*out || sim_strmap_get(s->profile_ids, p->id)) {
        rc = AMG_EEXIST;
        goto fail;
    }
    p->pos = s->profiles.n;
    p->ext_pos = s->ext.n;
    if (sim_uvec_push(&s->profiles, p) != AMG_OK)
        goto fail;
    if (ext && sim_uvec_push(&s->ext, p) != AMG_OK) {
        s->profiles.n--;
        goto fail;
    }
    if (sim_strmap_put(s->profile_ids, p->id, p) != AMG_OK ||
        sim_strmap_put(s->identities, p->identity_key, p) != AMG_OK) {
        sim_strmap_del(s->profile_ids, p->id);
        s->profiles.n--;
        if (ext)
            s->ext.n--;
        goto fail;
    }
    p->cd = cd;
    if (cd)
        cd->profile = p;
    *out = p;
    return AMG_OK;
fail:
    sim_profile_free(p);
    return rc;
fail_args:
    json_decref(doc);
    json_decref(roles);
    return rc;
}

void sim_uset_profile_remove(struct sim_uset *s, struct sim_profile *p)
{
    if (p->cd)
        p->cd->profile = NULL;
    sim_strmap_del(s->profile_ids, p->id);
    sim_strmap_del(s->identities, p->identity_key);
    sim_uvec_remove(&s->profiles, p->pos, reindex_profile);
    if (strcmp(p->idp, SIM_IDP_CD) != 0)
        sim_uvec_remove(&s->ext, p->ext_pos, reindex_ext);
    sim_profile_free(p);
}
