/*
 * The checks every section of the config schema uses, shared by the
 * section parsers (config_parse.c): one "FILE:LINE: ..." error that is
 * counted so validation goes on, type checks that name the expected
 * type, name and URL rules, and paths relative to the config's directory.
 */
#ifndef AMG_CONFIG_RULES_H
#define AMG_CONFIG_RULES_H

#include <stddef.h>
#include <libconfig.h>
#include "config.h"
#include "error.h"

/* State of one amg_config_parse() run. `path` and `dir` borrowed, `cfg`
 * borrowed (being filled). */
struct amg_cfg_loader {
    const char *path;
    const char *dir;       /* directory of the file, for relative paths */
    struct amg_config *cfg;
    int errors;            /* validation problems reported so far */
};

/* Log "FILE:LINE: text" for setting `s` and count it in ld->errors. */
void amg_cfg_error(struct amg_cfg_loader *ld, const config_setting_t *s, const char *fmt, ...)
    AMG_PRINTF(3, 4);

/* "an integer", "a string", ...: the type of `s` for messages. Static. */
const char *amg_cfg_type_name(const config_setting_t *s);

/* 1 if `s` is an int or int64 setting. */
int amg_cfg_is_int(const config_setting_t *s);

/* 1 if `ok`; otherwise reports "`where` must be `expected`, not ..." and
 * returns 0. */
int amg_cfg_want_type(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                      int ok, const char *expected);

/* 1 if `s` is a valid environment variable name. */
int amg_cfg_valid_env_name(const char *s);

/* 1 if `s` is non-empty and made of a-z, 0-9, A-Z when `upper`, and the
 * characters in `extra`. */
int amg_cfg_valid_name(const char *s, int upper, const char *extra);

/* 1 if `s` is an http(s) URL with a host part and no white space. */
int amg_cfg_valid_url(const char *s);

/* `value` as a new string (caller frees with amg_free), relative paths
 * joined to the config's directory. NULL on allocation failure. */
char *amg_cfg_resolve_path(const struct amg_cfg_loader *ld, const char *value);

/* Replace *dst (owned, freed) by a copy of src. AMG_OK or AMG_ENOMEM. */
int amg_cfg_set_str(char **dst, const char *src);

/*
 * The file name to print for a setting or error from libconfig's `file`
 * (may be NULL: the main file). libconfig names an @include file as
 * written, relative to the include directory `dir`; this joins them so
 * the message names a file the user can open. Writes into buf.
 */
void amg_config_source_name(const char *path, const char *dir, const char *file,
                            char *buf, size_t size);

#endif
