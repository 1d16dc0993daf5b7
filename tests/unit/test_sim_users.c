/*
 * appid-sim's user store: the string hash map behind its indexes, CD
 * users and profiles with uniqueness and ordering, saving and loading
 * (users_persist), and the multipart parser of import/all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "multipart.h"
#include "password.h"
#include "strmap.h"
#include "users_persist.h"
#include "users_store.h"
#include "testutil.h"

#define N_KEYS 5000

static void test_strmap(void)
{
    struct sim_strmap *m = sim_strmap_new();
    static int values[N_KEYS];
    char key[32];
    size_t i, found = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    for (i = 0; i < N_KEYS; i++) {
        snprintf(key, sizeof(key), "key-%zu", i);
        CU_ASSERT_EQUAL(sim_strmap_put(m, key, &values[i]), AMG_OK);
    }
    CU_ASSERT_EQUAL(sim_strmap_count(m), N_KEYS);
    /* Delete every third key: backward shifting must keep the others. */
    for (i = 0; i < N_KEYS; i += 3) {
        snprintf(key, sizeof(key), "key-%zu", i);
        CU_ASSERT_PTR_EQUAL(sim_strmap_del(m, key), &values[i]);
    }
    for (i = 0; i < N_KEYS; i++) {
        void *v;

        snprintf(key, sizeof(key), "key-%zu", i);
        v = sim_strmap_get(m, key);
        if (i % 3 == 0) {
            CU_ASSERT_PTR_NULL(v);
        } else {
            CU_ASSERT_PTR_EQUAL(v, &values[i]);
            found++;
        }
    }
    CU_ASSERT_EQUAL(found, sim_strmap_count(m));
    CU_ASSERT_PTR_NULL(sim_strmap_del(m, "key-0"));
    CU_ASSERT_PTR_NULL(sim_strmap_get(m, "absent"));
    /* Replacing keeps the count. */
    CU_ASSERT_EQUAL(sim_strmap_put(m, "key-1", &values[0]), AMG_OK);
    CU_ASSERT_PTR_EQUAL(sim_strmap_get(m, "key-1"), &values[0]);
    CU_ASSERT_EQUAL(found, sim_strmap_count(m));
    sim_strmap_free(m);
}

static json_t *scim(const char *email, const char *user_name)
{
    json_t *doc = json_pack("{s:[{s:s}], s:b, s:s}", "emails", "value", email, "active", 1,
                            "status", "PENDING");

    if (user_name)
        json_object_set_new(doc, "userName", json_string(user_name));
    return doc;
}

static struct sim_pwhash pw_of(const char *password)
{
    struct sim_pwhash h;

    sim_password_hash(password, 2, &h);
    return h;
}

static void test_cd_users(void)
{
    struct sim_users *u = sim_users_new();
    struct sim_uset *s = sim_users_write(u, "t1");
    struct sim_cd_user *a = NULL, *b = NULL, *c = NULL, *clash = NULL;
    struct sim_pwhash pw = pw_of("pw");
    const char *field = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(sim_uset_cd_add(s, NULL, scim("Ann@Example.com", "ann"), &pw, &a, &clash,
                                    &field), AMG_OK);
    CU_ASSERT_EQUAL(sim_uset_cd_add(s, NULL, scim("bob@example.com", "bob"), &pw, &b, &clash,
                                    &field), AMG_OK);
    CU_ASSERT_EQUAL(strlen(a->id), SIM_ID_LEN);
    CU_ASSERT_STRING_NOT_EQUAL(a->id, b->id);
    /* E-mail and userName are unique, case-insensitively. */
    CU_ASSERT_EQUAL(sim_uset_cd_add(s, NULL, scim("ann@EXAMPLE.com", "x"), &pw, &c, &clash,
                                    &field), AMG_EEXIST);
    CU_ASSERT_PTR_EQUAL(clash, a);
    CU_ASSERT_STRING_EQUAL(field, "email");
    CU_ASSERT_EQUAL(sim_uset_cd_add(s, NULL, scim("new@example.com", "BOB"), &pw, &c, &clash,
                                    &field), AMG_EEXIST);
    CU_ASSERT_PTR_EQUAL(clash, b);
    CU_ASSERT_STRING_EQUAL(field, "userName");
    CU_ASSERT_EQUAL(sim_uset_cd_count(s), 2);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_by_email(s, "ANN@example.COM"), a);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_by_username(s, "Bob"), b);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_get(s, b->id), b);
    /* Update: taking another user's e-mail fails and changes nothing. */
    CU_ASSERT_EQUAL(sim_uset_cd_update(s, b, scim("ann@example.com", "bob"), NULL, &clash,
                                       &field), AMG_EEXIST);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_by_email(s, "bob@example.com"), b);
    CU_ASSERT_EQUAL(sim_uset_cd_update(s, b, scim("robert@example.com", "bob"), NULL, &clash,
                                       &field), AMG_OK);
    CU_ASSERT_PTR_NULL(sim_uset_cd_by_email(s, "bob@example.com"));
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_by_email(s, "robert@example.com"), b);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_by_username(s, "bob"), b);
    /* Order is creation order; removal closes the gap. */
    CU_ASSERT_EQUAL(sim_uset_cd_add(s, NULL, scim("cy@example.com", NULL), &pw, &c, &clash,
                                    &field), AMG_OK);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_at(s, 2), c);
    sim_uset_cd_remove(s, a, 1);
    CU_ASSERT_EQUAL(sim_uset_cd_count(s), 2);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_at(s, 0), b);
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_at(s, 1), c);
    CU_ASSERT_PTR_NULL(sim_uset_cd_at(s, 2));
    CU_ASSERT_PTR_NULL(sim_uset_cd_by_email(s, "ann@example.com"));
    CU_ASSERT_PTR_NULL(sim_uset_cd_by_username(s, "ann"));
    /* The freed e-mail can be used again. */
    CU_ASSERT_EQUAL(sim_uset_cd_add(s, NULL, scim("ann@example.com", "ann"), &pw, &a, &clash,
                                    &field), AMG_OK);
    sim_users_unlock(s);
    /* Another tenant is independent. */
    s = sim_users_read(u, "t2");
    CU_ASSERT_EQUAL(sim_uset_cd_count(s), 0);
    CU_ASSERT_PTR_NULL(sim_uset_cd_by_email(s, "ann@example.com"));
    sim_users_unlock(s);
    sim_users_free(u);
}

static void test_profiles(void)
{
    struct sim_users *u = sim_users_new();
    struct sim_uset *s = sim_users_write(u, "t1");
    struct sim_cd_user *a = NULL, *clash = NULL;
    struct sim_profile *pa = NULL, *pg = NULL, *dup = NULL;
    struct sim_pwhash pw = pw_of("pw");
    const char *field = NULL;

    CU_ASSERT_EQUAL_FATAL(sim_uset_cd_add(s, NULL, scim("a@x.com", NULL), &pw, &a, &clash,
                                          &field), AMG_OK);
    CU_ASSERT_EQUAL(sim_uset_profile_add(s, NULL, "google", "g-1", NULL, NULL, NULL, &pg),
                    AMG_OK);
    CU_ASSERT_EQUAL(sim_uset_profile_add(s, NULL, "cloud_directory", a->id, NULL, NULL, a,
                                         &pa), AMG_OK);
    CU_ASSERT_PTR_EQUAL(a->profile, pa);
    CU_ASSERT_PTR_EQUAL(pa->cd, a);
    /* A linked CD profile needs a CD identity and a user without one. */
    CU_ASSERT_EQUAL(sim_uset_profile_add(s, NULL, "cloud_directory", a->id, NULL, NULL, a,
                                         &dup), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_uset_profile_add(s, NULL, "google", "g-1", NULL, NULL, NULL, &dup),
                    AMG_EEXIST);
    CU_ASSERT_PTR_EQUAL(dup, pg);
    CU_ASSERT_EQUAL(sim_uset_profile_count(s), 2);
    CU_ASSERT_EQUAL(sim_uset_ext_count(s), 1);
    CU_ASSERT_PTR_EQUAL(sim_uset_ext_at(s, 0), pg);
    CU_ASSERT_PTR_EQUAL(sim_uset_profile_by_identity(s, "google", "g-1"), pg);
    CU_ASSERT_PTR_NULL(sim_uset_profile_by_identity(s, "facebook", "g-1"));
    CU_ASSERT_PTR_EQUAL(sim_uset_profile_get(s, pa->id), pa);
    /* Deleting the CD user without its profile unlinks it. */
    sim_uset_cd_remove(s, a, 0);
    CU_ASSERT_PTR_NULL(pa->cd);
    CU_ASSERT_EQUAL(sim_uset_profile_count(s), 2);
    sim_uset_profile_remove(s, pg);
    CU_ASSERT_EQUAL(sim_uset_ext_count(s), 0);
    CU_ASSERT_EQUAL(sim_uset_profile_count(s), 1);
    CU_ASSERT_PTR_EQUAL(sim_uset_profile_at(s, 0), pa);
    sim_users_unlock(s);
    sim_users_free(u);
}

static void test_persist(void)
{
    struct sim_users *u = sim_users_new(), *v = sim_users_new();
    struct sim_uset *s = sim_users_write(u, "t1");
    struct sim_cd_user *a = NULL, *clash = NULL;
    struct sim_profile *p = NULL;
    struct sim_pwhash pw = pw_of("hunter2");
    const char *field = NULL;
    char msg[256], id[SIM_ID_LEN + 1], pid[SIM_ID_LEN + 1];
    json_t *dump, *bad;
    char *text;

    sim_uset_cd_add(s, NULL, scim("a@x.com", "a"), &pw, &a, &clash, &field);
    sim_uset_profile_add(s, NULL, "cloud_directory", a->id,
                         json_pack("{s:{s:i}}", "attributes", "points", 7),
                         json_pack("[s]", "role-1"), a, &p);
    a->last_login_ms = 1234;
    snprintf(id, sizeof(id), "%s", a->id);
    snprintf(pid, sizeof(pid), "%s", p->id);
    sim_users_unlock(s);
    dump = sim_users_dump(u);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dump);
    CU_ASSERT_EQUAL(sim_users_load(v, dump, msg, sizeof(msg)), AMG_OK);
    s = sim_users_read(v, "t1");
    a = sim_uset_cd_get(s, id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_TRUE(sim_password_verify(&a->pw, "hunter2"));
    CU_ASSERT_EQUAL(a->last_login_ms, 1234);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a->profile);
    CU_ASSERT_STRING_EQUAL(a->profile->id, pid);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(
                        json_object_get(a->profile->doc, "attributes"), "points")), 7);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(a->profile->roles, 0)), "role-1");
    CU_ASSERT_PTR_EQUAL(sim_uset_cd_by_username(s, "A"), a);
    sim_users_unlock(s);
    /* The password never appears, only its hash. */
    text = json_dumps(dump, 0);
    CU_ASSERT_PTR_NOT_NULL(text);
    CU_ASSERT_PTR_NULL(strstr(text ? text : "", "hunter2"));
    free(text);
    /* Loading the same records again collides and names the record. */
    CU_ASSERT_EQUAL(sim_users_load(v, dump, msg, sizeof(msg)), AMG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cdUsers[0]"));
    bad = json_pack("{s:{s:[{s:s}], s:[]}}", "t9", "cdUsers", "id", "short", "profiles");
    CU_ASSERT_EQUAL(sim_users_load(v, bad, msg, sizeof(msg)), AMG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "tenant t9"));
    json_decref(bad);
    json_decref(dump);
    sim_users_free(u);
    sim_users_free(v);
}

static void test_multipart(void)
{
    static const char ct[] = "multipart/form-data; boundary=XyZ";
    static const char body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"encryptionSecret\"\r\n\r\n"
        "s3cret\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; filename=\"u.json\"; name=\"file\"\r\n"
        "Content-Type: application/json\r\n\r\n"
        "[{\"a\":1}]\r\n\r\n"
        "--XyZ--\r\n";
    char boundary[SIM_BOUNDARY_MAX + 1];
    struct sim_part p;
    char msg[128];

    /* The form import/all receives: a text field and the file. */
    CU_ASSERT_EQUAL_FATAL(sim_multipart_boundary(ct, boundary), AMG_OK);
    CU_ASSERT_STRING_EQUAL(boundary, "XyZ");
    CU_ASSERT_EQUAL_FATAL(sim_multipart_find(boundary, body, strlen(body), "encryptionSecret",
                                             &p, msg, sizeof(msg)), AMG_OK);
    CU_ASSERT_EQUAL(p.len, 6);
    CU_ASSERT_EQUAL(memcmp(p.data, "s3cret", 6), 0);
    CU_ASSERT_EQUAL_FATAL(sim_multipart_find(boundary, body, strlen(body), "file", &p, msg,
                                             sizeof(msg)), AMG_OK);
    CU_ASSERT_EQUAL(memcmp(p.data, "[{\"a\":1}]", 9), 0);
    CU_ASSERT_STRING_EQUAL(p.filename, "u.json");
    CU_ASSERT_EQUAL(sim_multipart_find(boundary, body, strlen(body), "emailAddress", &p, msg,
                                       sizeof(msg)), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(sim_multipart_boundary("application/json", boundary), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_multipart_boundary("multipart/form-data; boundary=\"XyZ\"", boundary),
                    AMG_OK);
    /* Unterminated: no closing delimiter. */
    CU_ASSERT_EQUAL(sim_multipart_find("XyZ", body, strlen(body) - 10, "nothere", &p, msg,
                                       sizeof(msg)), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_multipart_find("XyZ", "garbage", 7, "file", &p, msg, sizeof(msg)),
                    AMG_EINVAL);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "string hash map", test_strmap },
        { "Cloud Directory users and indexes", test_cd_users },
        { "profiles and identities", test_profiles },
        { "save and load", test_persist },
        { "multipart/form-data", test_multipart },
        { NULL, NULL },
    };

    return amg_test_main("sim_users", tests);
}
