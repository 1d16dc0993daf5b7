/*
 * Plugin loader: scans directories for *.so files, dlopen()s them with
 * RTLD_NOW|RTLD_LOCAL, and checks the descriptor fully before any hook can
 * be called. Every rejected handle is closed. Rejections are errors that
 * name the file and the reason.
 */
#ifndef AMG_LOADER_H
#define AMG_LOADER_H

#include <stddef.h>
#include "appid-migrate/plugin.h"

/* The core's record of one loaded plugin. */
struct amg_loaded_plugin {
    const struct amg_plugin *desc;  /* inside the .so; valid while loaded */
    char *path;                     /* owned */
    void *handle;                   /* dlopen handle, owned */
};

struct amg_plugin_set {
    struct amg_loaded_plugin *plugins; /* sorted by name after load */
    size_t n;
};

/*
 * Load every *.so in each of `dirs` (n_dirs entries; regular files only,
 * symlinks to regular files accepted, hidden files skipped, files taken in
 * strcmp order). A directory that does not exist or cannot be read is an
 * error. Any rejected plugin makes the whole call fail with AMG_EPLUGIN
 * or AMG_EABI after logging each reason (AMG_EABI when any rejection was
 * an ABI mismatch; AMG_EIO when only directories failed); nothing stays
 * loaded then. Descriptor rules: name [a-z0-9_]+ of at most 64 characters,
 * non-empty version, at most 64 dependencies with valid names, at least
 * one hook, name unique across all directories. On success *out is a new
 * set, freed with amg_plugins_free().
 */
int amg_plugins_load(const char *const *dirs, size_t n_dirs,
                     struct amg_plugin_set **out);

/* Load one file into `set` (used by amg_plugins_load and tests). On
 * rejection logs why, closes the handle and leaves `set` unchanged. */
int amg_plugins_load_file(struct amg_plugin_set *set, const char *path);

/* An empty set (caller frees). */
struct amg_plugin_set *amg_plugins_new(void);

/* dlclose()s every handle unless AMG_NO_DLCLOSE is set in the environment
 * (keeps symbols for LeakSanitizer reports). NULL is a no-op. */
void amg_plugins_free(struct amg_plugin_set *set);

/* The plugin's record-filter fields (ABI 1.1), or NULL for plugins built
 * against ABI 1.0 or declaring none. Borrowed from the plugin. */
const char *const *amg_plugin_filter_fields(const struct amg_plugin *d);

/* The plugin's option table (ABI 1.4, terminated by a NULL name), or NULL
 * for older plugins or plugins declaring none. Borrowed from the plugin. */
const struct amg_plugin_option *amg_plugin_options(const struct amg_plugin *d);

/* The secrets `d` declares (ABI 1.5), or NULL for an older plugin. */
const char *const *amg_plugin_secrets(const struct amg_plugin *d);

/* The descriptor's flags (ABI 1.6); 0 for older plugins. */
unsigned amg_plugin_flags(const struct amg_plugin *d);

/* Plugin by name, or NULL. Borrowed. */
const struct amg_loaded_plugin *amg_plugins_find(const struct amg_plugin_set *set,
                                                 const char *name);

/*
 * Directories to scan, in priority order: --plugin-dir values, then the
 * config's plugin_dir list, then APPID_MIGRATE_PLUGIN_PATH (colon list);
 * the installed default only when none of those gave a directory. Every
 * source is used, not just the first that has entries; empty items and
 * repeats of a directory already listed are dropped. Returns a
 * NULL-terminated array of new strings (free each, then the array), or
 * NULL when out of memory.
 */
char **amg_plugin_dirs(const char *const *cli_dirs, size_t n_cli,
                       const char *const *conf_dirs, size_t n_conf,
                       const char *default_dir);

#endif
