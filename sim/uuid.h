/*
 * Server-generated identifiers of appid-sim: App ID uses GUID strings for
 * clientIds, role ids and user ids (reference section 7).
 */
#ifndef SIM_UUID_H
#define SIM_UUID_H

#include <stddef.h>

#define SIM_UUID_LEN 36

/* Write a random (version 4) UUID, lowercase, NUL-terminated, into `out`
 * (at least SIM_UUID_LEN + 1 bytes). Returns 0 or AMG_EIO when the random
 * generator fails. */
int sim_uuid_v4(char *out);

/* Write `n` random bytes as 2n lowercase hex digits plus NUL into `out`
 * (2n + 1 bytes), e.g. for client secrets. Returns 0 or AMG_EIO. */
int sim_random_hex(char *out, size_t n);

#endif
