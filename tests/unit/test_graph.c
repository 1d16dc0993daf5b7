#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "graph.h"
#include "log.h"
#include "testutil.h"

#define MAX_NODES 32
#define MAX_DEPS 8

/* A graph written as "name:dep,dep name ...", parsed into nodes whose
 * strings live in the struct itself. */
struct graph {
    struct amg_graph_node nodes[MAX_NODES];
    char names[MAX_NODES][32];
    char dep_names[MAX_NODES][MAX_DEPS][32];
    const char *deps[MAX_NODES][MAX_DEPS + 1];
    size_t n;
};

static void graph_parse(struct graph *g, const char *spec)
{
    const char *p = spec;

    memset(g, 0, sizeof(*g));
    while (*p) {
        size_t len = strcspn(p, " ");
        const char *colon = memchr(p, ':', len);
        size_t name_len = colon ? (size_t)(colon - p) : len;
        size_t k = 0;

        CU_ASSERT_FATAL(g->n < MAX_NODES && name_len < 32);
        memcpy(g->names[g->n], p, name_len);
        if (colon) {
            const char *d = colon + 1;

            while (d < p + len) {
                size_t dl = strcspn(d, ", ");

                CU_ASSERT_FATAL(k < MAX_DEPS && dl < 32);
                memcpy(g->dep_names[g->n][k], d, dl);
                g->deps[g->n][k] = g->dep_names[g->n][k];
                k++;
                d += dl;
                if (*d == ',')
                    d++;
            }
        }
        g->nodes[g->n].name = g->names[g->n];
        g->nodes[g->n].deps = colon ? g->deps[g->n] : NULL;
        g->n++;
        p += len;
        while (*p == ' ')
            p++;
    }
}

/* amg_graph_select() tells what it pulled in at info level. */
static void capture_start(void)
{
    amg_test_capture_start();
    amg_log_set_level(AMG_LOG_INFO);
}

struct order_case {
    const char *graph;
    int rc;
    const char *want;    /* order on success */
    const char *msg1;    /* expected in the log, or NULL */
    const char *msg2;
};

static const struct order_case order_cases[] = {
    { "", AMG_OK, "", NULL, NULL },
    { "c b a", AMG_OK, "a b c", NULL, NULL },
    { "z a:z m", AMG_OK, "m z a", NULL, NULL },
    { "users:roles roles:applications applications tokens", AMG_OK,
      "applications roles tokens users", NULL, NULL },
    { "d:b,c c:a b:a a", AMG_OK, "a b c d", NULL, NULL },
    { "b:a,a a", AMG_OK, "a b", NULL, NULL },
    { "e:d d:c c:b b:a a", AMG_OK, "a b c d e", NULL, NULL },
    { "roles:applications users:roles,groups", AMG_EDEP, NULL,
      "plugin 'roles' depends on 'applications', which is not loaded",
      "plugin 'users' depends on 'groups', which is not loaded" },
    { "a:b b:a", AMG_ECYCLE, NULL, "dependency cycle: a -> b -> a\n", NULL },
    { "c:b b:a a:c", AMG_ECYCLE, NULL, "dependency cycle: a -> c -> b -> a\n", NULL },
    { "x y:z z:y w:y", AMG_ECYCLE, NULL, "dependency cycle: y -> z -> y\n", NULL },
    { "q:p p:r r:q s", AMG_ECYCLE, NULL, "dependency cycle: p -> r -> q -> p\n", NULL },
    { "b a:a", AMG_ECYCLE, NULL, "dependency cycle: a -> a\n", NULL },
    { "a b a", AMG_EINVAL, NULL, "duplicate name 'a'", NULL },
};

static void test_order_table(void)
{
    size_t c;

    for (c = 0; c < sizeof(order_cases) / sizeof(order_cases[0]); c++) {
        const struct order_case *tc = &order_cases[c];
        struct graph g;
        size_t order[MAX_NODES];
        char got[256] = "";
        size_t i, used = 0;
        char *log;
        int rc;

        graph_parse(&g, tc->graph);
        capture_start();
        rc = amg_graph_order(g.nodes, g.n, order);
        log = amg_test_capture_end();
        if (rc != tc->rc)
            fprintf(stderr, "\ncase '%s': rc %d, want %d; log: %s\n", tc->graph, rc, tc->rc,
                    log);
        CU_ASSERT_EQUAL(rc, tc->rc);
        if (rc == AMG_OK && tc->want) {
            for (i = 0; i < g.n; i++)
                used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
                                         i ? " " : "", g.nodes[order[i]].name);
            if (strcmp(got, tc->want) != 0)
                fprintf(stderr, "\ncase '%s': order '%s', want '%s'\n", tc->graph, got,
                        tc->want);
            CU_ASSERT_STRING_EQUAL(got, tc->want);
        }
        if (tc->msg1 && !strstr(log, tc->msg1))
            fprintf(stderr, "\ncase '%s': '%s' not in log: %s\n", tc->graph, tc->msg1, log);
        CU_ASSERT(!tc->msg1 || strstr(log, tc->msg1) != NULL);
        CU_ASSERT(!tc->msg2 || strstr(log, tc->msg2) != NULL);
        /* Successful ordering is silent. */
        CU_ASSERT(rc != AMG_OK || log[0] == '\0');
        free(log);
    }
}

/* 26 nodes, each depending on the next letter, listed in reverse: the
 * order must be the whole chain backwards. */
static void test_long_chain(void)
{
    static char names[26][2];
    static const char *deps[26][2];
    struct amg_graph_node nodes[26];
    size_t order[26];
    size_t i;

    for (i = 0; i < 26; i++) {
        names[i][0] = (char)('a' + i);
        deps[i][0] = i < 25 ? names[i + 1] : NULL;
        deps[i][1] = NULL;
    }
    for (i = 0; i < 26; i++) {
        nodes[i].name = names[i];
        nodes[i].deps = deps[i];
    }
    CU_ASSERT_EQUAL_FATAL(amg_graph_order(nodes, 26, order), AMG_OK);
    for (i = 0; i < 26; i++)
        CU_ASSERT_EQUAL(order[i], 25 - i);
}

struct select_case {
    const char *only;
    const char *exclude;
    enum amg_select_mode mode;
    int rc;
    const char *want;     /* selected names on success, in node order */
    const char *msg1;
    const char *msg2;
};

static const char select_graph[] =
    "applications roles:applications users:roles tokens";

static const struct select_case select_cases[] = {
    { NULL, NULL, AMG_SELECT_PULL_DEPS, AMG_OK, "applications roles users tokens",
      NULL, NULL },
    { NULL, NULL, AMG_SELECT_EXACT, AMG_OK, "applications roles users tokens", NULL, NULL },
    { "roles", NULL, AMG_SELECT_PULL_DEPS, AMG_OK, "applications roles",
      "info: pulled in 'applications': needed by 'roles'\n", NULL },
    { "users", NULL, AMG_SELECT_PULL_DEPS, AMG_OK, "applications roles users",
      "info: pulled in 'roles': needed by 'users'\n",
      "info: pulled in 'applications': needed by 'roles'\n" },
    { "users", "applications", AMG_SELECT_PULL_DEPS, AMG_OK, "roles users",
      "warning: 'roles' needs 'applications', which is excluded: the target must already "
      "have it\n", "pulled in 'roles': needed by 'users'" },
    { NULL, "roles", AMG_SELECT_PULL_DEPS, AMG_OK, "applications users tokens",
      "warning: 'users' needs 'roles', which is excluded", NULL },
    { "roles", NULL, AMG_SELECT_EXACT, AMG_OK, "roles",
      "info: 'roles' runs without 'applications': 'applications' must already be in the "
      "target\n", NULL },
    { NULL, "applications", AMG_SELECT_EXACT, AMG_OK, "roles users tokens",
      "'roles' runs without 'applications'", NULL },
    { "roles,users", "roles", AMG_SELECT_EXACT, AMG_OK, "users",
      "'users' runs without 'roles'", NULL },
    { "roles", "roles", AMG_SELECT_PULL_DEPS, AMG_OK, "", NULL, NULL },
    { " roles , tokens:name=foo ,, ", NULL, AMG_SELECT_EXACT, AMG_OK, "roles tokens",
      NULL, NULL },
    { "tokens:a:b", " users\t", AMG_SELECT_PULL_DEPS, AMG_OK, "tokens", NULL, NULL },
    { "tokens , tokens", NULL, AMG_SELECT_EXACT, AMG_OK, "tokens", NULL, NULL },
    { "rolez", NULL, AMG_SELECT_PULL_DEPS, AMG_EINVAL, NULL,
      "unknown resource type 'rolez' in --only (known: applications, roles, tokens, "
      "users)", NULL },
    { "roles,bogus:x,nope", NULL, AMG_SELECT_EXACT, AMG_EINVAL, NULL,
      "unknown resource type 'bogus' in --only", "unknown resource type 'nope' in --only" },
    { NULL, "tokenz", AMG_SELECT_EXACT, AMG_EINVAL, NULL,
      "unknown resource type 'tokenz' in --exclude (known: ", NULL },
    { "rol", NULL, AMG_SELECT_EXACT, AMG_EINVAL, NULL, "unknown resource type 'rol'", NULL },
    { " , ", NULL, AMG_SELECT_EXACT, AMG_EINVAL, NULL, "--only names no resource type", NULL },
    { ":name=x", NULL, AMG_SELECT_EXACT, AMG_EINVAL, NULL, "has a filter but no resource type",
      NULL },
};

static void test_select_table(void)
{
    size_t c;
    struct graph g;

    graph_parse(&g, select_graph);
    for (c = 0; c < sizeof(select_cases) / sizeof(select_cases[0]); c++) {
        const struct select_case *tc = &select_cases[c];
        int selected[MAX_NODES];
        char got[256] = "";
        size_t i, used = 0;
        char *log;
        int rc;

        for (i = 0; i < g.n; i++)
            selected[i] = 7;
        capture_start();
        rc = amg_graph_select(g.nodes, g.n, tc->only, tc->exclude, tc->mode, selected);
        log = amg_test_capture_end();
        if (rc != tc->rc)
            fprintf(stderr, "\ncase %zu: rc %d, want %d; log: %s\n", c, rc, tc->rc, log);
        CU_ASSERT_EQUAL(rc, tc->rc);
        if (rc == AMG_OK && tc->want) {
            for (i = 0; i < g.n; i++) {
                CU_ASSERT(selected[i] == 0 || selected[i] == 1);
                if (selected[i] == 1)
                    used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
                                             used ? " " : "", g.nodes[i].name);
            }
            if (strcmp(got, tc->want) != 0)
                fprintf(stderr, "\ncase %zu: selected '%s', want '%s'\n", c, got, tc->want);
            CU_ASSERT_STRING_EQUAL(got, tc->want);
        }
        if (tc->msg1 && !strstr(log, tc->msg1))
            fprintf(stderr, "\ncase %zu: '%s' not in log: %s\n", c, tc->msg1, log);
        CU_ASSERT(!tc->msg1 || strstr(log, tc->msg1) != NULL);
        CU_ASSERT(!tc->msg2 || strstr(log, tc->msg2) != NULL);
        free(log);
    }
}

/* Each pull or warning is logged once, even when several selected nodes
 * share the dependency. */
static void test_select_logs_once(void)
{
    struct graph g;
    int selected[MAX_NODES];
    char *log, *first;

    graph_parse(&g, "a b:a c:a d:b,c");
    capture_start();
    CU_ASSERT_EQUAL(amg_graph_select(g.nodes, g.n, "d", NULL, AMG_SELECT_PULL_DEPS, selected),
                    AMG_OK);
    log = amg_test_capture_end();
    CU_ASSERT(selected[0] && selected[1] && selected[2] && selected[3]);
    first = strstr(log, "pulled in 'a'");
    CU_ASSERT_PTR_NOT_NULL(first);
    CU_ASSERT(first && strstr(first + 1, "pulled in 'a'") == NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "pulled in 'b': needed by 'd'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "pulled in 'c': needed by 'd'"));
    /* 'a' is needed by 'b', the smallest of its users. */
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "pulled in 'a': needed by 'b'"));
    free(log);
}

static void test_select_info_hidden_at_warn_level(void)
{
    struct graph g;
    int selected[MAX_NODES];
    char *log;

    graph_parse(&g, "a b:a");
    capture_start();
    amg_log_set_level(AMG_LOG_WARN);
    CU_ASSERT_EQUAL(amg_graph_select(g.nodes, g.n, "b", NULL, AMG_SELECT_PULL_DEPS, selected),
                    AMG_OK);
    log = amg_test_capture_end();
    amg_log_set_level(AMG_LOG_INFO);
    CU_ASSERT_EQUAL(selected[0], 1);
    CU_ASSERT_EQUAL(selected[1], 1);
    CU_ASSERT(log == NULL || log[0] == '\0');
    free(log);
}

static const struct amg_test tests[] = {
    { "order table", test_order_table },
    { "long chain", test_long_chain },
    { "select table", test_select_table },
    { "select logs each pull once", test_select_logs_once },
    { "select notes are info level", test_select_info_hidden_at_warn_level },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("graph", tests);
}
