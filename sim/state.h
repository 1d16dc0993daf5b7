/*
 * --state FILE: all tenants saved as
 *   {"format":"appid-sim-state","version":1,"tenants":{id:{...}}}
 * loaded at start and written at a clean exit.
 */
#ifndef SIM_STATE_H
#define SIM_STATE_H

struct sim_tenants;

/*
 * Add every tenant stored in `path` to `t`. Returns 0, AMG_ENOTFOUND when
 * the file does not exist (a first run), or AMG_ESNAPSHOT when it cannot
 * be read or is not a valid state file (logged with the file name).
 */
int sim_state_load(const char *path, struct sim_tenants *t);

/*
 * Write all tenants to `path` atomically: a temporary file in the same
 * directory, mode 0600, fsync, rename. Returns 0 or AMG_EIO (logged).
 */
int sim_state_save(const char *path, struct sim_tenants *t);

#endif
