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
#include "paging.h"
#include "userplan.h"
#include "userroles.h"

#define LIST_PAGE 50
#define KEY_MAX 400

static int remember(void *ud, json_t *user)
{
    struct amgp_userplan *up = ud;
    char ekey[KEY_MAX], ukey[KEY_MAX];

    cdu_keys(user, ekey, sizeof(ekey), ukey, sizeof(ukey));
    if (amgp_userplan_known(up, ekey) < 0 || amgp_userplan_known(up, ukey) < 0)
        return AMG_ENOMEM;
    return AMG_OK;
}

/* Classify and report one user of the snapshot. */
static int plan_user(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_userplan *up,
                     struct amgp_userroles *ur, json_t *rec)
{
    static const char *const why[] = {
        "already in the target (same e-mail): the import skips it",
        "already in the target (same userName): the import skips it",
    };
    char ekey[KEY_MAX], ukey[KEY_MAX], object[KEY_MAX + 8];
    char missing[300], detail[400];
    const char *keys[2] = { ekey, ukey };
    const char *id = cdu_original_id(rec);
    int k, m;

    cdu_keys(json_object_get(rec, "scimUser"), ekey, sizeof(ekey), ukey, sizeof(ukey));
    /* Named as the operator knows the user: e-mail, else userName. */
    snprintf(object, sizeof(object), "user %s", ekey[0] ? ekey + 2 : ukey[0] ? ukey + 2
             : id ? id : "(no e-mail, userName or id)");
    k = amgp_userplan_classify(up, keys, 2);
    if (k < -1)
        return AMG_ENOMEM;
    if (k >= 0) {
        amgp_userplan_report(h, ctx, up, AMG_OUT_SKIPPED, object, why[k]);
        return AMG_OK;
    }
    m = amgp_userroles_check(h, ctx, ur, json_object_get(rec, "roles"), object + 5,
                             missing, sizeof(missing));
    if (m < 0)
        return AMG_ENOMEM;
    if (m > 0) {
        snprintf(detail, sizeof(detail), "role%s %s neither in the target nor created by this "
                 "run: the import would refuse the user", m > 1 ? "s" : "", missing);
        amgp_userplan_report(h, ctx, up, AMG_OUT_FAILED, object, detail);
    } else {
        amgp_userplan_report(h, ctx, up, AMG_OUT_CREATED, object, NULL);
    }
    return AMG_OK;
}

int cdu_plan(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amgp_userplan up;
    struct amgp_userroles ur;
    struct amgp_pager p;
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    long total = -1, done = 0;
    int rc;

    memset(&ur, 0, sizeof(ur));
    rc = amgp_userplan_init(&up, AMGP_USERPLAN_LISTED);
    if (rc < 0)
        return rc;
    rc = amgp_userroles_load(h, ctx, &ur);
    if (rc < 0)
        goto out;
    memset(&p, 0, sizeof(p));
    p.path = "/cloud_directory/Users";
    p.items_key = "Resources";
    p.count = LIST_PAGE;
    p.item = remember;
    p.ud = &up;
    rc = amgp_pager_first(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_pager_rest(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_records_count(h, ctx, cdu_selected, &total);
    if (rc == AMG_OK)
        rc = h->records_open(ctx, &in);
    if (rc < 0)
        goto out;
    h->log(ctx, AMG_LOG_INFO, "the target has %ld Cloud Directory users; planning %ld", p.seen,
           total);
    while ((rc = h->records_next(in, &rec)) == 1) {
        if (cdu_selected(h, ctx, rec) == 1) {
            rc = plan_user(h, ctx, &up, &ur, rec);
            if (rc < 0)
                break;
            amgp_progress(h, ctx, ++done, total);
        }
        json_decref(rec);
        rec = NULL;
    }
    if (rc == 0) {
        amgp_userroles_finish(h, ctx, &ur, "users");
        amgp_userplan_finish(h, ctx, &up, "users");
    }
out:
    amgp_userroles_free(&ur);
    json_decref(rec);
    if (in)
        h->records_close(in);
    amgp_userplan_free(&up);
    return rc < 0 ? rc : AMG_OK;
}
