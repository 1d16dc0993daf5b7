/*
 * Snapshot encryption at rest (libsodium).
 *
 * A secret (pass phrase from an environment variable or a key file) is
 * stretched into a 32-byte key with Argon2id; the salt and cost
 * parameters are stored in the snapshot manifest, never the secret or the
 * key. Files are encrypted with crypto_secretstream_xchacha20poly1305, in
 * chunks, so memory stays flat whatever the file size and a truncated,
 * reordered or modified file is detected.
 *
 * Sealed file layout (all chunks authenticated):
 *
 *   "AMGSEAL" 0x01                   8 bytes: magic and layout version
 *   secretstream header              24 bytes (random nonce)
 *   chunk*                           17 + n bytes each: ABYTES + ciphertext
 *
 * Every chunk holds n = AMG_SEAL_CHUNK plaintext bytes except the last,
 * which holds 0..AMG_SEAL_CHUNK bytes and carries TAG_FINAL (an empty file
 * is one empty final chunk). The first chunk is authenticated together
 * with the magic and the caller's `context` string (additional data), so
 * a sealed file only decrypts under the context it was written for: pass
 * the file's name inside the snapshot (e.g. "users.ndjson") and two
 * sealed files cannot be swapped without detection.
 *
 * Errors from decryption are AMG_ESNAPSHOT and name the file:
 *   "FILE: authentication failed (wrong key or tampered file)"
 *   "FILE: truncated (no final chunk)"
 *   "FILE: not a sealed file (bad magic)", "FILE: data after the final chunk"
 * A file cut inside a chunk cannot be told apart from a modified one and
 * reports "authentication failed".
 *
 * Integration outline. Export: amg_seal_load_secret() once; a fresh
 * amg_seal_params_init() per snapshot; amg_seal_derive_key(); one
 * amg_seal_writer per data file, fed where the snapshot writer now calls
 * fwrite() (context = the file's name); amg_seal_params_to_json() into
 * the manifest; amg_seal_key_wipe() and amg_seal_secret_free() when done.
 * Import and validate: amg_seal_params_from_json() from the manifest, the
 * same secret and derivation, then amg_seal_reader_getline() in place of
 * getline() for ndjson, or amg_seal_read() for whole documents.
 */
#ifndef AMG_SEAL_H
#define AMG_SEAL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

#define AMG_SEAL_KEY_BYTES 32
#define AMG_SEAL_SALT_BYTES 16
#define AMG_SEAL_CHUNK (64 * 1024)
#define AMG_SEAL_MIN_SECRET 8           /* bytes; shorter secrets are refused */
#define AMG_SEAL_ALG "xchacha20poly1305-secretstream"
#define AMG_SEAL_KDF "argon2id13"

/* Key derivation parameters; stored in the manifest as
 * {"alg":AMG_SEAL_ALG,"kdf":AMG_SEAL_KDF,"salt":"<32 hex>",
 *  "opslimit":N,"memlimit":N}. Contains nothing secret. */
struct amg_seal_params {
    unsigned char salt[AMG_SEAL_SALT_BYTES];
    unsigned long long opslimit;
    size_t memlimit;                    /* bytes */
};

/* A random salt and libsodium's INTERACTIVE limits (opslimit 2,
 * memlimit 64 MiB). Tests may lower opslimit/memlimit afterwards (to
 * crypto_pwhash_OPSLIMIT_MIN / MEMLIMIT_MIN). AMG_EIO if libsodium cannot
 * be initialised. */
int amg_seal_params_init(struct amg_seal_params *p);

/* New reference in *out (the manifest object above). */
int amg_seal_params_to_json(const struct amg_seal_params *p, json_t **out);

/* Parse and check the manifest object (borrowed). Unknown alg/kdf, a salt
 * that is not 32 hex digits, or limits outside libsodium's minimum and
 * this program's maximum (opslimit <= 16, memlimit <= 1 GiB, so a forged
 * manifest cannot make us allocate without bound) give AMG_ESNAPSHOT,
 * logged as "seal parameters: ...". */
int amg_seal_params_from_json(const json_t *j, struct amg_seal_params *p);

/* Argon2id13 of `secret` (len bytes, borrowed) with p's salt and limits
 * into key. AMG_ENOMEM when memlimit cannot be allocated. Wipe the key
 * with amg_seal_key_wipe() after use. */
int amg_seal_derive_key(const char *secret, size_t len, const struct amg_seal_params *p,
                        unsigned char key[AMG_SEAL_KEY_BYTES]);

/* sodium_memzero() of a key or any other buffer holding secret bytes. */
void amg_seal_key_wipe(void *buf, size_t len);

/*
 * The encryption secret, from the environment variable `env_name` or from
 * `key_file`: exactly one of them must be non-NULL (else AMG_EINVAL).
 * The key file must be a regular file that neither group nor others may
 * access (mode & 077 == 0), else AMG_ECONFIG naming the file and its mode;
 * it is opened without following a symlink. One trailing newline ("\n" or
 * "\r\n") is stripped. An unset variable, an empty secret, one shorter
 * than AMG_SEAL_MIN_SECRET bytes, longer than 4096 bytes or holding a NUL
 * byte is AMG_ECONFIG. The secret is registered with amg_log_add_secret().
 * On success *secret is a new NUL-terminated string of *len bytes; free it
 * with amg_seal_secret_free(), which wipes it.
 */
int amg_seal_load_secret(const char *env_name, const char *key_file, char **secret,
                         size_t *len);
void amg_seal_secret_free(char *secret, size_t len);

/* ---- streaming ---- */

struct amg_seal_writer;
struct amg_seal_reader;

/*
 * Encrypt into `dst` (borrowed: the caller flushes, syncs and closes it
 * after amg_seal_writer_close()). Writes magic and header at once.
 * `name` (copied) names the file in errors; `context` (copied, NULL =
 * "") is bound to the file as described above. The key is not kept.
 */
int amg_seal_writer_new(FILE *dst, const char *name, const char *context,
                        const unsigned char key[AMG_SEAL_KEY_BYTES],
                        struct amg_seal_writer **out);

/* Buffer and encrypt len bytes; full chunks go to dst as they fill.
 * After a failure every later call returns that failure. */
int amg_seal_write(struct amg_seal_writer *w, const void *buf, size_t len);

/* Write the final chunk and free the writer (whatever it returns).
 * Without close the file has no final chunk and will not decrypt. */
int amg_seal_writer_close(struct amg_seal_writer *w);

/* Free without finishing (abandoned file). NULL is a no-op. */
void amg_seal_writer_free(struct amg_seal_writer *w);

/*
 * Decrypt from `src` (borrowed; the caller closes it after freeing the
 * reader). Reads and checks the magic and the header at once. `name` and
 * `context` as for the writer. Plaintext is only ever handed out after
 * its chunk authenticated; the end is only reported after the final
 * chunk authenticated and nothing follows it.
 */
int amg_seal_reader_new(FILE *src, const char *name, const char *context,
                        const unsigned char key[AMG_SEAL_KEY_BYTES],
                        struct amg_seal_reader **out);

/* Up to cap bytes into buf; *n = 0 only at the (authenticated) end.
 * Errors are sticky. */
int amg_seal_read(struct amg_seal_reader *r, void *buf, size_t cap, size_t *n);

/* Like getline(3) on the plaintext: the next line including its '\n'
 * (the last line may lack it) into *line, grown with realloc as needed
 * (the caller frees it). Returns the line length (> 0), 0 at the
 * authenticated end, or a negative AMG_E* status. */
ssize_t amg_seal_reader_getline(struct amg_seal_reader *r, char **line, size_t *cap);

void amg_seal_reader_free(struct amg_seal_reader *r);

/* ---- whole files ---- */

/*
 * Encrypt/decrypt the file `src` into `dst`, which is created 0600 and
 * must not exist (AMG_EEXIST; nothing is ever overwritten). Output goes
 * to a temporary file next to dst, synced and renamed into place only on
 * success, so a failed decryption leaves no partial plaintext behind.
 */
int amg_seal_encrypt_file(const char *src, const char *dst, const char *context,
                          const unsigned char key[AMG_SEAL_KEY_BYTES]);
int amg_seal_decrypt_file(const char *src, const char *dst, const char *context,
                          const unsigned char key[AMG_SEAL_KEY_BYTES]);

#endif
