/*
 * The export hook (main thread) feeds a bounded queue; the validate hook
 * (this module's thread) drains it through records_next. Objects cross
 * threads by reference: jansson counts references atomically, and
 * neither side changes a record once it is written.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "livecheck.h"
#include "error.h"
#include "host.h"
#include "log.h"

/* Records the check may lag behind the export; bounds its memory. */
#define QUEUE_LEN 256

struct amg_livecheck {
    const struct amg_plugin *desc;      /* borrowed */
    const struct amg_config *cfg;       /* borrowed */
    pthread_t thread;
    int started;                        /* thread running or joined */
    int streams;                        /* records_create calls seen */
    pthread_mutex_t lock;
    pthread_cond_t changed;             /* any of the fields below */
    json_t *queue[QUEUE_LEN];           /* owned references */
    size_t head, count;
    int ended;                          /* the writer closed the stream */
    int failed;                         /* the export stopped early */
    int hook_done;                      /* the hook returned */
    int opened;                         /* records_open calls */
    int read_to_end;                    /* next() reported the end */
    int unsupported;
    int hook_rc;
    long problems;
};

int amg_livecheck_new(const struct amg_plugin *desc, const struct amg_config *cfg,
                      struct amg_livecheck **out)
{
    struct amg_livecheck *lc = calloc(1, sizeof(*lc));

    *out = NULL;
    if (!lc)
        return AMG_ENOMEM;
    lc->desc = desc;
    lc->cfg = cfg;
    if (pthread_mutex_init(&lc->lock, NULL) != 0) {
        free(lc);
        return AMG_ENOMEM;
    }
    if (pthread_cond_init(&lc->changed, NULL) != 0) {
        pthread_mutex_destroy(&lc->lock);
        free(lc);
        return AMG_ENOMEM;
    }
    *out = lc;
    return AMG_OK;
}

static void drain(struct amg_livecheck *lc)
{
    while (lc->count > 0) {
        json_decref(lc->queue[lc->head]);
        lc->head = (lc->head + 1) % QUEUE_LEN;
        lc->count--;
    }
}

static void *run_hook(void *arg)
{
    struct amg_livecheck *lc = arg;
    struct amg_ctx ctx;
    int rc;

    amg_ctx_init(&ctx, AMG_PHASE_VALIDATE, lc->desc->name);
    ctx.cfg = lc->cfg;
    ctx.livecheck = lc;
    rc = lc->desc->validate_fn(amg_host_table(), &ctx);
    pthread_mutex_lock(&lc->lock);
    lc->hook_done = 1;
    lc->hook_rc = rc;
    lc->problems = ctx.problems;
    /* The export must not wait for a reader that is gone. */
    drain(lc);
    pthread_cond_broadcast(&lc->changed);
    pthread_mutex_unlock(&lc->lock);
    amg_ctx_clear(&ctx);
    return NULL;
}

int amg_livecheck_begin(struct amg_livecheck *lc)
{
    if (lc->streams++ > 0) {
        amg_livecheck_unsupported(lc, "a second records stream");
        return 0;
    }
    if (!lc->desc->validate_fn)
        return 0;
    if (pthread_create(&lc->thread, NULL, run_hook, lc) != 0) {
        amg_debug("%s: no check during export: cannot start a thread", lc->desc->name);
        return 0;
    }
    lc->started = 1;
    return 1;
}

void amg_livecheck_feed(struct amg_livecheck *lc, json_t *rec)
{
    pthread_mutex_lock(&lc->lock);
    while (lc->count == QUEUE_LEN && !lc->hook_done)
        pthread_cond_wait(&lc->changed, &lc->lock);
    if (!lc->hook_done) {
        lc->queue[(lc->head + lc->count) % QUEUE_LEN] = json_incref(rec);
        lc->count++;
        pthread_cond_broadcast(&lc->changed);
    }
    pthread_mutex_unlock(&lc->lock);
}

static void close_stream(struct amg_livecheck *lc, int failed)
{
    pthread_mutex_lock(&lc->lock);
    lc->ended = 1;
    lc->failed |= failed;
    pthread_cond_broadcast(&lc->changed);
    pthread_mutex_unlock(&lc->lock);
}

void amg_livecheck_end(struct amg_livecheck *lc, int failed)
{
    close_stream(lc, failed);
}

int amg_livecheck_finish(struct amg_livecheck *lc, long *problems)
{
    int complete;

    if (problems)
        *problems = 0;
    if (!lc || !lc->started)
        return 0;
    /* An export hook that never closed its stream failed. */
    close_stream(lc, !lc->ended);
    pthread_join(lc->thread, NULL);
    lc->started = 0;
    if (problems)
        *problems = lc->problems;
    complete = lc->hook_rc == AMG_OK && lc->read_to_end && !lc->unsupported &&
               !lc->failed && lc->streams == 1 && lc->opened == 1;
    if (!complete)
        amg_debug("%s: the check during export did not cover the whole stream (hook %s); "
                  "an import validates it", lc->desc->name, amg_strerror(lc->hook_rc));
    return complete && lc->problems == 0;
}

void amg_livecheck_free(struct amg_livecheck *lc)
{
    if (!lc)
        return;
    if (lc->started) {
        close_stream(lc, 1);
        pthread_join(lc->thread, NULL);
    }
    drain(lc);
    pthread_cond_destroy(&lc->changed);
    pthread_mutex_destroy(&lc->lock);
    free(lc);
}

int amg_livecheck_open(struct amg_livecheck *lc)
{
    int first;

    pthread_mutex_lock(&lc->lock);
    first = lc->opened++ == 0;
    pthread_mutex_unlock(&lc->lock);
    if (!first) {
        amg_livecheck_unsupported(lc, "records_open twice");
        return AMG_EINVAL;
    }
    return AMG_OK;
}

int amg_livecheck_next(struct amg_livecheck *lc, json_t **rec)
{
    int rc;

    *rec = NULL;
    pthread_mutex_lock(&lc->lock);
    while (lc->count == 0 && !lc->ended)
        pthread_cond_wait(&lc->changed, &lc->lock);
    if (lc->count > 0) {
        *rec = lc->queue[lc->head];
        lc->head = (lc->head + 1) % QUEUE_LEN;
        lc->count--;
        pthread_cond_broadcast(&lc->changed);
        rc = 1;
    } else if (lc->failed) {
        rc = AMG_EIO;
    } else {
        lc->read_to_end = 1;
        rc = 0;
    }
    pthread_mutex_unlock(&lc->lock);
    return rc;
}

void amg_livecheck_unsupported(struct amg_livecheck *lc, const char *what)
{
    pthread_mutex_lock(&lc->lock);
    lc->unsupported = 1;
    pthread_mutex_unlock(&lc->lock);
    amg_debug("%s: no check during export: the validate hook uses %s", lc->desc->name, what);
}
