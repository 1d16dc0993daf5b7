/*
 * Dry runs of user collections (cloud_directory_users, user_profiles):
 * the target's users are read into a set of identity keys, then every
 * user of the snapshot is classified as "create" (no key in the target)
 * or "skip" (the import endpoint would refuse it as existing). A plan of
 * 100,000 users cannot list each: the first `listed` go through
 * host->plan one by one, the rest are counted with host->tally, which a
 * planning core adds to the plan without listing them.
 */
#ifndef AMGP_USERPLAN_H
#define AMGP_USERPLAN_H

#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"

#define AMGP_USERPLAN_LISTED 100
#define AMGP_USERPLAN_KEYS 2          /* identity keys of one user at most */
#define AMGP_USERPLAN_KEY_MAX 600     /* bytes of one identity key, NUL included */
#define AMGP_USERPLAN_OBJECT_MAX 640  /* bytes of a user's object name at most */

struct amgp_userplan {
    json_t *known;      /* owned: identity key -> true */
    long listed;        /* users reported one by one at most */
    long seen;          /* users classified */
    long create;        /* all users to create */
    long skip;          /* all users already in the target */
    long more_create;   /* of those, not listed one by one */
    long more_skip;
    long fail;          /* all users the import would refuse (missing role) */
    long more_fail;
};

/* An empty plan listing `listed` users one by one. AMG_ENOMEM. */
AMGP_HIDDEN int amgp_userplan_init(struct amgp_userplan *up, long listed);
AMGP_HIDDEN void amgp_userplan_free(struct amgp_userplan *up);

/* Remember one identity key of a user of the target ("" and NULL are
 * ignored). AMG_ENOMEM. */
AMGP_HIDDEN int amgp_userplan_known(struct amgp_userplan *up, const char *key);

/*
 * Classify a user of the snapshot by its identity keys (n of them, ""
 * or NULL for a key the user lacks). Returns the index of the first key
 * the target (or an earlier user of the snapshot) has: the import would
 * skip the user; or -1: it would create it, and its keys are remembered
 * so that a later duplicate is a skip. AMG_ENOMEM (< -1) on allocation
 * failure.
 */
AMGP_HIDDEN int amgp_userplan_classify(struct amgp_userplan *up, const char *const *keys,
                                       int n);

/* Report one classified user: host->plan for the first `listed`, then
 * host->tally. `object` names it ("user alice@example.com"); `detail` may
 * be NULL. Counts it in up->create / up->skip. */
AMGP_HIDDEN void amgp_userplan_report(const struct amg_host *h, struct amg_ctx *ctx,
                                      struct amgp_userplan *up, enum amg_outcome what,
                                      const char *object, const char *detail);

/* "... and 99900 more users: 99000 to create, 900 already in the target"
 * (", 5 would fail" added when some would) (`noun` plural, e.g. "users")
 * into out[size] when more users were classified than listed, else "". */
AMGP_HIDDEN void amgp_userplan_summary(const struct amgp_userplan *up, const char *noun,
                                       char *out, size_t size);

/* Log the plan's totals and, for users beyond the listed ones, the
 * summary line. */
AMGP_HIDDEN void amgp_userplan_finish(const struct amg_host *h, struct amg_ctx *ctx,
                                      const struct amgp_userplan *up, const char *noun);

/*
 * What tells one user collection's plan from another's. Every pointer is
 * borrowed and must outlive amgp_userplan_run().
 */
struct amgp_userplan_kind {
    const char *path;         /* the target's users, paged: "/users/export" */
    const char *items_key;    /* their array in a page: "users" */
    long page;                /* users per page */
    const char *one;          /* names a user in plan lines: "profile" */
    const char *noun;         /* users in the totals: "profiles" */
    /* NULL, or logged before the users are classified: "the target has
     * <n> <target_noun>; planning <selected>". */
    const char *target_noun;
    size_t object_size;       /* "<one> <name>" is cut to this, NUL included */
    int nkeys;                /* identity keys per user, 1 to AMGP_USERPLAN_KEYS */
    const char *const *why;   /* why[k]: the detail of a skip on key k */
    /* Nonzero when a record of the snapshot passes the run's filters. */
    int (*selected)(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec);
    /* The identity keys of a user of the target (item_keys) or of the
     * snapshot (record_keys): keys[i] points into buf[i], or is NULL or
     * "" for a key the user lacks. */
    void (*item_keys)(json_t *item, char buf[][AMGP_USERPLAN_KEY_MAX], const char **keys);
    void (*record_keys)(json_t *rec, char buf[][AMGP_USERPLAN_KEY_MAX], const char **keys);
    /* How the operator knows a record, from its keys or itself (borrowed
     * from either, never NULL). */
    const char *(*name)(json_t *rec, const char *const *keys);
};

/*
 * The dry run of a user collection's import: the target's users (GETs,
 * paged) by identity key, then each selected record of the snapshot
 * reported as created; skipped when a key is taken in the target or by an
 * earlier record; failed when it refers to a role neither in the target
 * nor created by this run. Logs the role check and the totals at the end.
 */
AMGP_HIDDEN int amgp_userplan_run(const struct amg_host *h, struct amg_ctx *ctx,
                                  const struct amgp_userplan_kind *kind);

#endif
