/*
 * Cloud Directory passwords in appid-sim.
 *
 * Stored form: salted PBKDF2-HMAC-SHA512 (random 16-byte salt, 64-byte
 * hash, iteration count per record so that records imported from a sim
 * run with another --pbkdf2-iterations still verify). Its text form, used
 * in the state file and inside exported passwordHash values, is
 *
 *     pbkdf2-sha512$<iterations>$<base64 salt>$<base64 hash>
 *
 * Export form (passwordHash of GET /cloud_directory/export): the text
 * form sealed with AES-256-GCM and base64-encoded:
 *
 *     base64( 0x01 | nonce[12] | ciphertext | tag[16] ),  AAD "appid-sim-pwhash-v1"
 *
 * with key = PBKDF2-HMAC-SHA256(encryption_secret, salt
 * "appid-sim/passwordHash/v1", 10000 iterations, 32 bytes). The key
 * depends on the secret only, so any sim decrypts what another exported
 * with the same secret; a wrong secret fails the GCM tag check.
 */
#ifndef SIM_PASSWORD_H
#define SIM_PASSWORD_H

#include <stddef.h>

#define SIM_PW_ALG "PBKDF2WithHmacSHA512"
#define SIM_PW_DEFAULT_ITERATIONS 10000u
#define SIM_PW_MAX_ITERATIONS 10000000u
#define SIM_PW_SALT_LEN 16
#define SIM_PW_SALT_MIN 8
#define SIM_PW_SALT_MAX 64
#define SIM_PW_HASH_LEN 64
#define SIM_EXPORT_KEY_LEN 32
/* Longest password accepted (bytes), to bound the work per request. */
#define SIM_PW_MAX_LEN 1024

struct sim_pwhash {
    unsigned iterations;
    size_t salt_len;
    unsigned char salt[SIM_PW_SALT_MAX];
    unsigned char hash[SIM_PW_HASH_LEN];
};

/* Hash `password` with a fresh random salt. Returns 0, AMG_EINVAL (no
 * password, too long, iterations out of range) or AMG_EIO (RNG/crypto). */
int sim_password_hash(const char *password, unsigned iterations, struct sim_pwhash *out);

/* Same with a given salt (known-answer tests). */
int sim_password_hash_salted(const char *password, unsigned iterations,
                             const unsigned char *salt, size_t salt_len,
                             struct sim_pwhash *out);

/* 1 when `password` matches `h` (constant-time compare), else 0. */
int sim_password_verify(const struct sim_pwhash *h, const char *password);

/* Text form of `h`; new string or NULL on allocation failure. */
char *sim_pwhash_format(const struct sim_pwhash *h);

/* Parse the text form. Returns 0 or AMG_EINVAL. */
int sim_pwhash_parse(const char *text, struct sim_pwhash *out);

/*
 * Export key of `secret` (non-empty). Derivations are cached per process
 * (a few entries, keyed by SHA-256 of the secret) because every export
 * page and import batch needs the key and PBKDF2 costs milliseconds.
 * Returns 0, AMG_EINVAL, AMG_EIO.
 */
int sim_export_key(const char *secret, unsigned char key[SIM_EXPORT_KEY_LEN]);

/* Seal `h` under `key`; *out is a new base64 string. 0, AMG_EIO, AMG_ENOMEM. */
int sim_pwhash_seal(const unsigned char key[SIM_EXPORT_KEY_LEN], const struct sim_pwhash *h,
                    char **out);

/*
 * Open a sealed passwordHash. Returns 0; AMG_EAUTH when the value is
 * well-formed but does not authenticate under `key` (wrong secret or
 * tampered); AMG_EINVAL when it is not a sealed record at all.
 */
int sim_pwhash_unseal(const unsigned char key[SIM_EXPORT_KEY_LEN], const char *sealed,
                      struct sim_pwhash *out);

#endif
