/*
 * Declared plugin options (ABI 1.4): checks the option tables plugins
 * declare, checks the config's plugins.<name> sections against them,
 * fills in defaults, and prints a table for `plugins --options`.
 */
#ifndef AMG_OPTIONS_H
#define AMG_OPTIONS_H

#include <stdio.h>
#include "appid-migrate/plugin.h"

struct amg_config;
struct amg_plugin_set;

/* "FILE:LINE" as a new string (amg_free), or NULL when out of memory. */
char *amg_line_ref(const char *file, int line);

/* Check descriptor `d`'s option table (names [a-z0-9_]+ and unique, known
 * types, defaults of the declared type, descriptions present). Logs each
 * problem naming `path` and the plugin. Returns 0 or AMG_EPLUGIN. */
int amg_options_check_table(const char *path, const struct amg_plugin *d);

/*
 * Check every plugins.<name>.<key> of `cfg` against the loaded plugins'
 * tables: a section for a plugin that is not loaded, a key the plugin
 * does not declare, or a value of another type is an error
 * "FILE:LINE: plugins.<name>.<key>: ..." naming the plugin. All problems
 * are logged before returning AMG_ECONFIG. On success, adds each declared
 * default that is not set, so host->option() returns it.
 */
int amg_options_apply(struct amg_config *cfg, const struct amg_plugin_set *set);

/* The type's name as shown to operators ("string", "int", "bool"). */
const char *amg_option_type_name(enum amg_option_type type);

/* The option table of `d` as text: one block a key with type, default and
 * description. Also the text docs/plugins.md carries. */
void amg_options_print(FILE *out, const struct amg_plugin *d);

#endif
