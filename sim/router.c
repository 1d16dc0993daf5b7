#include <string.h>
#include <time.h>
#include "appid-migrate/plugin.h"
#include "apps_routes.h"
#include "cd_routes.h"
#include "config_routes.h"
#include "media.h"
#include "mfa_routes.h"
#include "iam.h"
#include "roles_routes.h"
#include "ratelimit.h"
#include "router.h"
#include "tenant.h"
#include "users_routes.h"
#include "oauth.h"

static void route_management(const struct sim_env *env, const struct sim_request *req,
                             struct sim_reply *rep)
{
    const char *rest = req->path + strlen(SIM_MGMT_PREFIX);
    const char *slash = strchr(rest, '/');
    size_t id_len = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *subpath = slash ? slash : "";
    const char *why = NULL;
    char tenant[65];

    /* Authentication comes first, so that without a token nothing, not
     * even which tenants exist, can be learnt. */
    if (sim_iam_check_bearer(env->iam, req->authorization, time(NULL), &why) != AMG_OK) {
        sim_reply_error(rep, 401, "%s", why);
        sim_reply_header(rep, "WWW-Authenticate", "Bearer");
        return;
    }
    if (id_len == 0 || id_len >= sizeof(tenant)) {
        sim_reply_text(rep, 404, "Not Found");
        return;
    }
    memcpy(tenant, rest, id_len);
    tenant[id_len] = '\0';
    /* The real service answers an unknown tenant from its edge proxy with
     * a bare 9-byte text body (reference 4.2). */
    if (!sim_tenant_id_valid(tenant) || !sim_tenants_has(env->tenants, tenant)) {
        sim_reply_text(rep, 404, "Not Found");
        return;
    }
    /* After the token and tenant checks: an unauthenticated caller can
     * neither block a tenant nor learn that it exists. */
    if (env->ratelimit && sim_ratelimit_reply(env->ratelimit, tenant, rep))
        return;
    if (sim_config_handle(env, tenant, subpath, req, rep))
        return;
    if (sim_apps_handle(env, tenant, subpath, req, rep))
        return;
    if (sim_roles_handle(env, tenant, subpath, req, rep))
        return;
    if (sim_cd_handle(env, tenant, subpath, req, rep))
        return;
    if (sim_mfa_handle(env, tenant, subpath, req, rep))
        return;
    if (sim_media_handle(env, tenant, subpath, req, rep))
        return;
    if (sim_users_handle(env, tenant, subpath, req, rep))
        return;
    sim_reply_error(rep, 404, "no such endpoint: %s %s", req->method,
                    subpath[0] ? subpath : "/");
}

void sim_route(const struct sim_env *env, const struct sim_request *req,
               struct sim_reply *rep)
{
    if (req->body_too_large) {
        sim_reply_error(rep, 413, "request body exceeds %zu bytes",
                        sim_route_body_limit(req->method, req->path));
        return;
    }
    if (strcmp(req->path, SIM_IAM_PATH) == 0) {
        sim_iam_handle_token(env->iam, req, rep);
        return;
    }
    /* Images are public, like App ID's CDN-hosted logo URLs. */
    if (strncmp(req->path, SIM_MEDIA_PREFIX, strlen(SIM_MEDIA_PREFIX)) == 0) {
        sim_media_serve(env, req, rep);
        return;
    }
    if (strncmp(req->path, SIM_MGMT_PREFIX, strlen(SIM_MGMT_PREFIX)) == 0) {
        route_management(env, req, rep);
        return;
    }
    if (env->oauth && strncmp(req->path, SIM_OAUTH_PREFIX, strlen(SIM_OAUTH_PREFIX)) == 0) {
        sim_oauth_handle(env, req, rep);
        return;
    }
    sim_reply_error(rep, 404, "no such endpoint: %s %s", req->method, req->path);
}

size_t sim_route_body_limit(const char *method, const char *path)
{
    return sim_users_is_upload(method, path) ? (size_t)SIM_MAX_UPLOAD : (size_t)SIM_MAX_BODY;
}
