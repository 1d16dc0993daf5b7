#include <stdio.h>
#include <string.h>
#include "paging.h"
#include "userplan.h"
#include "userroles.h"

int amgp_userplan_init(struct amgp_userplan *up, long listed)
{
    memset(up, 0, sizeof(*up));
    up->listed = listed;
    up->known = json_object();
    return up->known ? AMG_OK : AMG_ENOMEM;
}

void amgp_userplan_free(struct amgp_userplan *up)
{
    json_decref(up->known);
    up->known = NULL;
}

int amgp_userplan_known(struct amgp_userplan *up, const char *key)
{
    if (!key || !key[0])
        return AMG_OK;
    return json_object_set_new(up->known, key, json_true()) == 0 ? AMG_OK : AMG_ENOMEM;
}

int amgp_userplan_classify(struct amgp_userplan *up, const char *const *keys, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (keys[i] && keys[i][0] && json_object_get(up->known, keys[i]))
            return i;
    }
    for (i = 0; i < n; i++) {
        if (amgp_userplan_known(up, keys[i]) < 0)
            return AMG_ENOMEM;
    }
    return -1;
}

void amgp_userplan_report(const struct amg_host *h, struct amg_ctx *ctx,
                          struct amgp_userplan *up, enum amg_outcome what, const char *object,
                          const char *detail)
{
    int listed = up->seen < up->listed;

    up->seen++;
    if (what == AMG_OUT_CREATED) {
        up->create++;
        up->more_create += !listed;
    } else if (what == AMG_OUT_SKIPPED) {
        up->skip++;
        up->more_skip += !listed;
    } else if (what == AMG_OUT_FAILED) {
        up->fail++;
        up->more_fail += !listed;
    }
    if (listed)
        amgp_outcome(h, ctx, what, object, detail);
    else
        h->tally(ctx, what, 1);
}

void amgp_userplan_summary(const struct amgp_userplan *up, const char *noun, char *out,
                           size_t size)
{
    long more = up->seen > up->listed ? up->seen - up->listed : 0;

    if (size == 0)
        return;
    out[0] = '\0';
    if (more > 0 && up->more_fail > 0)
        snprintf(out, size, "... and %ld more %s: %ld to create, %ld already in the target, "
                 "%ld would fail", more, noun, up->more_create, up->more_skip, up->more_fail);
    else if (more > 0)
        snprintf(out, size, "... and %ld more %s: %ld to create, %ld already in the target",
                 more, noun, up->more_create, up->more_skip);
}

void amgp_userplan_finish(const struct amg_host *h, struct amg_ctx *ctx,
                          const struct amgp_userplan *up, const char *noun)
{
    char line[200];

    amgp_userplan_summary(up, noun, line, sizeof(line));
    if (line[0])
        h->log(ctx, AMG_LOG_INFO, "%s", line);
    if (up->fail > 0)
        h->log(ctx, AMG_LOG_INFO, "plan: %ld %s, %ld to create, %ld already in the target, "
               "%ld would fail", up->seen, noun, up->create, up->skip, up->fail);
    else
        h->log(ctx, AMG_LOG_INFO, "plan: %ld %s, %ld to create, %ld already in the target",
               up->seen, noun, up->create, up->skip);
}

struct plan_run {
    const struct amgp_userplan_kind *kind;
    struct amgp_userplan up;
    struct amgp_userroles ur;
};

static int remember(void *ud, json_t *item)
{
    struct plan_run *r = ud;
    char buf[AMGP_USERPLAN_KEYS][AMGP_USERPLAN_KEY_MAX];
    const char *keys[AMGP_USERPLAN_KEYS] = { NULL };
    int i;

    r->kind->item_keys(item, buf, keys);
    for (i = 0; i < r->kind->nkeys; i++) {
        if (amgp_userplan_known(&r->up, keys[i]) < 0)
            return AMG_ENOMEM;
    }
    return AMG_OK;
}

/* Classify and report one selected record of the snapshot. */
static int plan_one(const struct amg_host *h, struct amg_ctx *ctx, struct plan_run *r,
                    json_t *rec)
{
    const struct amgp_userplan_kind *kind = r->kind;
    char buf[AMGP_USERPLAN_KEYS][AMGP_USERPLAN_KEY_MAX];
    const char *keys[AMGP_USERPLAN_KEYS] = { NULL };
    char object[AMGP_USERPLAN_OBJECT_MAX], missing[300], detail[400];
    size_t osize = kind->object_size < sizeof(object) ? kind->object_size : sizeof(object);
    size_t prefix = strlen(kind->one) + 1;
    int k, m;

    kind->record_keys(rec, buf, keys);
    snprintf(object, osize, "%s %s", kind->one, kind->name(rec, keys));
    k = amgp_userplan_classify(&r->up, keys, kind->nkeys);
    if (k < -1)
        return AMG_ENOMEM;
    if (k >= 0) {
        amgp_userplan_report(h, ctx, &r->up, AMG_OUT_SKIPPED, object, kind->why[k]);
        return AMG_OK;
    }
    /* The role check names the user as the plan line does, without `one`. */
    m = amgp_userroles_check(h, ctx, &r->ur, json_object_get(rec, "roles"),
                             prefix < osize ? object + prefix : "", missing, sizeof(missing));
    if (m < 0)
        return AMG_ENOMEM;
    if (m > 0) {
        snprintf(detail, sizeof(detail), "role%s %s neither in the target nor created by this "
                 "run: the import would refuse the %s", m > 1 ? "s" : "", missing, kind->one);
        amgp_userplan_report(h, ctx, &r->up, AMG_OUT_FAILED, object, detail);
    } else {
        amgp_userplan_report(h, ctx, &r->up, AMG_OUT_CREATED, object, NULL);
    }
    return AMG_OK;
}

int amgp_userplan_run(const struct amg_host *h, struct amg_ctx *ctx,
                      const struct amgp_userplan_kind *kind)
{
    struct plan_run r;
    struct amgp_pager p;
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    long total = -1, done = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    r.kind = kind;
    rc = amgp_userplan_init(&r.up, AMGP_USERPLAN_LISTED);
    if (rc < 0)
        return rc;
    rc = amgp_userroles_load(h, ctx, &r.ur);
    if (rc < 0)
        goto out;
    memset(&p, 0, sizeof(p));
    p.path = kind->path;
    p.items_key = kind->items_key;
    p.count = kind->page;
    p.item = remember;
    p.ud = &r;
    rc = amgp_pager_first(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_pager_rest(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_records_count(h, ctx, kind->selected, &total);
    if (rc == AMG_OK)
        rc = h->records_open(ctx, &in);
    if (rc < 0)
        goto out;
    if (kind->target_noun)
        h->log(ctx, AMG_LOG_INFO, "the target has %ld %s; planning %ld", p.seen,
               kind->target_noun, total);
    while ((rc = h->records_next(in, &rec)) == 1) {
        if (kind->selected(h, ctx, rec)) {
            rc = plan_one(h, ctx, &r, rec);
            if (rc < 0)
                break;
            amgp_progress(h, ctx, ++done, total);
        }
        json_decref(rec);
        rec = NULL;
    }
    if (rc == 0) {
        amgp_userroles_finish(h, ctx, &r.ur, kind->noun);
        amgp_userplan_finish(h, ctx, &r.up, kind->noun);
    }
out:
    amgp_userroles_free(&r.ur);
    json_decref(rec);
    if (in)
        h->records_close(in);
    amgp_userplan_free(&r.up);
    return rc < 0 ? rc : AMG_OK;
}
