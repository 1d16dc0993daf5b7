/*
 * Role names carried by users (cloud_directory_users, user_profiles),
 * checked during a dry run: App ID's import refuses a user whose role is
 * not in the target ("unknown role"), so the plan says which users refer
 * to which missing role instead of promising to create them. A role is
 * there when the target has one of that name, or when this run creates
 * it: it is in the snapshot's roles and the roles plugin of this run put
 * its id into the id map (it does so while planning, too).
 */
#ifndef AMGP_USERROLES_H
#define AMGP_USERROLES_H

#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"

/* Users named per missing role in the summary. */
#define AMGP_USERROLES_NAMED 5

struct amgp_userroles {
    json_t *target;     /* owned: role name -> true, the target's roles */
    json_t *snapshot;   /* owned: role name -> old id, the snapshot's roles */
    json_t *missing;    /* owned: role name -> {"users": n, "names": [first few]} */
    long users;         /* users referring to at least one missing role */
};

/* GET /roles of the target and read the snapshot's roles (when the core
 * offers snapshot_read_of and the snapshot has them). Logged errors. */
AMGP_HIDDEN int amgp_userroles_load(const struct amg_host *h, struct amg_ctx *ctx,
                                    struct amgp_userroles *ur);
AMGP_HIDDEN void amgp_userroles_free(struct amgp_userroles *ur);

/*
 * Check the role names of one user (`roles`, an array of strings; NULL or
 * empty is fine) named `user` ("alice@example.com"). Writes the missing
 * names, quoted and comma-separated, into why[size] and returns how many
 * are missing (0: all there); AMG_ENOMEM.
 */
AMGP_HIDDEN int amgp_userroles_check(const struct amg_host *h, struct amg_ctx *ctx,
                                     struct amgp_userroles *ur, json_t *roles,
                                     const char *user, char *why, size_t size);

/* Log one line per missing role: how many users refer to it and the
 * first few of them. `noun` is plural ("users", "profiles"). */
AMGP_HIDDEN void amgp_userroles_finish(const struct amg_host *h, struct amg_ctx *ctx,
                                       const struct amgp_userroles *ur, const char *noun);

#endif
