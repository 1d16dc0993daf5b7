#include <stdio.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "cd_async.h"
#include "cd_transfer.h"
#include "cd_users.h"
#include "profiles.h"
#include "router.h"
#include "users_routes.h"

#define ID_MAX 128

struct user_route {
    const char *pattern;    /* '*' stands for one non-empty path segment */
    const char *method;
    sim_user_handler fn;
};

/* Rows of one pattern are adjacent; a literal segment comes before a '*'
 * that could also match it. */
static const struct user_route routes[] = {
    { "/cloud_directory/Users", "GET", sim_cd_users_list },
    { "/cloud_directory/Users", "POST", sim_cd_users_create },
    { "/cloud_directory/Users/*", "GET", sim_cd_user_get },
    { "/cloud_directory/Users/*", "PUT", sim_cd_user_put },
    { "/cloud_directory/Users/*", "DELETE", sim_cd_user_delete },
    { "/cloud_directory/sign_up", "POST", sim_cd_sign_up },
    { "/cloud_directory/remove/*", "DELETE", sim_cd_remove },
    { "/cloud_directory/export", "GET", sim_cd_export },
    { "/cloud_directory/import", "POST", sim_cd_import },
    { "/cloud_directory/export/all", "POST", sim_cd_export_all },
    { "/cloud_directory/export/status", "GET", sim_cd_export_status },
    { "/cloud_directory/export/download", "GET", sim_cd_export_download },
    { "/cloud_directory/export/download", "DELETE", sim_cd_export_delete },
    { "/cloud_directory/import/all", "POST", sim_cd_import_all },
    { "/cloud_directory/import/status", "GET", sim_cd_import_status },
    { "/cloud_directory/*/userinfo", "GET", sim_cd_userinfo },
    { "/users", "GET", sim_profiles_search },
    { "/users", "POST", sim_profiles_preregister },
    { "/users/export", "GET", sim_profiles_export },
    { "/users/import", "POST", sim_profiles_import },
    { "/users/*", "DELETE", sim_profile_delete },
    { "/users/*/profile", "GET", sim_profile_get },
    { "/users/*/profile", "PUT", sim_profile_put },
    { "/users/*/roles", "GET", sim_profile_roles_get },
    { "/users/*/roles", "PUT", sim_profile_roles_put },
};

/* 1 when `path` matches `pattern`; the segment matched by '*' is copied
 * to `id`. */
static int match(const char *pattern, const char *path, char *id, size_t id_len)
{
    id[0] = '\0';
    while (*pattern && *path) {
        if (*pattern == '*') {
            const char *end = strchr(path, '/');
            size_t len = end ? (size_t)(end - path) : strlen(path);

            if (len == 0 || len >= id_len)
                return 0;
            memcpy(id, path, len);
            id[len] = '\0';
            path += len;
            pattern++;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

int sim_users_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                     const struct sim_request *req, struct sim_reply *rep)
{
    const size_t n = sizeof(routes) / sizeof(routes[0]);
    char id[ID_MAX];
    char allow[64] = "";
    size_t i, first;

    if (!env->users || !env->jobs)
        return 0;
    for (first = 0; first < n; first++) {
        if (match(routes[first].pattern, subpath, id, sizeof(id)))
            break;
    }
    if (first == n)
        return 0;
    for (i = first; i < n && strcmp(routes[i].pattern, routes[first].pattern) == 0; i++) {
        if (strcmp(routes[i].method, req->method) == 0) {
            routes[i].fn(env, tenant, id, req, rep);
            return 1;
        }
        snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
                 allow[0] ? ", " : "", routes[i].method);
    }
    sim_reply_error(rep, 405, "method %s is not allowed on %s", req->method, subpath);
    sim_reply_header(rep, "Allow", allow);
    return 1;
}

int sim_users_is_upload(const char *method, const char *path)
{
    const char *rest, *slash;

    if (strcmp(method, "POST") != 0 ||
        strncmp(path, SIM_MGMT_PREFIX, strlen(SIM_MGMT_PREFIX)) != 0)
        return 0;
    rest = path + strlen(SIM_MGMT_PREFIX);
    slash = strchr(rest, '/');
    return slash && slash > rest && strcmp(slash, "/cloud_directory/import/all") == 0;
}
