/*
 * --state FILE: all tenants saved as
 *   {"format":"appid-sim-state","version":2,"tenants":{id:{...}},
 *    "users":{id:{...}}}
 * loaded at start and written at a clean exit. "users" holds the Cloud
 * Directory users and profiles (users_persist.h); version 1 files, which
 * have no users, still load.
 */
#ifndef SIM_STATE_H
#define SIM_STATE_H

struct sim_tenants;
struct sim_users;

/*
 * Add every tenant stored in `path` to `t`. Returns 0, AMG_ENOTFOUND when
 * the file does not exist (a first run), or AMG_ESNAPSHOT when it cannot
 * be read or is not a valid state file (logged with the file name).
 */
int sim_state_load(const char *path, struct sim_tenants *t);

/* Same, also loading users and profiles into `u` (may be NULL: skipped).
 * Users of a tenant the file does not hold make the file invalid. */
int sim_state_load_all(const char *path, struct sim_tenants *t, struct sim_users *u);

/*
 * Write all tenants to `path` atomically: a temporary file in the same
 * directory, mode 0600, fsync, rename. Returns 0 or AMG_EIO (logged).
 */
int sim_state_save(const char *path, struct sim_tenants *t);

/* Same, with the users and profiles of `u` (may be NULL: none saved). */
int sim_state_save_all(const char *path, struct sim_tenants *t, struct sim_users *u);

#endif
