#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "config_parse.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "options.h"

#define MAX_KEY 64

char *amg_line_ref(const char *file, int line)
{
    size_t size = strlen(file) + 24;
    char *s = amg_malloc(size);

    if (s)
        snprintf(s, size, "%s:%d", file, line);
    return s;
}

const char *amg_option_type_name(enum amg_option_type type)
{
    switch (type) {
    case AMG_OPTION_STRING: return "string";
    case AMG_OPTION_INT: return "int";
    case AMG_OPTION_BOOL: return "bool";
    }
    return "unknown";
}

static int valid_key(const char *s)
{
    size_t i, len;

    if (!s)
        return 0;
    len = strnlen(s, MAX_KEY + 1);
    if (len == 0 || len > MAX_KEY)
        return 0;
    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    }
    return 1;
}

static int is_int_text(const char *v)
{
    char *end = NULL;

    errno = 0;
    (void)strtoll(v, &end, 10);
    return end != v && *end == '\0' && errno == 0;
}

static int text_fits(enum amg_option_type type, const char *v)
{
    switch (type) {
    case AMG_OPTION_STRING: return 1;
    case AMG_OPTION_INT: return is_int_text(v);
    case AMG_OPTION_BOOL: return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
    }
    return 0;
}

int amg_options_check_table(const char *path, const struct amg_plugin *d)
{
    const struct amg_plugin_option *t = amg_plugin_options(d);
    size_t i, j;
    int bad = 0;

    for (i = 0; t && t[i].name; i++) {
        const struct amg_plugin_option *o = &t[i];

        if (!valid_key(o->name)) {
            amg_error("%s: plugin '%s': option '%.*s' is not a valid key ([a-z0-9_]+)",
                      path, d->name, MAX_KEY, o->name);
            bad = 1;
            continue;
        }
        if (o->type != AMG_OPTION_STRING && o->type != AMG_OPTION_INT &&
            o->type != AMG_OPTION_BOOL) {
            amg_error("%s: plugin '%s': option '%s' has an unknown type %d", path, d->name,
                      o->name, (int)o->type);
            bad = 1;
        } else if (o->default_value && !text_fits(o->type, o->default_value)) {
            amg_error("%s: plugin '%s': option '%s': default '%s' is not of type %s", path,
                      d->name, o->name, o->default_value, amg_option_type_name(o->type));
            bad = 1;
        }
        if (!o->description || !*o->description) {
            amg_error("%s: plugin '%s': option '%s' has no description", path, d->name,
                      o->name);
            bad = 1;
        }
        for (j = 0; j < i; j++) {
            if (t[j].name && strcmp(t[j].name, o->name) == 0) {
                amg_error("%s: plugin '%s': option '%s' is declared twice", path, d->name,
                          o->name);
                bad = 1;
            }
        }
    }
    return bad ? AMG_EPLUGIN : AMG_OK;
}

static const struct amg_plugin_option *find_option(const struct amg_plugin *d,
                                                   const char *key)
{
    const struct amg_plugin_option *t = amg_plugin_options(d);

    for (; t && t->name; t++) {
        if (strcmp(t->name, key) == 0)
            return t;
    }
    return NULL;
}

static int type_matches(enum amg_option_type type, int cfg_type)
{
    switch (type) {
    case AMG_OPTION_STRING: return cfg_type == CONFIG_TYPE_STRING;
    case AMG_OPTION_INT: return cfg_type == CONFIG_TYPE_INT || cfg_type == CONFIG_TYPE_INT64;
    case AMG_OPTION_BOOL: return cfg_type == CONFIG_TYPE_BOOL;
    }
    return 0;
}

/* Report every problem with one setting; returns 1 when there was one. */
static int check_one(const struct amg_plugin_set *set, const struct amg_plugin_opt *o)
{
    const struct amg_loaded_plugin *p = amg_plugins_find(set, o->plugin);
    const struct amg_plugin_option *decl;

    if (!p) {
        amg_error("%s: plugins.%s.%s: no plugin '%s' is loaded (see appid-migrate plugins)",
                  o->where, o->plugin, o->key, o->plugin);
        return 1;
    }
    decl = find_option(p->desc, o->key);
    if (!decl) {
        amg_error("%s: plugins.%s.%s: plugin '%s' has no option '%s' "
                  "(see appid-migrate plugins --options %s)",
                  o->where, o->plugin, o->key, o->plugin, o->key, o->plugin);
        return 1;
    }
    if (!type_matches(decl->type, o->cfg_type)) {
        amg_error("%s: plugins.%s.%s: plugin '%s' wants %s %s, not '%s'", o->where,
                  o->plugin, o->key, o->plugin, decl->type == AMG_OPTION_INT ? "an" : "a",
                  amg_option_type_name(decl->type), o->value);
        return 1;
    }
    return 0;
}

static int is_set(const struct amg_plugin_opts *opts, const char *plugin, const char *key)
{
    size_t i;

    for (i = 0; i < opts->n; i++) {
        if (strcmp(opts->v[i].plugin, plugin) == 0 && strcmp(opts->v[i].key, key) == 0)
            return 1;
    }
    return 0;
}

static int add_default(struct amg_plugin_opts *opts, const char *plugin,
                       const struct amg_plugin_option *decl)
{
    struct amg_plugin_opt *grown, *o;

    grown = amg_realloc(opts->v, (opts->n + 1) * sizeof(*grown));
    if (!grown)
        return AMG_ENOMEM;
    opts->v = grown;
    o = &opts->v[opts->n];
    memset(o, 0, sizeof(*o));
    o->plugin = amg_strdup(plugin);
    o->key = amg_strdup(decl->name);
    o->value = amg_strdup(decl->default_value);
    opts->n++;
    if (!o->plugin || !o->key || !o->value)
        return AMG_ENOMEM;
    return AMG_OK;
}

int amg_options_apply(struct amg_config *cfg, const struct amg_plugin_set *set)
{
    struct amg_plugin_opts *opts = cfg ? cfg->plugin_options : NULL;
    size_t i;
    int errors = 0, rc;

    if (!opts || !set)
        return AMG_EINVAL;
    for (i = 0; i < opts->n; i++)
        errors += check_one(set, &opts->v[i]);
    if (errors) {
        amg_error("%d problem%s in plugin options", errors, errors == 1 ? "" : "s");
        return AMG_ECONFIG;
    }
    for (i = 0; i < set->n; i++) {
        const struct amg_plugin *d = set->plugins[i].desc;
        const struct amg_plugin_option *t = amg_plugin_options(d);

        for (; t && t->name; t++) {
            if (!t->default_value || is_set(opts, d->name, t->name))
                continue;
            rc = add_default(opts, d->name, t);
            if (rc < 0)
                return rc;
        }
    }
    return AMG_OK;
}

void amg_options_print(FILE *out, const struct amg_plugin *d)
{
    const struct amg_plugin_option *t = amg_plugin_options(d);

    if (!t || !t->name) {
        fprintf(out, "%s: no options\n", d->name);
        return;
    }
    fprintf(out, "plugins.%s:\n", d->name);
    for (; t->name; t++) {
        fprintf(out, "  %s (%s, default: %s)\n", t->name, amg_option_type_name(t->type),
                t->default_value ? t->default_value : "unset");
        fprintf(out, "      %s\n", t->description);
    }
}
