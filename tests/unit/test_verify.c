/*
 * jsondiff.c and verify.c: the normal form (volatile keys gone, arrays
 * ordered), the difference walk, record keys, and whole snapshots with a
 * roles document (a role missing on one side) and a users record file
 * (an extra user, a changed user) compared as `verify` does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "error.h"
#include "jsondiff.h"
#include "snapshot.h"
#include "testutil.h"
#include "verify.h"

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);

    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

/* Compact text of the normal form of `text`; caller frees. */
static char *normal_text(const char *text)
{
    json_t *v = parse(text);
    json_t *n = amg_json_normalise(v);
    char *s = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);

    json_decref(v);
    json_decref(n);
    return s;
}

static void test_normalise_drops_volatile_keys(void)
{
    char *s = normal_text("{\"clientId\":\"c1\",\"name\":\"app\",\"secret\":\"s\","
                          "\"nested\":{\"id\":\"x\",\"meta\":{\"created\":1},\"keep\":true}}");

    CU_ASSERT_STRING_EQUAL(s, "{\"name\":\"app\",\"nested\":{\"keep\":true}}");
    free(s);
}

static void test_normalise_orders_arrays(void)
{
    char *s = normal_text("{\"roles\":[{\"name\":\"b\",\"id\":\"2\"},"
                          "{\"name\":\"a\",\"id\":\"1\"}],\"uris\":[\"z\",\"a\"],"
                          "\"claims\":[{\"source\":\"x\"},{\"source\":\"a\"}]}");

    /* Keyed objects and scalars are sorted; other objects keep their place. */
    CU_ASSERT_STRING_EQUAL(s, "{\"claims\":[{\"source\":\"x\"},{\"source\":\"a\"}],"
                              "\"roles\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
                              "\"uris\":[\"a\",\"z\"]}");
    free(s);
}

/* Differences of two documents, one per line "kind path [first]". */
struct collected {
    char text[2048];
};

static int collect(void *ud, enum amg_diff_kind kind, const char *path, json_t *a, json_t *b,
                   const char *first)
{
    struct collected *c = ud;
    size_t used = strlen(c->text);
    static const char *const names[] = { "missing", "extra", "changed" };

    (void)a;
    (void)b;
    snprintf(c->text + used, sizeof(c->text) - used, "%s %s%s%s\n", names[kind], path,
             first ? " @" : "", first ? first : "");
    return 0;
}

static long diff_text(const char *x, const char *y, struct collected *c)
{
    json_t *a = parse(x), *b = parse(y);
    json_t *na = amg_json_normalise(a), *nb = amg_json_normalise(b);
    long n;

    memset(c, 0, sizeof(*c));
    n = amg_json_diff(na, nb, collect, c);
    json_decref(a);
    json_decref(b);
    json_decref(na);
    json_decref(nb);
    return n;
}

static void test_diff_kinds(void)
{
    struct collected c;
    long n = diff_text(
        "{\"access\":{\"expires_in\":900},\"roles\":[{\"name\":\"admin\",\"d\":1},"
        "{\"name\":\"viewer\",\"d\":1,\"access\":[{\"scopes\":[\"r\"]}]}],\"uris\":[\"a\",\"b\"]}",
        "{\"access\":{\"expires_in\":3600},\"roles\":[{\"name\":\"viewer\",\"d\":1,"
        "\"access\":[{\"scopes\":[\"r\",\"w\"]}]}],\"uris\":[\"a\",\"c\"],\"new\":1}", &c);

    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_STRING_EQUAL(c.text,
                           "changed access.expires_in\n"
                           "extra new\n"
                           "missing roles[name=admin]\n"
                           "changed roles[name=viewer] @access[0].scopes[]\n"
                           "missing uris[]\n"
                           "extra uris[]\n");
}

static void test_diff_equal_after_normalising(void)
{
    struct collected c;

    /* Different ids and order, same configuration. */
    CU_ASSERT_EQUAL(diff_text("{\"apps\":[{\"name\":\"a\",\"clientId\":\"1\"},{\"name\":\"b\"}]}",
                              "{\"apps\":[{\"name\":\"b\"},{\"name\":\"a\",\"clientId\":\"9\"}]}",
                              &c), 0);
    CU_ASSERT_STRING_EQUAL(c.text, "");
}

static void test_first_diff(void)
{
    json_t *a = parse("{\"a\":1,\"b\":{\"c\":[1,2],\"d\":\"x\"}}");
    json_t *b = parse("{\"a\":1,\"b\":{\"c\":[1,2],\"d\":\"y\"}}");
    char buf[128];

    CU_ASSERT_EQUAL(amg_json_first_diff(a, b, buf, sizeof(buf)), 1);
    CU_ASSERT_STRING_EQUAL(buf, "b.d");
    CU_ASSERT_EQUAL(amg_json_first_diff(a, a, buf, sizeof(buf)), 0);
    json_decref(a);
    json_decref(b);
}

static void test_record_keys(void)
{
    static const struct {
        const char *rec;
        const char *key;
    } cases[] = {
        { "{\"email\":\"a@x\",\"userName\":\"a\"}", "email=a@x" },
        { "{\"scimUser\":{\"userName\":\"bob\",\"emails\":[{\"value\":\"b@x\"}]}}",
          "userName=bob" },
        { "{\"scimUser\":{\"emails\":[{\"value\":\"c@x\"}]}}", "email=c@x" },
        { "{\"identities\":[{\"provider\":\"google\",\"id\":\"123\"}]}", "identity=google:123" },
        { "{\"idp\":\"saml\",\"idp-identity\":\"u1\"}", "identity=saml:u1" },
        { "{\"name\":\"admin\"}", "name=admin" },
    };
    char buf[128];
    size_t i;
    json_t *v;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = parse(cases[i].rec);
        CU_ASSERT_EQUAL(amg_verify_record_key(v, buf, sizeof(buf)), 0);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].key);
        json_decref(v);
    }
    v = parse("{\"x\":1}");
    CU_ASSERT_EQUAL(amg_verify_record_key(v, buf, sizeof(buf)), -1);
    json_decref(v);
}

static const struct amg_snapshot_source src_a = { "a", NULL, "http://127.0.0.1:1", "t-a" };
static const struct amg_snapshot_source src_b = { "b", NULL, "http://127.0.0.1:2", "t-b" };

/* A snapshot with roles.json and users.ndjson (one record a string). */
static char *make(const char *dir, const struct amg_snapshot_source *src, const char *roles,
                  const char *const *users)
{
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    json_t *doc = parse(roles);
    char *path = NULL;

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(dir, src, 1795473600, &w), AMG_OK);
    amg_snapshot_add_plugin(w, "roles", "1.0.0");
    amg_snapshot_add_plugin(w, "users", "1.0.0");
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "roles", doc, 2), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_create(w, "users", &nw), AMG_OK);
    for (; *users; users++) {
        json_t *rec = parse(*users);

        CU_ASSERT_EQUAL(amg_ndjson_write(nw, rec), AMG_OK);
        json_decref(rec);
    }
    CU_ASSERT_EQUAL(amg_ndjson_close(nw), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_commit(w, &path), AMG_OK);
    json_decref(doc);
    return path;
}

/* Everything amg_verify_plugin() printed for `plugin`. */
static char *verify_text(struct amg_snapshot *a, struct amg_snapshot *b, const char *plugin,
                         long *n)
{
    struct amg_verify_side sa = { a, "A" };
    struct amg_verify_side sb = { b, "B" };
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(amg_verify_plugin(&sa, &sb, plugin, out, n), AMG_OK);
    fclose(out);
    return buf;
}

static void test_snapshots(void)
{
    static const char *const users_a[] = {
        "{\"scimUser\":{\"id\":\"1\",\"userName\":\"alice\",\"active\":true},"
        "\"passwordHash\":\"h1\","
        "\"profile\":{\"attributes\":{\"age\":30}},\"roles\":[\"admin\"]}",
        "{\"scimUser\":{\"id\":\"2\",\"userName\":\"bob\",\"active\":true},"
        "\"passwordHash\":\"h2\","
        "\"profile\":{\"attributes\":{}},\"roles\":[]}",
        NULL
    };
    static const char *const users_b[] = {
        "{\"scimUser\":{\"id\":\"9\",\"userName\":\"carol\",\"active\":true},"
        "\"passwordHash\":\"h3\","
        "\"profile\":{\"attributes\":{}},\"roles\":[]}",
        "{\"scimUser\":{\"id\":\"7\",\"userName\":\"bob\",\"active\":true},"
        "\"passwordHash\":\"zz\","
        "\"profile\":{\"attributes\":{}},\"roles\":[]}",
        "{\"scimUser\":{\"id\":\"8\",\"userName\":\"alice\",\"active\":true},"
        "\"passwordHash\":\"x\","
        "\"profile\":{\"attributes\":{\"age\":31}},\"roles\":[\"admin\"]}",
        NULL
    };
    char *dir = amg_test_tmpdir();
    char *da = NULL, *db = NULL;
    char *dir_b = NULL;
    struct amg_snapshot *a = NULL, *b = NULL;
    char *text;
    long n = -1;

    da = make(dir, &src_a, "{\"roles\":[{\"id\":\"r1\",\"name\":\"admin\"},"
              "{\"id\":\"r2\",\"name\":\"viewer\"}]}", users_a);
    dir_b = malloc(strlen(dir) + 3);
    snprintf(dir_b, strlen(dir) + 3, "%s/b", dir);
    db = make(dir_b, &src_b, "{\"roles\":[{\"id\":\"r9\",\"name\":\"viewer\"}]}", users_b);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(da, &a), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(db, &b), AMG_OK);

    text = verify_text(a, b, "roles", &n);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(text, "roles: missing in B: roles[name=admin] {\"name\":\"admin\"}\n");
    free(text);

    /* Ids and password hashes differ everywhere; only carol and alice's
     * age are real differences. */
    text = verify_text(a, b, "users", &n);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(text, "users: extra in B: userName=carol\n"
                                 "users: changed userName=alice: first difference at "
                                 "profile.attributes.age\n");
    free(text);

    text = verify_text(a, a, "users", &n);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_STRING_EQUAL(text, "");
    free(text);

    /* Swapped: carol is missing in A's place. */
    text = verify_text(b, a, "users", &n);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "users: missing in B: userName=carol\n"));
    free(text);

    amg_snapshot_close(a);
    amg_snapshot_close(b);
    free(da);
    free(db);
    free(dir_b);
    amg_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "normalise drops volatile keys", test_normalise_drops_volatile_keys },
        { "normalise orders arrays", test_normalise_orders_arrays },
        { "diff reports missing, extra, changed", test_diff_kinds },
        { "diff ignores ids and order", test_diff_equal_after_normalising },
        { "first differing field", test_first_diff },
        { "record keys", test_record_keys },
        { "snapshots: missing role, extra and changed users", test_snapshots },
        { NULL, NULL },
    };

    return amg_test_main("verify", tests);
}
