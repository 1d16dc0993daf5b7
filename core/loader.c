#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "options.h"
#include "secret.h"

/* Everything a 1.0 plugin provides; later minors only append members. */
#define ABI_1_0_SIZE (offsetof(struct amg_plugin, validate_fn) + sizeof(amg_hook_fn))
#define ABI_1_1_SIZE (offsetof(struct amg_plugin, filter_fields) + sizeof(const char *const *))
#define ABI_1_4_SIZE (offsetof(struct amg_plugin, options) + \
                      sizeof(const struct amg_plugin_option *))
#define ABI_1_5_SIZE (offsetof(struct amg_plugin, secrets) + sizeof(const char *const *))
#define ABI_1_6_SIZE (offsetof(struct amg_plugin, flags) + sizeof(unsigned))

/* Descriptor size a plugin claiming ABI 1.`minor` must at least have. */
static size_t needed_size(unsigned minor)
{
    if (minor >= 6)
        return ABI_1_6_SIZE;
    if (minor >= 5)
        return ABI_1_5_SIZE;
    if (minor >= 4)
        return ABI_1_4_SIZE;
    return minor >= 1 ? ABI_1_1_SIZE : ABI_1_0_SIZE;
}

const struct amg_plugin_option *amg_plugin_options(const struct amg_plugin *d)
{
    if (d->abi_minor < 4 || d->struct_size < ABI_1_4_SIZE)
        return NULL;
    return d->options;
}

const char *const *amg_plugin_secrets(const struct amg_plugin *d)
{
    if (d->abi_minor < 5 || d->struct_size < ABI_1_5_SIZE)
        return NULL;
    return d->secrets;
}

unsigned amg_plugin_flags(const struct amg_plugin *d)
{
    if (d->abi_minor < 6 || d->struct_size < ABI_1_6_SIZE)
        return 0;
    return d->flags;
}

const char *const *amg_plugin_filter_fields(const struct amg_plugin *d)
{
    if (d->abi_minor < 1 || d->struct_size < ABI_1_1_SIZE)
        return NULL;
    return d->filter_fields;
}
#define MAX_DEPS 64
#define MAX_NAME 64

/* LeakSanitizer needs the plugin's symbols after exit to name leaks. */
static void close_handle(void *handle)
{
    if (handle && !getenv("AMG_NO_DLCLOSE"))
        dlclose(handle);
}

struct amg_plugin_set *amg_plugins_new(void)
{
    return amg_calloc(1, sizeof(struct amg_plugin_set));
}

void amg_plugins_free(struct amg_plugin_set *set)
{
    size_t i;

    if (!set)
        return;
    for (i = 0; i < set->n; i++) {
        close_handle(set->plugins[i].handle);
        amg_free(set->plugins[i].path);
    }
    amg_free(set->plugins);
    amg_free(set);
}

const struct amg_loaded_plugin *amg_plugins_find(const struct amg_plugin_set *set,
                                                 const char *name)
{
    size_t i;

    if (!set || !name)
        return NULL;
    for (i = 0; i < set->n; i++) {
        if (strcmp(set->plugins[i].desc->name, name) == 0)
            return &set->plugins[i];
    }
    return NULL;
}

/* [a-z0-9_]+, bounded so that a garbage pointer in a bad descriptor is not
 * read far. */
static int valid_plugin_name(const char *s)
{
    size_t i, len;

    if (!s)
        return 0;
    len = strnlen(s, MAX_NAME + 1);
    if (len == 0 || len > MAX_NAME)
        return 0;
    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    }
    return 1;
}

/* The whole descriptor is checked before any hook may run. The ABI fields
 * come first: the rest is only read once the layout is known to match. */
static int check_descriptor(const struct amg_plugin_set *set, const char *path,
                            const struct amg_plugin *d)
{
    const struct amg_loaded_plugin *other;
    size_t i;

    if (d->abi_major != AMG_PLUGIN_ABI_MAJOR) {
        amg_error("%s: plugin ABI %u.%u, this appid-migrate supports %d.x", path,
                  d->abi_major, d->abi_minor, AMG_PLUGIN_ABI_MAJOR);
        return AMG_EABI;
    }
    if (d->abi_minor > AMG_PLUGIN_ABI_MINOR) {
        amg_error("%s: plugin ABI %u.%u needs a newer appid-migrate (this one supports "
                  "up to %d.%d)", path, d->abi_major, d->abi_minor,
                  AMG_PLUGIN_ABI_MAJOR, AMG_PLUGIN_ABI_MINOR);
        return AMG_EABI;
    }
    if (d->struct_size < needed_size(d->abi_minor)) {
        amg_error("%s: plugin descriptor is %zu bytes, ABI %u.%u needs at least %zu", path,
                  d->struct_size, d->abi_major, d->abi_minor, needed_size(d->abi_minor));
        return AMG_EABI;
    }
    if (!d->name || !*d->name) {
        amg_error("%s: plugin has no name", path);
        return AMG_EPLUGIN;
    }
    if (!valid_plugin_name(d->name)) {
        amg_error("%s: plugin name '%.*s' is invalid (want [a-z0-9_]+, at most %d characters)",
                  path, MAX_NAME, d->name, MAX_NAME);
        return AMG_EPLUGIN;
    }
    if (!d->version || !*d->version) {
        amg_error("%s: plugin '%s' has no version", path, d->name);
        return AMG_EPLUGIN;
    }
    for (i = 0; d->deps && d->deps[i]; i++) {
        if (i == MAX_DEPS) {
            amg_error("%s: plugin '%s' has more than %d dependencies", path, d->name,
                      MAX_DEPS);
            return AMG_EPLUGIN;
        }
        if (!valid_plugin_name(d->deps[i])) {
            amg_error("%s: plugin '%s': dependency '%.*s' is not a valid plugin name", path,
                      d->name, MAX_NAME, d->deps[i]);
            return AMG_EPLUGIN;
        }
    }
    if (!d->export_fn && !d->import_fn && !d->validate_fn) {
        amg_error("%s: plugin '%s' has no hooks (export, import and validate are all NULL)",
                  path, d->name);
        return AMG_EPLUGIN;
    }
    if (amg_options_check_table(path, d) < 0)
        return AMG_EPLUGIN;
    for (i = 0; amg_plugin_secrets(d) && amg_plugin_secrets(d)[i]; i++) {
        if (!amg_secret_known(amg_plugin_secrets(d)[i])) {
            amg_error("%s: plugin '%s' needs secret '%.*s', which appid-migrate does not "
                      "know", path, d->name, MAX_NAME, amg_plugin_secrets(d)[i]);
            return AMG_EPLUGIN;
        }
    }
    other = amg_plugins_find(set, d->name);
    if (other) {
        amg_error("%s: plugin '%s' already loaded from %s", path, d->name, other->path);
        return AMG_EPLUGIN;
    }
    return AMG_OK;
}

/* Keep the set sorted by name: lookups and listings need no later sort. */
static int insert_sorted(struct amg_plugin_set *set, const struct amg_plugin *desc,
                         const char *path, void *handle)
{
    struct amg_loaded_plugin *grown;
    char *copy = amg_strdup(path);
    size_t at;

    if (!copy)
        return AMG_ENOMEM;
    grown = amg_realloc(set->plugins, (set->n + 1) * sizeof(*grown));
    if (!grown) {
        amg_free(copy);
        return AMG_ENOMEM;
    }
    set->plugins = grown;
    for (at = set->n; at > 0 && strcmp(grown[at - 1].desc->name, desc->name) > 0; at--)
        grown[at] = grown[at - 1];
    grown[at].desc = desc;
    grown[at].path = copy;
    grown[at].handle = handle;
    set->n++;
    return AMG_OK;
}

int amg_plugins_load_file(struct amg_plugin_set *set, const char *path)
{
    const struct amg_plugin *desc;
    amg_plugin_entry_fn entry;
    void *handle = NULL;
    const char *err;
    void *sym;
    int rc;

    if (!set || !path)
        return AMG_EINVAL;
    dlerror();
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        err = dlerror();
        amg_error("%s: cannot load: %s (missing library? try: ldd %s)", path,
                  err ? err : "unknown dlopen error", path);
        rc = AMG_EPLUGIN;
        goto out;
    }
    dlerror();
    sym = dlsym(handle, AMG_PLUGIN_ENTRY_SYMBOL);
    err = dlerror();
    if (err || !sym) {
        amg_error("%s: not an appid-migrate plugin (no %s symbol)", path,
                  AMG_PLUGIN_ENTRY_SYMBOL);
        rc = AMG_EPLUGIN;
        goto out;
    }
    /* POSIX guarantees that dlsym's object pointer converts to a function. */
    entry = (amg_plugin_entry_fn)sym;
    desc = entry();
    if (!desc) {
        amg_error("%s: %s() returned NULL", path, AMG_PLUGIN_ENTRY_SYMBOL);
        rc = AMG_EPLUGIN;
        goto out;
    }
    rc = check_descriptor(set, path, desc);
    if (rc)
        goto out;
    rc = insert_sorted(set, desc, path, handle);
    if (rc)
        goto out;
    amg_debug("loaded plugin '%s' %s from %s", desc->name, desc->version, path);
    handle = NULL;
out:
    close_handle(handle);
    return rc;
}

static int select_so(const struct dirent *e)
{
    size_t len = strlen(e->d_name);

    return e->d_name[0] != '.' && len > 3 && strcmp(e->d_name + len - 3, ".so") == 0;
}

/* strcmp rather than alphasort: the order must not depend on the locale. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Regular file, directly or through symlinks (libtool's .libs has them). */
static int is_regular(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return 0;
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) {
        amg_warn("%s: dangling symbolic link, skipped", path);
        return 0;
    }
    return S_ISREG(st.st_mode);
}

/* ABI problems outrank other rejections, which outrank unreadable
 * directories, when choosing the one status to return. */
static int worse(int a, int b)
{
    static const int rank[] = { AMG_EABI, AMG_EPLUGIN, AMG_EIO };
    size_t i;

    for (i = 0; i < sizeof(rank) / sizeof(rank[0]); i++) {
        if (a == rank[i] || b == rank[i])
            return rank[i];
    }
    return a ? a : b;
}

static int load_dir(struct amg_plugin_set *set, const char *dir, int *status)
{
    struct dirent **list = NULL;
    char *path = NULL;
    int i, n, rc = AMG_OK;

    n = scandir(dir, &list, select_so, by_name);
    if (n < 0) {
        amg_error("plugin directory %s: %s", dir, strerror(errno));
        *status = worse(*status, AMG_EIO);
        return AMG_OK;
    }
    for (i = 0; i < n && rc != AMG_ENOMEM; i++) {
        size_t len = strlen(dir) + strlen(list[i]->d_name) + 2;

        path = amg_malloc(len);
        if (!path) {
            rc = AMG_ENOMEM;
            break;
        }
        snprintf(path, len, "%s/%s", dir, list[i]->d_name);
        if (!is_regular(path)) {
            amg_debug("%s: not a regular file, skipped", path);
        } else {
            rc = amg_plugins_load_file(set, path);
            if (rc && rc != AMG_ENOMEM)
                *status = worse(*status, rc);
        }
        amg_free(path);
        path = NULL;
    }
    for (i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return rc == AMG_ENOMEM ? rc : AMG_OK;
}

int amg_plugins_load(const char *const *dirs, size_t n_dirs, struct amg_plugin_set **out)
{
    struct amg_plugin_set *set = NULL;
    int status = AMG_OK;
    size_t i;
    int rc;

    *out = NULL;
    set = amg_plugins_new();
    if (!set)
        return AMG_ENOMEM;
    for (i = 0; i < n_dirs; i++) {
        rc = load_dir(set, dirs[i], &status);
        if (rc)
            goto out;
    }
    rc = status;
    if (rc)
        goto out;
    *out = set;
    set = NULL;
out:
    amg_plugins_free(set);
    return rc;
}

static int add_dir(char ***v, size_t *n, const char *dir, size_t len)
{
    char **grown;
    size_t i;

    if (len == 0)
        return AMG_OK;
    /* The same directory twice would only produce "already loaded". */
    for (i = 0; i < *n; i++) {
        if (strlen((*v)[i]) == len && strncmp((*v)[i], dir, len) == 0)
            return AMG_OK;
    }
    grown = amg_realloc(*v, (*n + 2) * sizeof(*grown));
    if (!grown)
        return AMG_ENOMEM;
    *v = grown;
    grown[*n] = amg_strndup(dir, len);
    if (!grown[*n])
        return AMG_ENOMEM;
    grown[++*n] = NULL;
    return AMG_OK;
}

char **amg_plugin_dirs(const char *const *cli_dirs, size_t n_cli,
                       const char *const *conf_dirs, size_t n_conf,
                       const char *default_dir)
{
    const char *env = getenv("APPID_MIGRATE_PLUGIN_PATH");
    char **v = NULL;
    size_t i, n = 0;
    int rc = AMG_OK;

    v = amg_calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    for (i = 0; i < n_cli && !rc; i++)
        rc = cli_dirs[i] ? add_dir(&v, &n, cli_dirs[i], strlen(cli_dirs[i])) : AMG_OK;
    for (i = 0; i < n_conf && !rc; i++)
        rc = conf_dirs[i] ? add_dir(&v, &n, conf_dirs[i], strlen(conf_dirs[i])) : AMG_OK;
    while (env && *env && !rc) {
        size_t len = strcspn(env, ":");

        rc = add_dir(&v, &n, env, len);
        env += len;
        if (*env == ':')
            env++;
    }
    if (!rc && n == 0 && default_dir)
        rc = add_dir(&v, &n, default_dir, strlen(default_dir));
    if (rc) {
        for (i = 0; i < n; i++)
            amg_free(v[i]);
        amg_free(v);
        return NULL;
    }
    return v;
}
