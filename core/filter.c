#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filter.h"
#include "error.h"
#include "log.h"
#include "mem.h"

struct amg_filter_cond {
    char *field;
    char *glob;
};

/* One item: all conditions must hold. */
struct amg_filter_item {
    struct amg_filter_cond *conds;
    size_t n;
};

/* All items of one plugin: any may hold. */
struct amg_filter_list {
    char *plugin;
    struct amg_filter_item *items;
    size_t n;
};

struct amg_filters {
    struct amg_filter_list *lists;
    size_t n;
};

static void list_clear(struct amg_filter_list *l)
{
    size_t i, j;

    for (i = 0; i < l->n; i++) {
        for (j = 0; j < l->items[i].n; j++) {
            amg_free(l->items[i].conds[j].field);
            amg_free(l->items[i].conds[j].glob);
        }
        amg_free(l->items[i].conds);
    }
    amg_free(l->items);
    amg_free(l->plugin);
}

void amg_filters_free(struct amg_filters *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++)
        list_clear(&f->lists[i]);
    amg_free(f->lists);
    amg_free(f);
}

const struct amg_filter_list *amg_filters_for(const struct amg_filters *f, const char *plugin)
{
    size_t i;

    for (i = 0; f && i < f->n; i++) {
        if (strcmp(f->lists[i].plugin, plugin) == 0)
            return &f->lists[i];
    }
    return NULL;
}

static struct amg_filter_list *list_get(struct amg_filters *f, const char *plugin)
{
    struct amg_filter_list *grown;
    struct amg_filter_list *l = (struct amg_filter_list *)amg_filters_for(f, plugin);

    if (l)
        return l;
    grown = amg_realloc(f->lists, (f->n + 1) * sizeof(*grown));
    if (!grown)
        return NULL;
    f->lists = grown;
    l = &f->lists[f->n];
    memset(l, 0, sizeof(*l));
    l->plugin = amg_strdup(plugin);
    if (!l->plugin)
        return NULL;
    f->n++;
    return l;
}

static int field_declared(const struct amg_plugin *d, const char *field)
{
    const char *const *f = amg_plugin_filter_fields(d);

    for (; f && *f; f++) {
        if (strcmp(*f, field) == 0)
            return 1;
    }
    return 0;
}

/* "field1, field2" for messages; new string. */
static char *field_names(const struct amg_plugin *d)
{
    const char *const *f = amg_plugin_filter_fields(d);
    size_t len = 1;
    char *s;

    size_t used = 0;

    for (const char *const *g = f; g && *g; g++)
        len += strlen(*g) + 2;
    s = amg_calloc(1, len);
    for (; s && f && *f; f++)
        used += (size_t)snprintf(s + used, len - used, "%s%s", used ? ", " : "", *f);
    return s;
}

/* Parse "field=glob+field=glob" of `plugin` into a new item of `l`. */
static int parse_item(struct amg_filter_list *l, const struct amg_plugin *d, char *spec)
{
    struct amg_filter_item *items;
    struct amg_filter_item *item;
    char *save = NULL;
    char *cond;
    char *names;

    items = amg_realloc(l->items, (l->n + 1) * sizeof(*items));
    if (!items)
        return AMG_ENOMEM;
    l->items = items;
    item = &l->items[l->n++];
    memset(item, 0, sizeof(*item));
    for (cond = strtok_r(spec, "+", &save); cond; cond = strtok_r(NULL, "+", &save)) {
        char *eq = strchr(cond, '=');
        struct amg_filter_cond *conds;

        if (!eq || eq == cond) {
            amg_error("--only %s: filter '%s' must look like field=pattern", l->plugin, cond);
            return AMG_EUSAGE;
        }
        *eq = '\0';
        if (!field_declared(d, cond)) {
            names = field_names(d);
            if (names && *names)
                amg_error("--only %s: no record filter field '%s' (fields: %s)", l->plugin,
                          cond, names);
            else
                amg_error("--only %s: this resource type takes no record filters", l->plugin);
            amg_free(names);
            return AMG_EUSAGE;
        }
        conds = amg_realloc(item->conds, (item->n + 1) * sizeof(*conds));
        if (!conds)
            return AMG_ENOMEM;
        item->conds = conds;
        conds[item->n].field = amg_strdup(cond);
        conds[item->n].glob = amg_strdup(eq + 1);
        item->n++;
        if (!conds[item->n - 1].field || !conds[item->n - 1].glob)
            return AMG_ENOMEM;
    }
    if (item->n == 0) {
        amg_error("--only %s: empty record filter", l->plugin);
        return AMG_EUSAGE;
    }
    return AMG_OK;
}

int amg_filters_parse(const char *only, const char *exclude,
                      const struct amg_plugin_set *set, struct amg_filters **out)
{
    struct amg_filters *f = NULL;
    char *copy = NULL;
    char *save = NULL;
    char *item;
    int rc = AMG_ENOMEM;

    *out = NULL;
    if (exclude && strchr(exclude, ':')) {
        amg_error("--exclude takes resource types only; record filters go in --only");
        return AMG_EUSAGE;
    }
    f = amg_calloc(1, sizeof(*f));
    copy = amg_strdup(only ? only : "");
    if (!f || !copy)
        goto out;
    for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        const struct amg_loaded_plugin *p;
        struct amg_filter_list *l;
        char *name = item;

        if (!colon)
            continue;
        *colon = '\0';
        while (*name == ' ')
            name++;
        for (char *end = name + strlen(name); end > name && end[-1] == ' '; end--)
            end[-1] = '\0';
        p = amg_plugins_find(set, name);
        if (!p) {
            /* The selection reports unknown names with the list of known
             * ones; nothing to add here. */
            continue;
        }
        l = list_get(f, name);
        if (!l)
            goto out;
        rc = parse_item(l, p->desc, colon + 1);
        if (rc != AMG_OK)
            goto out;
        rc = AMG_ENOMEM;
    }
    *out = f;
    f = NULL;
    rc = AMG_OK;
out:
    amg_filters_free(f);
    amg_free(copy);
    return rc;
}

static int value_matches(json_t *v, const char *glob)
{
    size_t i;
    json_t *e;

    if (json_is_string(v))
        return fnmatch(glob, json_string_value(v), 0) == 0;
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            if (json_is_string(e) && fnmatch(glob, json_string_value(e), 0) == 0)
                return 1;
        }
    }
    return 0;
}

int amg_filter_match(const struct amg_filter_list *list, json_t *view)
{
    size_t i, j;

    if (!list)
        return 1;
    for (i = 0; i < list->n; i++) {
        const struct amg_filter_item *item = &list->items[i];

        for (j = 0; j < item->n; j++) {
            if (!value_matches(json_object_get(view, item->conds[j].field),
                               item->conds[j].glob))
                break;
        }
        if (j == item->n)
            return 1;
    }
    return 0;
}
