#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "log.h"
#include "state.h"
#include "tenant.h"
#include "users_persist.h"

#define STATE_FORMAT "appid-sim-state"
/* 2 added "users"; 1 is still read. */
#define STATE_VERSION 2

/* Users and profiles of a version 2 file; every tenant must be known. */
static int load_users(const char *path, const json_t *users, struct sim_tenants *t,
                      struct sim_users *u)
{
    char msg[512];
    const char *id;
    json_t *value;
    int rc;

    if (!users)
        return AMG_OK;
    if (json_is_object(users)) {
        json_object_foreach((json_t *)users, id, value) {
            (void)value;
            if (!sim_tenants_has(t, id)) {
                amg_error("state file %s: users of tenant \"%s\", which is not in \"tenants\"",
                          path, id);
                return AMG_ESNAPSHOT;
            }
        }
    }
    rc = sim_users_load(u, users, msg, sizeof(msg));
    if (rc == AMG_EINVAL) {
        amg_error("state file %s: users: %s", path, msg);
        return AMG_ESNAPSHOT;
    }
    return rc;
}

int sim_state_load(const char *path, struct sim_tenants *t)
{
    return sim_state_load_all(path, t, NULL);
}

int sim_state_load_all(const char *path, struct sim_tenants *t, struct sim_users *u)
{
    json_error_t err;
    json_t *doc = NULL;
    json_t *tenants, *value;
    json_int_t version;
    const char *id;
    int rc = AMG_ESNAPSHOT;

    if (access(path, F_OK) != 0 && errno == ENOENT)
        return AMG_ENOTFOUND;
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        amg_error("state file %s: line %d: %s", path, err.line, err.text);
        goto out;
    }
    if (!json_is_object(doc) ||
        !json_is_string(json_object_get(doc, "format")) ||
        strcmp(json_string_value(json_object_get(doc, "format")), STATE_FORMAT) != 0) {
        amg_error("state file %s: not an appid-sim state file (\"format\" must be \"%s\")",
                  path, STATE_FORMAT);
        goto out;
    }
    version = json_integer_value(json_object_get(doc, "version"));
    if (!json_is_integer(json_object_get(doc, "version")) || version < 1 ||
        version > STATE_VERSION) {
        amg_error("state file %s: unsupported version (expected 1 to %d)", path, STATE_VERSION);
        goto out;
    }
    tenants = json_object_get(doc, "tenants");
    if (!json_is_object(tenants)) {
        amg_error("state file %s: \"tenants\" must be an object", path);
        goto out;
    }
    json_object_foreach(tenants, id, value) {
        int added = sim_tenants_add(t, id, value);

        if (added == AMG_EINVAL) {
            amg_error("state file %s: tenant \"%s\": invalid id or not an object", path, id);
            goto out;
        }
        if (added != AMG_OK) {
            rc = added;
            goto out;
        }
    }
    if (version >= 2 && u) {
        rc = load_users(path, json_object_get(doc, "users"), t, u);
        if (rc != AMG_OK)
            goto out;
    }
    rc = AMG_OK;
out:
    json_decref(doc);
    return rc;
}

/* fsync the directory holding `path`, so the rename itself is durable. */
static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    char *slash = copy ? strrchr(copy, '/') : NULL;
    int fd;

    if (!copy)
        return;
    if (slash == copy)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    fd = open(slash ? copy : ".", O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

int sim_state_save(const char *path, struct sim_tenants *t)
{
    return sim_state_save_all(path, t, NULL);
}

int sim_state_save_all(const char *path, struct sim_tenants *t, struct sim_users *u)
{
    json_t *doc = NULL;
    char *tmp = NULL;
    FILE *f = NULL;
    size_t len = strlen(path) + sizeof(".tmp.XXXXXX");
    int fd = -1;
    int rc = AMG_EIO;

    doc = json_pack("{s:s, s:i, s:o}", "format", STATE_FORMAT, "version", STATE_VERSION,
                    "tenants", sim_tenants_dump(t));
    if (doc && u && json_object_set_new(doc, "users", sim_users_dump(u)) != 0) {
        json_decref(doc);
        doc = NULL;
    }
    tmp = malloc(len);
    if (!doc || !tmp) {
        amg_error("state file %s: out of memory", path);
        rc = AMG_ENOMEM;
        goto out;
    }
    snprintf(tmp, len, "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        amg_error("state file %s: cannot create temporary file: %s", path, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
        amg_error("state file %s: %s", tmp, strerror(errno));
        goto out_unlink;
    }
    fd = -1;
    if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || fputc('\n', f) == EOF ||
        fflush(f) != 0 || fsync(fileno(f)) != 0) {
        amg_error("state file %s: write failed: %s", tmp, strerror(errno));
        goto out_unlink;
    }
    if (fclose(f) != 0) {
        f = NULL;
        amg_error("state file %s: write failed: %s", tmp, strerror(errno));
        goto out_unlink;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        amg_error("state file %s: cannot rename %s into place: %s", path, tmp, strerror(errno));
        goto out_unlink;
    }
    sync_dir(path);
    rc = AMG_OK;
    goto out;
out_unlink:
    unlink(tmp);
out:
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    free(tmp);
    json_decref(doc);
    return rc;
}
