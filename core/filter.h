/*
 * Record filters: `--only plugin:field=glob[+field=glob...]`. Items of one
 * plugin are alternatives (OR); the conditions inside an item, joined by
 * '+', must all hold (AND). Globs are fnmatch(3) patterns. A plugin
 * declares the fields it accepts (filter_fields, ABI 1.1) and, per record,
 * builds a flat "view" object with them; a field whose value is an array
 * matches when any element does.
 */
#ifndef AMG_FILTER_H
#define AMG_FILTER_H

#include <jansson.h>
#include "loader.h"

struct amg_filters;
struct amg_filter_list;

/*
 * Parse the filters in an --only list (items without ':' select plugins
 * only and are skipped here). `exclude` must carry no filters. Every field
 * must be one the plugin declares. Errors are logged and give AMG_EUSAGE.
 * *out is a new set (possibly empty), freed with amg_filters_free().
 */
int amg_filters_parse(const char *only, const char *exclude,
                      const struct amg_plugin_set *set, struct amg_filters **out);
void amg_filters_free(struct amg_filters *f);

/* Filters of one plugin, or NULL when it has none. Borrowed from f. */
const struct amg_filter_list *amg_filters_for(const struct amg_filters *f,
                                              const char *plugin);

/* 1 when `view` passes `list` (always 1 for a NULL list), else 0. */
int amg_filter_match(const struct amg_filter_list *list, json_t *view);

#endif
