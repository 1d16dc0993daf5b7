/*
 * Schema check of a parsed libconfig tree, private to config.c: walks
 * every setting, reports each problem as "FILE:LINE: ..." and keeps
 * going, and fills the struct amg_config it is given.
 */
#ifndef AMG_CONFIG_PARSE_H
#define AMG_CONFIG_PARSE_H

#include <stddef.h>
#include <libconfig.h>
#include "config.h"
#include "config_rules.h"

/* plugins.<plugin>.<key>, the value formatted as text at load time so that
 * lookups hand out strings owned by the config. All members owned. */
struct amg_plugin_opt {
    char *plugin;
    char *key;
    char *value;
    char *where;     /* "FILE:LINE" of the setting, for later checks */
    int cfg_type;    /* libconfig's CONFIG_TYPE_*; 0 for a default the core added */
};

/* What struct amg_config's plugin_options points to. */
struct amg_plugin_opts {
    struct amg_plugin_opt *v;
    size_t n;
};

/*
 * Fill `cfg`, which must hold the defaults (amg_config_default), from the
 * settings under `root`. `path` names the file in messages when libconfig
 * does not know it; relative paths in the file are joined to `dir`. Both
 * borrowed. Adds the number of problems reported to *errors. Returns
 * AMG_OK, even when it reported problems, or AMG_ENOMEM; `cfg` may be
 * partly filled either way and is still freed with amg_config_free().
 */
int amg_config_parse(struct amg_config *cfg, const config_setting_t *root,
                     const char *path, const char *dir, int *errors);

#endif
