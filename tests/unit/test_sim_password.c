/*
 * appid-sim's password module: PBKDF2 hashing (known-answer vector),
 * verification, the text form of hash records, the export key and the
 * sealed passwordHash of CD export/import.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "codec.h"
#include "password.h"
#include "testutil.h"

static void to_hex(const unsigned char *in, size_t len, char *out)
{
    size_t i;

    for (i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
}

/* PBKDF2-HMAC-SHA512, P="passwordPASSWORDpassword",
 * S="saltSALTsaltSALTsaltSALTsaltSALTsalt", c=4096, dkLen=64: the
 * published test vector for SHA-512. */
static void test_known_vector(void)
{
    static const char salt[] = "saltSALTsaltSALTsaltSALTsaltSALTsalt";
    struct sim_pwhash h;
    char hex[2 * SIM_PW_HASH_LEN + 1];

    CU_ASSERT_EQUAL_FATAL(sim_password_hash_salted("passwordPASSWORDpassword", 4096,
                                                   (const unsigned char *)salt,
                                                   strlen(salt), &h), AMG_OK);
    to_hex(h.hash, SIM_PW_HASH_LEN, hex);
    CU_ASSERT_STRING_EQUAL(hex,
                           "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71"
                           "115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b8");
    CU_ASSERT_EQUAL(h.iterations, 4096);
    CU_ASSERT_EQUAL(h.salt_len, strlen(salt));
    CU_ASSERT_TRUE(sim_password_verify(&h, "passwordPASSWORDpassword"));
    CU_ASSERT_FALSE(sim_password_verify(&h, "passwordPASSWORDpassworD"));
}

static void test_hash_and_verify(void)
{
    struct sim_pwhash a, b;

    CU_ASSERT_EQUAL_FATAL(sim_password_hash("s3cret!", 50, &a), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(sim_password_hash("s3cret!", 50, &b), AMG_OK);
    CU_ASSERT_EQUAL(a.salt_len, SIM_PW_SALT_LEN);
    /* Fresh salts: the same password never hashes the same twice. */
    CU_ASSERT_NOT_EQUAL(memcmp(a.salt, b.salt, SIM_PW_SALT_LEN), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a.hash, b.hash, SIM_PW_HASH_LEN), 0);
    CU_ASSERT_TRUE(sim_password_verify(&a, "s3cret!"));
    CU_ASSERT_TRUE(sim_password_verify(&b, "s3cret!"));
    CU_ASSERT_FALSE(sim_password_verify(&a, "s3cret"));
    CU_ASSERT_FALSE(sim_password_verify(&a, ""));
    /* The iteration count is part of the record. */
    a.iterations = 51;
    CU_ASSERT_FALSE(sim_password_verify(&a, "s3cret!"));
    CU_ASSERT_EQUAL(sim_password_hash("x", 0, &a), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_password_hash("x", SIM_PW_MAX_ITERATIONS + 1, &a), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_password_hash(NULL, 1, &a), AMG_EINVAL);
}

static void test_text_form(void)
{
    static const char *const bad[] = {
        "",
        "pbkdf2-sha512$",
        "pbkdf2-sha256$10$c2FsdHNhbHQ=$AAAA",
        "pbkdf2-sha512$0$c2FsdHNhbHQ=$",
        "pbkdf2-sha512$-1$c2FsdHNhbHQ=$",
        "pbkdf2-sha512$ten$c2FsdHNhbHQ=$",
        "pbkdf2-sha512$10$c2FsdA==$",              /* salt of 4 bytes */
        "pbkdf2-sha512$10$c2FsdHNhbHQ=$AAAA",      /* hash of 3 bytes */
        "pbkdf2-sha512$10$c2FsdHNhbHQ=",
        "pbkdf2-sha512$10$not base64$AAAA",
        NULL
    };
    struct sim_pwhash h, back;
    char *text;
    size_t i, len;

    CU_ASSERT_EQUAL_FATAL(sim_password_hash("pw", 7, &h), AMG_OK);
    text = sim_pwhash_format(&h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(strncmp(text, "pbkdf2-sha512$7$", 16), 0);
    CU_ASSERT_EQUAL(sim_pwhash_parse(text, &back), AMG_OK);
    CU_ASSERT_EQUAL(back.iterations, 7);
    CU_ASSERT_EQUAL(back.salt_len, h.salt_len);
    CU_ASSERT_EQUAL(memcmp(back.salt, h.salt, h.salt_len), 0);
    CU_ASSERT_EQUAL(memcmp(back.hash, h.hash, SIM_PW_HASH_LEN), 0);
    CU_ASSERT_TRUE(sim_password_verify(&back, "pw"));
    /* A trailing separator is one field too many. */
    len = strlen(text);
    text = realloc(text, len + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    text[len] = '$';
    text[len + 1] = '\0';
    CU_ASSERT_EQUAL(sim_pwhash_parse(text, &back), AMG_EINVAL);
    free(text);
    for (i = 0; bad[i]; i++)
        CU_ASSERT_EQUAL(sim_pwhash_parse(bad[i], &back), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_pwhash_parse(NULL, &back), AMG_EINVAL);
}

/* The export key is PBKDF2-HMAC-SHA256(secret, "appid-sim/passwordHash/v1",
 * 10000, 32): pinned, because every sim must derive the same key. */
static void test_export_key(void)
{
    unsigned char k1[SIM_EXPORT_KEY_LEN], k2[SIM_EXPORT_KEY_LEN], k3[SIM_EXPORT_KEY_LEN];
    char hex[2 * SIM_EXPORT_KEY_LEN + 1];

    CU_ASSERT_EQUAL_FATAL(sim_export_key("my-secret", k1), AMG_OK);
    to_hex(k1, sizeof(k1), hex);
    CU_ASSERT_STRING_EQUAL(hex,
                           "a6538d2f1226641cdf4cf58edc4cbf08c12f03cb70d0144a05197befb0685f25");
    /* Second call: from the cache, same answer. */
    CU_ASSERT_EQUAL(sim_export_key("my-secret", k2), AMG_OK);
    CU_ASSERT_EQUAL(memcmp(k1, k2, sizeof(k1)), 0);
    CU_ASSERT_EQUAL(sim_export_key("my-secret2", k3), AMG_OK);
    CU_ASSERT_NOT_EQUAL(memcmp(k1, k3, sizeof(k1)), 0);
    CU_ASSERT_EQUAL(sim_export_key("", k3), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_export_key(NULL, k3), AMG_EINVAL);
}

static void test_seal(void)
{
    unsigned char key[SIM_EXPORT_KEY_LEN], other[SIM_EXPORT_KEY_LEN];
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    struct sim_pwhash h, back;
    char *sealed = NULL, *again = NULL, *tampered = NULL;

    CU_ASSERT_EQUAL_FATAL(sim_export_key("export secret", key), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(sim_export_key("another secret", other), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(sim_password_hash("Passw0rd", 3, &h), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(sim_pwhash_seal(key, &h, &sealed), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(sim_pwhash_seal(key, &h, &again), AMG_OK);
    /* Random nonces: sealing twice gives different text. */
    CU_ASSERT_STRING_NOT_EQUAL(sealed, again);
    CU_ASSERT_EQUAL(sim_pwhash_unseal(key, sealed, &back), AMG_OK);
    CU_ASSERT_EQUAL(back.iterations, 3);
    CU_ASSERT_EQUAL(memcmp(back.hash, h.hash, SIM_PW_HASH_LEN), 0);
    CU_ASSERT_TRUE(sim_password_verify(&back, "Passw0rd"));
    CU_ASSERT_EQUAL(sim_pwhash_unseal(key, again, &back), AMG_OK);
    /* Wrong secret: authentication fails, not a parse error. */
    CU_ASSERT_EQUAL(sim_pwhash_unseal(other, sealed, &back), AMG_EAUTH);
    /* Layout: version byte 1, then nonce, ciphertext and tag. */
    CU_ASSERT_EQUAL_FATAL(sim_b64_decode_str(sealed, &raw, &raw_len), AMG_OK);
    CU_ASSERT_EQUAL(raw[0], 1);
    raw[raw_len - 1] ^= 0x01;
    tampered = sim_b64_str(raw, raw_len);
    CU_ASSERT_EQUAL(sim_pwhash_unseal(key, tampered, &back), AMG_EAUTH);
    free(tampered);
    raw[raw_len - 1] ^= 0x01;
    raw[0] = 2;
    tampered = sim_b64_str(raw, raw_len);
    CU_ASSERT_EQUAL(sim_pwhash_unseal(key, tampered, &back), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_pwhash_unseal(key, "not base64!", &back), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_pwhash_unseal(key, "AQID", &back), AMG_EINVAL);
    free(tampered);
    free(raw);
    free(sealed);
    free(again);
}

static void test_base64(void)
{
    unsigned char *out = NULL;
    size_t len = 0;
    char *enc;

    enc = sim_b64_str((const unsigned char *)"ab", 2);
    CU_ASSERT_STRING_EQUAL(enc, "YWI=");
    free(enc);
    enc = sim_b64url_encode((const unsigned char *)"\xfb\xff", 2);
    CU_ASSERT_STRING_EQUAL(enc, "-_8");
    free(enc);
    CU_ASSERT_EQUAL(sim_b64_decode_str("YWI=", &out, &len), AMG_OK);
    CU_ASSERT_EQUAL(len, 2);
    CU_ASSERT_EQUAL(memcmp(out, "ab", 2), 0);
    free(out);
    CU_ASSERT_EQUAL(sim_b64_decode_str("YWI", &out, &len), AMG_EINVAL);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "PBKDF2-HMAC-SHA512 known vector", test_known_vector },
        { "hash and verify", test_hash_and_verify },
        { "text form of a hash record", test_text_form },
        { "export key derivation", test_export_key },
        { "sealed passwordHash", test_seal },
        { "base64 helpers", test_base64 },
        { NULL, NULL },
    };

    return amg_test_main("sim_password", tests);
}
