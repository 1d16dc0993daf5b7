/*
 * The snapshot encryption key of a configuration (snapshot_encryption):
 * loads the secret from the environment variable or key file the config
 * names, derives the key and hands it to a snapshot writer or reader.
 * The secret is wiped and freed before these functions return.
 */
#ifndef AMG_SNAPSHOT_KEY_H
#define AMG_SNAPSHOT_KEY_H

#include "config.h"
#include "snapshot.h"

/* 1 if `cfg` (may be NULL) sets snapshot_encryption, else 0. */
int amg_snapshot_key_configured(const struct amg_config *cfg);

/* When cfg sets snapshot_encryption: loads the secret once and drops it,
 * so a missing one is found before a run starts. AMG_OK when not set;
 * AMG_ECONFIG (logged) when it cannot be loaded. */
int amg_snapshot_key_check(const struct amg_config *cfg);

/* When cfg sets snapshot_encryption: fresh salt, key derived from the
 * secret, amg_snapshot_encrypt(w, ...). Otherwise AMG_OK, nothing done.
 * AMG_ECONFIG (logged) when the secret cannot be loaded. */
int amg_snapshot_key_writer(const struct amg_config *cfg, struct amg_snapshot_writer *w);

/* For an encrypted snapshot `s`, the key from cfg's secret and the
 * manifest's parameters. AMG_OK at once for a plaintext snapshot. When
 * cfg sets no key: AMG_ENOTFOUND if `required` is 0 (not logged), else
 * AMG_ECONFIG with an error naming the snapshot. */
int amg_snapshot_key_reader(const struct amg_config *cfg, struct amg_snapshot *s,
                            int required);

#endif
