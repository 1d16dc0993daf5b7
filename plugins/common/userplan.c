#include <stdio.h>
#include <string.h>
#include "userplan.h"

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
