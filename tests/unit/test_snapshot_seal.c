/* Encrypted snapshots: the writer seals every file but the manifest, the
 * manifest lists ciphertext checksums and the seal parameters, and the
 * readers decrypt with the right key only. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "seal.h"
#include "snapshot.h"
#include "snapshot_fixture.h"

static const char secret[] = "correct horse battery staple";
static const char logo[] = { '\x89', 'P', 'N', 'G', '\0', 'x' };

/* A snapshot with tokens.json, users.ndjson (3 records) and a blob,
 * sealed with `secret`; cheap KDF limits to keep the test fast. */
static char *make_sealed(const char *dir)
{
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    struct amg_seal_params p;
    unsigned char key[AMG_SEAL_KEY_BYTES];
    json_t *doc = json_pack("{s:s}", "email", "alice@example.com");
    char *final = NULL;
    int i;

    CU_ASSERT_EQUAL_FATAL(amg_seal_params_init(&p), AMG_OK);
    p.opslimit = crypto_pwhash_OPSLIMIT_MIN;
    p.memlimit = crypto_pwhash_MEMLIMIT_MIN;
    CU_ASSERT_EQUAL_FATAL(amg_seal_derive_key(secret, strlen(secret), &p, key), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(dir, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_encrypt(w, &p, key), AMG_OK);
    /* Once only. */
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_encrypt(NULL, &p, key), AMG_EINVAL);
    free(capture_stop());
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "tokens", "1.0.0"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "users", "1.0.0"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "tokens", doc, 1), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_blob(w, "tokens", "logo", logo, sizeof(logo)), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_create(w, "users", &nw), AMG_OK);
    for (i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(amg_ndjson_write(nw, doc), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_close(nw), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_commit(w, &final), AMG_OK);
    amg_seal_key_wipe(key, sizeof(key));
    json_decref(doc);
    return final;
}

static void test_sealed_round_trip(void)
{
    char *tmp = amg_test_tmpdir();
    char *final = make_sealed(tmp);
    struct amg_snapshot *s = NULL;
    struct amg_ndjson_reader *r = NULL;
    json_t *doc = NULL, *rec = NULL, *enc;
    char *text, *data = NULL;
    size_t len = 0;
    int n = 0, rc;

    /* No plaintext anywhere but the manifest. */
    text = read_file(final, "tokens.json");
    CU_ASSERT(strstr(text, "alice") == NULL);
    CU_ASSERT(memcmp(text, "AMGSEAL", 7) == 0);
    free(text);
    text = read_file(final, "users.ndjson");
    CU_ASSERT(strstr(text, "alice") == NULL);
    free(text);

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(final, &s), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_encrypted(s), 1);
    enc = json_object_get(amg_snapshot_manifest(s), "encryption");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(enc, "files")), "all");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(enc, "alg")), AMG_SEAL_ALG);
    /* Without the key, reading is refused. */
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_read_json(s, "tokens", &doc), AMG_ECONFIG);
    text = capture_stop();
    CU_ASSERT(strstr(text, "reading it needs the key") != NULL);
    free(text);
    CU_ASSERT_EQUAL(amg_snapshot_set_secret(s, secret, strlen(secret)), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_check_content(s), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_read_json(s, "tokens", &doc), AMG_OK);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "email")),
                           "alice@example.com");
    json_decref(doc);
    CU_ASSERT_EQUAL(amg_snapshot_read_blob(s, "tokens", "logo", &data, &len), AMG_OK);
    CU_ASSERT_EQUAL(len, sizeof(logo));
    CU_ASSERT(data && memcmp(data, logo, sizeof(logo)) == 0);
    free(data);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_open(s, "users", &r), AMG_OK);
    while ((rc = amg_ndjson_next(r, &rec)) == 1) {
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "email")),
                               "alice@example.com");
        json_decref(rec);
        n++;
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(n, 3);
    amg_ndjson_reader_close(r);
    amg_snapshot_close(s);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_sealed_wrong_key(void)
{
    char *tmp = amg_test_tmpdir();
    char *final = make_sealed(tmp);
    struct amg_snapshot *s = NULL;
    struct amg_ndjson_reader *r = NULL;
    json_t *doc = NULL, *rec = NULL;
    char *log;

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(final, &s), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_set_secret(s, "wrong secret!", 13), AMG_OK);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_check_content(s), AMG_ESNAPSHOT);
    CU_ASSERT_EQUAL(amg_snapshot_read_json(s, "tokens", &doc), AMG_ESNAPSHOT);
    CU_ASSERT_PTR_NULL(doc);
    /* The header carries no tag: the first chunk is where it fails. */
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_open(s, "users", &r), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), AMG_ESNAPSHOT);
    CU_ASSERT_PTR_NULL(rec);
    CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), AMG_ESNAPSHOT);
    amg_ndjson_reader_close(r);
    log = capture_stop();
    CU_ASSERT(strstr(log, "tokens.json: authentication failed") != NULL);
    CU_ASSERT(strstr(log, "users.ndjson: authentication failed") != NULL);
    CU_ASSERT(strstr(log, "3 encrypted files failed to authenticate") != NULL);
    free(log);
    amg_snapshot_close(s);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

static const struct amg_test tests[] = {
    { "sealed round trip", test_sealed_round_trip },
    { "sealed snapshot, wrong key", test_sealed_wrong_key },
    { NULL, NULL },
};

int main(void)
{
    amg_log_set_level(AMG_LOG_WARN);
    return amg_test_main("snapshot_seal", tests);
}
