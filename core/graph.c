#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "graph.h"
#include "log.h"
#include "mem.h"

#define NONE SIZE_MAX

static size_t find_node(const struct amg_graph_node *nodes, size_t n, const char *name,
                        size_t len)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strncmp(nodes[i].name, name, len) == 0 && nodes[i].name[len] == '\0')
            return i;
    }
    return NONE;
}

static size_t find_name(const struct amg_graph_node *nodes, size_t n, const char *name)
{
    return find_node(nodes, n, name, strlen(name));
}

static int check_names(const struct amg_graph_node *nodes, size_t n)
{
    size_t i, j;
    int rc = AMG_OK;

    for (i = 0; i < n; i++) {
        if (!nodes[i].name) {
            amg_error("dependency graph: node %zu has no name", i);
            return AMG_EINVAL;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(nodes[i].name, nodes[j].name) == 0) {
                amg_error("dependency graph: duplicate name '%s'", nodes[i].name);
                rc = AMG_EINVAL;
                break;
            }
        }
    }
    return rc;
}

/* Smaller name wins; NONE loses against anything. */
static int before(const struct amg_graph_node *nodes, size_t a, size_t b)
{
    return b == NONE || strcmp(nodes[a].name, nodes[b].name) < 0;
}

/*
 * Every node left after Kahn's algorithm waits for another node left, so
 * following unfinished dependencies from any of them must run into a
 * cycle. Walking from the smallest name and taking the smallest dependency
 * each time makes the report the same on every run.
 */
static int report_cycle(const struct amg_graph_node *nodes, size_t n, const char *done)
{
    size_t *path = NULL, *pos = NULL;
    size_t i, len = 0, cur = NONE, first, min, size = 0;
    char *text = NULL;
    int rc = AMG_ENOMEM;

    path = amg_calloc(n, sizeof(*path));
    pos = amg_calloc(n, sizeof(*pos));
    if (!path || !pos)
        goto out;
    for (i = 0; i < n; i++) {
        pos[i] = NONE;
        if (!done[i] && before(nodes, i, cur))
            cur = i;
    }
    while (pos[cur] == NONE) {
        const char *const *d;
        size_t next = NONE;

        pos[cur] = len;
        path[len++] = cur;
        for (d = nodes[cur].deps; d && *d; d++) {
            size_t j = find_name(nodes, n, *d);

            if (!done[j] && before(nodes, j, next))
                next = j;
        }
        cur = next;
    }
    first = pos[cur];
    min = first;
    for (i = first; i < len; i++) {
        if (before(nodes, path[i], path[min]))
            min = i;
        size += strlen(nodes[path[i]].name) + 4;
    }
    size += strlen(nodes[path[min]].name) + 1;
    text = amg_malloc(size);
    if (!text)
        goto out;
    text[0] = '\0';
    for (i = 0; i < len - first; i++) {
        size_t at = strlen(text);

        snprintf(text + at, size - at, "%s -> ",
                 nodes[path[first + (min - first + i) % (len - first)]].name);
    }
    snprintf(text + strlen(text), size - strlen(text), "%s", nodes[path[min]].name);
    amg_error("dependency cycle: %s", text);
    rc = AMG_ECYCLE;
out:
    amg_free(path);
    amg_free(pos);
    amg_free(text);
    return rc;
}

int amg_graph_order(const struct amg_graph_node *nodes, size_t n, size_t *order)
{
    size_t *indeg = NULL;
    char *done = NULL;
    size_t i, j, count = 0;
    int rc;

    if (n == 0)
        return AMG_OK;
    if (!nodes || !order)
        return AMG_EINVAL;
    rc = check_names(nodes, n);
    if (rc)
        return rc;
    indeg = amg_calloc(n, sizeof(*indeg));
    done = amg_calloc(n, 1);
    if (!indeg || !done) {
        rc = AMG_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        const char *const *d;

        for (d = nodes[i].deps; d && *d; d++) {
            if (find_name(nodes, n, *d) == NONE) {
                amg_error("plugin '%s' depends on '%s', which is not loaded",
                          nodes[i].name, *d);
                rc = AMG_EDEP;
            }
            indeg[i]++;
        }
    }
    if (rc)
        goto out;
    while (count < n) {
        size_t pick = NONE;

        for (i = 0; i < n; i++) {
            if (!done[i] && indeg[i] == 0 && before(nodes, i, pick))
                pick = i;
        }
        if (pick == NONE)
            break;
        done[pick] = 1;
        order[count++] = pick;
        /* Per edge, so a dependency listed twice is also released twice. */
        for (j = 0; j < n; j++) {
            const char *const *d;

            for (d = nodes[j].deps; !done[j] && d && *d; d++) {
                if (strcmp(*d, nodes[pick].name) == 0)
                    indeg[j]--;
            }
        }
    }
    if (count < n)
        rc = report_cycle(nodes, n, done);
out:
    amg_free(indeg);
    amg_free(done);
    return rc;
}

/* Indexes of the nodes in name order. New array, NULL when out of memory. */
static size_t *sort_by_name(const struct amg_graph_node *nodes, size_t n)
{
    size_t *idx = amg_malloc((n ? n : 1) * sizeof(*idx));
    size_t i, k;

    if (!idx)
        return NULL;
    for (i = 0; i < n; i++) {
        size_t v = i;

        for (k = i; k > 0 && before(nodes, v, idx[k - 1]); k--)
            idx[k] = idx[k - 1];
        idx[k] = v;
    }
    return idx;
}

/* Names joined by ", " in name order, for "known: ..." hints. New string. */
static char *known_names(const struct amg_graph_node *nodes, size_t n, const size_t *by_name)
{
    char *text = NULL;
    size_t k, at = 0, size = 1;

    for (k = 0; k < n; k++)
        size += strlen(nodes[k].name) + 2;
    text = amg_malloc(size);
    if (!text)
        return NULL;
    text[0] = '\0';
    for (k = 0; k < n; k++)
        at += (size_t)snprintf(text + at, size - at, "%s%s", k ? ", " : "",
                               nodes[by_name[k]].name);
    return text;
}

/*
 * Mark the nodes named in a comma list. Items are trimmed, empty ones
 * ignored, and a ":filter" suffix (a record filter, applied later by the
 * plugin run) is cut off. Every unknown name is reported. *count gets the
 * number of names seen.
 */
static int mark_list(const struct amg_graph_node *nodes, size_t n, const size_t *by_name,
                     const char *list, const char *option, char *mark, size_t *count)
{
    const char *p = list;
    int rc = AMG_OK;

    *count = 0;
    while (*p) {
        const char *end = p + strcspn(p, ",");
        const char *stop = p + strcspn(p, ",:");
        const char *next = *end ? end + 1 : end;
        size_t idx;

        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;
        if (p == stop) {
            if (p + strspn(p, " \t") < end) {
                amg_error("%s: '%.*s' has a filter but no resource type", option,
                          (int)(end - p), p);
                rc = AMG_EINVAL;
            }
            p = next;
            continue;
        }
        (*count)++;
        idx = find_node(nodes, n, p, (size_t)(stop - p));
        if (idx == NONE) {
            char *known = known_names(nodes, n, by_name);

            amg_error("unknown resource type '%.*s' in %s (known: %s)", (int)(stop - p), p,
                      option, known ? known : "?");
            amg_free(known);
            rc = AMG_EINVAL;
        } else {
            mark[idx] = 1;
        }
        p = next;
    }
    return rc;
}

/* Add dependencies of selected nodes, smallest name first, each node's
 * dependencies looked at once. */
static int pull_deps(const struct amg_graph_node *nodes, size_t n, const char *excluded,
                     int *sel)
{
    char *visited = amg_calloc(n, 1);
    size_t i;

    if (!visited)
        return AMG_ENOMEM;
    for (;;) {
        const char *const *d;
        size_t cur = NONE;

        for (i = 0; i < n; i++) {
            if (sel[i] && !visited[i] && before(nodes, i, cur))
                cur = i;
        }
        if (cur == NONE)
            break;
        visited[cur] = 1;
        for (d = nodes[cur].deps; d && *d; d++) {
            size_t j = find_name(nodes, n, *d);

            /* Not loaded: amg_graph_order reports it. */
            if (j == NONE || sel[j])
                continue;
            if (excluded[j]) {
                amg_warn("'%s' needs '%s', which is excluded: the target must already "
                         "have it", nodes[cur].name, *d);
                continue;
            }
            sel[j] = 1;
            amg_info("pulled in '%s': needed by '%s'", *d, nodes[cur].name);
        }
    }
    amg_free(visited);
    return AMG_OK;
}

static void note_missing_deps(const struct amg_graph_node *nodes, size_t n,
                              const size_t *by_name, const int *sel)
{
    size_t k;

    for (k = 0; k < n; k++) {
        const struct amg_graph_node *node = &nodes[by_name[k]];
        const char *const *d;

        if (!sel[by_name[k]])
            continue;
        for (d = node->deps; d && *d; d++) {
            size_t j = find_name(nodes, n, *d);

            if (j == NONE || !sel[j])
                amg_info("'%s' runs without '%s': '%s' must already be in the target",
                         node->name, *d, *d);
        }
    }
}

int amg_graph_select(const struct amg_graph_node *nodes, size_t n,
                     const char *only, const char *exclude,
                     enum amg_select_mode mode, int *selected)
{
    char *only_mark = NULL, *excl_mark = NULL;
    size_t *by_name = NULL;
    int *sel = NULL;
    size_t i, count;
    int rc, rc2;

    if (n && (!nodes || !selected))
        return AMG_EINVAL;
    rc = check_names(nodes, n);
    if (rc)
        return rc;
    only_mark = amg_calloc(n ? n : 1, 1);
    excl_mark = amg_calloc(n ? n : 1, 1);
    sel = amg_calloc(n ? n : 1, sizeof(*sel));
    by_name = sort_by_name(nodes, n);
    if (!only_mark || !excl_mark || !sel || !by_name) {
        rc = AMG_ENOMEM;
        goto out;
    }
    if (only) {
        rc = mark_list(nodes, n, by_name, only, "--only", only_mark, &count);
        if (!rc && count == 0) {
            amg_error("--only names no resource type");
            rc = AMG_EINVAL;
        }
    }
    rc2 = AMG_OK;
    if (exclude)
        rc2 = mark_list(nodes, n, by_name, exclude, "--exclude", excl_mark, &count);
    if (rc || rc2) {
        rc = rc ? rc : rc2;
        goto out;
    }
    for (i = 0; i < n; i++)
        sel[i] = (!only || only_mark[i]) && !excl_mark[i];
    if (mode == AMG_SELECT_PULL_DEPS)
        rc = pull_deps(nodes, n, excl_mark, sel);
    else
        note_missing_deps(nodes, n, by_name, sel);
    if (rc)
        goto out;
    for (i = 0; i < n; i++)
        selected[i] = sel[i];
out:
    amg_free(only_mark);
    amg_free(excl_mark);
    amg_free(sel);
    amg_free(by_name);
    return rc;
}
