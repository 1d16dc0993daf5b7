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

#define STATE_FORMAT "appid-sim-state"
#define STATE_VERSION 1

int sim_state_load(const char *path, struct sim_tenants *t)
{
    json_error_t err;
    json_t *doc = NULL;
    json_t *tenants, *value;
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
    if (!json_is_integer(json_object_get(doc, "version")) ||
        json_integer_value(json_object_get(doc, "version")) != STATE_VERSION) {
        amg_error("state file %s: unsupported version (expected %d)", path, STATE_VERSION);
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
    json_t *doc = NULL;
    char *tmp = NULL;
    FILE *f = NULL;
    size_t len = strlen(path) + sizeof(".tmp.XXXXXX");
    int fd = -1;
    int rc = AMG_EIO;

    doc = json_pack("{s:s, s:i, s:o}", "format", STATE_FORMAT, "version", STATE_VERSION,
                    "tenants", sim_tenants_dump(t));
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
