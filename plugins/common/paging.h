/*
 * Collections of users for the bundled plugins: paged reads (every page
 * after the first fetched concurrently through the core's pipeline, items
 * handed over in order) and batched imports into App ID's import
 * endpoints ({"users": [...]} in, {added, failed, failReasons} out).
 */
#ifndef AMGP_PAGING_H
#define AMGP_PAGING_H

#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"

struct amgp_pager {
    /* Path with its own query, e.g. "/users/export" or
     * "/cloud_directory/export?encryption_secret=..."; startIndex and
     * count are appended. */
    const char *path;
    const char *items_key;   /* "users" or "Resources" */
    long count;              /* page size */
    /* Called for every item, in server order; negative aborts. */
    int (*item)(void *ud, json_t *item);
    void *ud;
    int progress;            /* 1: report seen/total through host->progress */

    /* Filled in: */
    long total;              /* totalResults of the first page */
    long seen;               /* items handed to item() */
};

/* Fetch the first page only (sets total; items go to item()). */
AMGP_HIDDEN int amgp_pager_first(const struct amg_host *h, struct amg_ctx *ctx,
                                 struct amgp_pager *p);

/* Fetch every page concurrently for `total` items counted beforehand
 * (sets total), then read past the end as amgp_pager_rest() does. Saves
 * the round trip of a first page on its own. */
AMGP_HIDDEN int amgp_pager_counted(const struct amg_host *h, struct amg_ctx *ctx,
                                   struct amgp_pager *p, long total);

/* Fetch the remaining pages concurrently, then keep reading past the end
 * until a page is empty (items created meanwhile, servers counting from
 * 1). Call after amgp_pager_first(). */
AMGP_HIDDEN int amgp_pager_rest(const struct amg_host *h, struct amg_ctx *ctx,
                                struct amgp_pager *p);

struct amgp_import {
    const char *path;        /* e.g. "/users/import" */
    long batch;              /* users per request, <= 50 */
    /* Next user to import: 1 with a new reference in *item, 0 at the
     * end, negative to abort. */
    int (*next_item)(void *ud, json_t **item);
    /* Optional, used instead of next_item when the core passes request
     * bodies as text (ABI 1.5): 1 with the next user's JSON text in
     * *text (*len bytes, borrowed until the next call), 0 at the end,
     * negative to abort. Saves a parse and a dump per user. */
    int (*next_text)(void *ud, const char **text, size_t *len);
    void *ud;
    long total;              /* users to send, for host->progress; -1 unknown */

    /* Filled in (also tallied as CREATED, SKIPPED, FAILED): */
    long sent, created, skipped, failed;
};

/*
 * Send every user in batches, concurrently. A user the target refuses
 * because it exists already counts as skipped; other refusals go to
 * host->fail with the server's reason (the core logs the first ten one
 * by one; a count per reason is logged at the end). A batch whose outcome
 * is unknown is sent again: the endpoints refuse users that exist, so
 * nothing is doubled. Progress: answered users of imp->total.
 */
AMGP_HIDDEN int amgp_import_batches(const struct amg_host *h, struct amg_ctx *ctx,
                                    struct amgp_import *imp);

/* Number of records of the plugin's snapshot file for which keep()
 * returns 1 (every record when keep is NULL), read in one pass; when no
 * record filter is active, the manifest's count (host->records_total)
 * without reading: keep() must then select every valid record. */
AMGP_HIDDEN int amgp_records_count(const struct amg_host *h, struct amg_ctx *ctx,
                                   int (*keep)(const struct amg_host *h, struct amg_ctx *ctx,
                                               json_t *rec),
                                   long *n);

/*
 * Import the records of the plugin's snapshot file that keep() selects
 * (nonzero) through amgp_import_batches(): counts them into imp->total,
 * opens the file, hands them over one by one and closes it. With `raw`,
 * when the host passes records as text (ABI 1.5) and no record filter is
 * active, every record goes as the snapshot holds it, unparsed. The
 * caller sets imp->path and imp->batch; next_item, next_text, ud and
 * total are set here.
 */
AMGP_HIDDEN int amgp_import_records(const struct amg_host *h, struct amg_ctx *ctx,
                                    struct amgp_import *imp,
                                    int (*keep)(const struct amg_host *h, struct amg_ctx *ctx,
                                                json_t *rec),
                                    int raw);

/* Text of a failReason's "error" (string, or message/detail inside an
 * object) into buf[size]. */
AMGP_HIDDEN const char *amgp_reason_text(json_t *reason, char *buf, size_t size);

/* 1 when a failReason says the user exists already in the target. */
AMGP_HIDDEN int amgp_reason_is_duplicate(json_t *reason);

/* Pages after the first for `total` items in pages of `count`. */
AMGP_HIDDEN long amgp_pages_after_first(long total, long count);

#endif
