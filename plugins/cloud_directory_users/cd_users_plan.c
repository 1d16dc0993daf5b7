/*
 * Dry run of the Cloud Directory users import: read the target's users
 * (GET /cloud_directory/Users, paged) into a set of e-mail and userName
 * keys, stream the snapshot and classify each selected user the way
 * /cloud_directory/import would treat it: created, refused because its
 * e-mail or userName is taken (skipped), or refused because it refers to a
 * role that is neither in the target nor created by this run (failed,
 * naming the role). Nothing is sent but GETs.
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "cd_users.h"
#include "cd_users_map.h"
#include "userplan.h"

#define LIST_PAGE 50
/* Bytes of a key; one that does not fit is "" (cdu_keys). */
#define KEY_MAX 400

_Static_assert(KEY_MAX <= AMGP_USERPLAN_KEY_MAX, "a key must fit the plan's buffer");

static void user_keys(json_t *scim, char buf[][AMGP_USERPLAN_KEY_MAX], const char **keys)
{
    cdu_keys(scim, buf[0], KEY_MAX, buf[1], KEY_MAX);
    keys[0] = buf[0];
    keys[1] = buf[1];
}

static void record_keys(json_t *rec, char buf[][AMGP_USERPLAN_KEY_MAX], const char **keys)
{
    user_keys(json_object_get(rec, "scimUser"), buf, keys);
}

/* Named as the operator knows the user: e-mail, else userName. */
static const char *user_name(json_t *rec, const char *const *keys)
{
    const char *id = cdu_original_id(rec);

    return keys[0][0] ? keys[0] + 2 : keys[1][0] ? keys[1] + 2
           : id ? id : "(no e-mail, userName or id)";
}

static const char *const why[] = {
    "already in the target (same e-mail): the import skips it",
    "already in the target (same userName): the import skips it",
};

static const struct amgp_userplan_kind users = {
    .path = "/cloud_directory/Users",
    .items_key = "Resources",
    .page = LIST_PAGE,
    .one = "user",
    .noun = "users",
    .target_noun = "Cloud Directory users",
    .object_size = KEY_MAX + 8,
    .nkeys = 2,
    .why = why,
    .selected = cdu_selected,
    .item_keys = user_keys,
    .record_keys = record_keys,
    .name = user_name,
};

int cdu_plan(const struct amg_host *h, struct amg_ctx *ctx)
{
    return amgp_userplan_run(h, ctx, &users);
}
