/*
 * The export hook (main thread) feeds a bounded queue; the validate hook
 * (this module's thread) drains it through records_next. Objects cross
 * threads by reference: jansson counts references atomically, and
 * neither side changes a record once it is written.
 *
 * The main thread also keeps a reference to each record until the hook
 * has moved past it, so that records are freed where they were allocated:
 * freeing them on the hook's thread made malloc take the main arena's lock
 * from both threads, and the export's main thread used 70 % more CPU.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "livecheck.h"
#include "error.h"
#include "host.h"
#include "log.h"
#include "mem.h"

/* Records the check may lag behind the export; bounds its memory. */
#define QUEUE_LEN 256
/* Records handed over per wake-up: waking the other thread for each one
 * cost more CPU than the checks (measured: 2.9 s for 100,000 users). */
#define BATCH 64
/* Problems kept to be logged by the export's thread; the rest counted. */
#define NOTES_MAX 20

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
    /* Main thread only, but `consumed`: see the top of the file. */
    json_t *held[QUEUE_LEN + 2];        /* owned references, by sequence */
    unsigned long fed, released;
    unsigned long consumed;             /* records handed to the hook */
    int ended;                          /* the writer closed the stream */
    int failed;                         /* the export stopped early */
    int hook_done;                      /* the hook returned */
    int opened;                         /* records_open calls */
    int read_to_end;                    /* next() reported the end */
    int unsupported;
    int hook_rc;
    long problems;
    json_t *doc;                        /* owned: the document written */
    int docs, doc_reads;
    char *notes[NOTES_MAX];             /* owned: problems to log */
    int nnotes;
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

/* Main thread: drop the references the hook no longer needs; `upto` is
 * the first sequence number to keep. */
static void release_held(struct amg_livecheck *lc, unsigned long upto)
{
    while (lc->released < upto && lc->released < lc->fed) {
        json_decref(lc->held[lc->released % (QUEUE_LEN + 2)]);
        lc->released++;
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
    /* Set before the thread exists: its first records_open reads it. */
    lc->started = 1;
    if (pthread_create(&lc->thread, NULL, run_hook, lc) != 0) {
        lc->started = 0;
        amg_debug("%s: no check during export: cannot start a thread", lc->desc->name);
        return 0;
    }
    return 1;
}

void amg_livecheck_feed(struct amg_livecheck *lc, json_t *rec)
{
    unsigned long consumed;
    int push;

    pthread_mutex_lock(&lc->lock);
    while (lc->count == QUEUE_LEN && !lc->hook_done)
        pthread_cond_wait(&lc->changed, &lc->lock);
    push = !lc->hook_done;
    if (push) {
        lc->queue[(lc->head + lc->count) % QUEUE_LEN] = json_incref(rec);
        lc->count++;
        if (lc->count == BATCH)
            pthread_cond_broadcast(&lc->changed);
    }
    consumed = lc->consumed;
    pthread_mutex_unlock(&lc->lock);
    /* The hook usually still holds the record it read last. */
    release_held(lc, consumed > 0 ? consumed - 1 : 0);
    if (push)
        lc->held[lc->fed++ % (QUEUE_LEN + 2)] = json_incref(rec);
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

/* Main thread, the hook done: its problems go to the log from here, where
 * they cannot cut through a progress line. */
static void log_notes(struct amg_livecheck *lc)
{
    int i;

    for (i = 0; i < lc->nnotes; i++)
        amg_warn("[%s] exported data will not validate: %s", lc->desc->name, lc->notes[i]);
    if (lc->problems > lc->nnotes)
        amg_warn("[%s] ... and %ld more problems (appid-migrate validate lists them all)",
                 lc->desc->name, lc->problems - lc->nnotes);
}

int amg_livecheck_finish(struct amg_livecheck *lc, long *problems)
{
    int complete;

    if (problems)
        *problems = 0;
    if (lc && !lc->started && lc->doc && lc->streams == 0 && lc->desc->validate_fn) {
        /* A document: checked here and now, it is small. */
        run_hook(lc);
        log_notes(lc);
        if (problems)
            *problems = lc->problems;
        complete = lc->hook_rc == AMG_OK && !lc->unsupported && lc->docs == 1 &&
                   lc->doc_reads == 1;
        if (!complete)
            amg_debug("%s: the check during export did not cover the document (hook %s); "
                      "an import validates it", lc->desc->name, amg_strerror(lc->hook_rc));
        return complete && lc->problems == 0;
    }
    if (!lc || !lc->started)
        return 0;
    /* An export hook that never closed its stream failed. */
    close_stream(lc, !lc->ended);
    pthread_join(lc->thread, NULL);
    lc->started = 0;
    release_held(lc, lc->fed);
    log_notes(lc);
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
    int i;

    if (!lc)
        return;
    if (lc->started) {
        close_stream(lc, 1);
        pthread_join(lc->thread, NULL);
    }
    release_held(lc, lc->fed);
    drain(lc);
    json_decref(lc->doc);
    for (i = 0; i < lc->nnotes; i++)
        amg_free(lc->notes[i]);
    pthread_cond_destroy(&lc->changed);
    pthread_mutex_destroy(&lc->lock);
    free(lc);
}

void amg_livecheck_doc(struct amg_livecheck *lc, json_t *doc)
{
    if (lc->docs++ > 0) {
        amg_livecheck_unsupported(lc, "a second document");
        return;
    }
    /* A copy: the plugin may change its document once it is written. */
    lc->doc = json_deep_copy(doc);
    if (!lc->doc)
        amg_livecheck_unsupported(lc, "a document it could not copy");
}

int amg_livecheck_read_doc(struct amg_livecheck *lc, json_t **doc)
{
    *doc = NULL;
    /* Checking records, the thread may run before the document exists. */
    if (lc->started || !lc->doc) {
        amg_livecheck_unsupported(lc, "snapshot_read");
        return AMG_EINVAL;
    }
    *doc = json_deep_copy(lc->doc);
    if (!*doc)
        return AMG_ENOMEM;
    lc->doc_reads++;
    return AMG_OK;
}

int amg_livecheck_open(struct amg_livecheck *lc)
{
    int first;

    /* Checking a document, no records will come. */
    if (!lc->started) {
        amg_livecheck_unsupported(lc, "records_open");
        return AMG_EINVAL;
    }

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
    /* Sleep until a batch is there (or the end): see BATCH. */
    if (lc->count == 0)
        while (lc->count < BATCH && !lc->ended)
            pthread_cond_wait(&lc->changed, &lc->lock);
    if (lc->count > 0) {
        *rec = lc->queue[lc->head];
        lc->head = (lc->head + 1) % QUEUE_LEN;
        lc->count--;
        lc->consumed++;
        /* The export waits only on a full queue; wake it with room for a
         * batch. */
        if (lc->count == QUEUE_LEN - BATCH)
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

void amg_livecheck_note(struct amg_livecheck *lc, const char *text)
{
    pthread_mutex_lock(&lc->lock);
    if (lc->nnotes < NOTES_MAX) {
        lc->notes[lc->nnotes] = amg_strdup(text);
        if (lc->notes[lc->nnotes])
            lc->nnotes++;
    }
    pthread_mutex_unlock(&lc->lock);
}
