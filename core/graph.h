/*
 * Dependency graph of plugins: deterministic topological order (Kahn's
 * algorithm, ties broken by name), cycle and missing-dependency detection,
 * and --only/--exclude selection.
 */
#ifndef AMG_GRAPH_H
#define AMG_GRAPH_H

#include <stddef.h>

/* One node: a name and its NULL-terminated dependency names (borrowed). */
struct amg_graph_node {
    const char *name;
    const char *const *deps;
};

/*
 * Order `n` nodes so that every node comes after its dependencies. On
 * success fills order[0..n-1] with indexes into nodes. Errors (logged):
 *  AMG_EDEP   "plugin 'roles' depends on 'applications', which is not loaded"
 *  AMG_ECYCLE "dependency cycle: a -> b -> a"
 */
int amg_graph_order(const struct amg_graph_node *nodes, size_t n, size_t *order);

/* Selection modes for amg_graph_select. */
enum amg_select_mode {
    AMG_SELECT_PULL_DEPS,   /* export: add dependencies of selected nodes
                             * unless they are excluded explicitly */
    AMG_SELECT_EXACT        /* import: only what was selected */
};

/*
 * Decide which nodes run. `only` and `exclude` are comma-separated name
 * lists (NULL = none). A name that matches no node is an error
 * (AMG_EINVAL, logged). selected[i] is set to 1 for nodes that run.
 * Pulled-in dependencies are logged at info level ("pulled in X: needed by
 * Y"); with AMG_SELECT_EXACT a selected node whose dependency is not
 * selected is logged at info level ("Y runs without X: X must already be
 * in the target").
 */
int amg_graph_select(const struct amg_graph_node *nodes, size_t n,
                     const char *only, const char *exclude,
                     enum amg_select_mode mode, int *selected);

#endif
