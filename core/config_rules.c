/*
 * Rules shared by the config schema's section parsers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_parse.h"
#include "config_rules.h"
#include "log.h"
#include "mem.h"

/* One "FILE:LINE: text" error; counted so that validation can go on and
 * report everything before failing. */
void amg_cfg_error(struct amg_cfg_loader *ld, const config_setting_t *s, const char *fmt, ...)
{
    char msg[1024], file[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    amg_config_source_name(ld->path, ld->dir, config_setting_source_file(s), file,
                           sizeof(file));
    amg_error("%s:%d: %s", file, (int)config_setting_source_line(s), msg);
    ld->errors++;
}

const char *amg_cfg_type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP: return "a group";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a float";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    default: return "of unknown type";
    }
}

int amg_cfg_is_int(const config_setting_t *s)
{
    return config_setting_type(s) == CONFIG_TYPE_INT ||
           config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* Type check with an error naming the expected type; returns 1 if ok. */
int amg_cfg_want_type(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                      int ok, const char *expected)
{
    if (ok)
        return 1;
    amg_cfg_error(ld, s, "%s must be %s, not %s", where, expected, amg_cfg_type_name(s));
    return 0;
}

int amg_cfg_valid_env_name(const char *s)
{
    const char *p;

    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return 0;
    for (p = s + 1; *p; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    }
    return 1;
}

/* Name made of the given classes of characters plus `extra`. */
int amg_cfg_valid_name(const char *s, int upper, const char *extra)
{
    const char *p;

    if (!s || !*s)
        return 0;
    for (p = s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            (upper && *p >= 'A' && *p <= 'Z') || strchr(extra, *p))
            continue;
        return 0;
    }
    return 1;
}

int amg_cfg_valid_url(const char *s)
{
    const char *rest;

    if (strncmp(s, "http://", 7) == 0)
        rest = s + 7;
    else if (strncmp(s, "https://", 8) == 0)
        rest = s + 8;
    else
        return 0;
    return *rest && *rest != '/' && !strpbrk(s, " \t\r\n");
}

/* `value` as a new string, relative paths joined to the config's
 * directory. NULL on allocation failure. */
char *amg_cfg_resolve_path(const struct amg_cfg_loader *ld, const char *value)
{
    size_t dlen, len;
    char *out;

    if (value[0] == '/' || strcmp(ld->dir, ".") == 0)
        return amg_strdup(value);
    while (value[0] == '.' && value[1] == '/')
        value += 2;
    if (strcmp(value, ".") == 0)
        value += 1;
    dlen = strlen(ld->dir);
    if (!*value)
        return amg_strdup(ld->dir);
    len = dlen + 1 + strlen(value) + 1;
    out = amg_malloc(len);
    if (out)
        snprintf(out, len, "%s%s%s", ld->dir,
                 ld->dir[dlen - 1] == '/' ? "" : "/", value);
    return out;
}

void amg_config_source_name(const char *path, const char *dir, const char *file,
                            char *buf, size_t size)
{
    if (!file || strcmp(file, path) == 0 || file[0] == '/' || strcmp(dir, ".") == 0)
        snprintf(buf, size, "%s", file ? file : path);
    else
        snprintf(buf, size, "%s/%s", dir, file);
}

/* Replace *dst by a copy of src. */
int amg_cfg_set_str(char **dst, const char *src)
{
    char *copy = amg_strdup(src);

    if (!copy)
        return AMG_ENOMEM;
    amg_free(*dst);
    *dst = copy;
    return AMG_OK;
}
