#include <string.h>
#include "idps_map.h"

const char *const amgp_idp_names[] = {
    "cloud_directory", "facebook", "google", "custom", "saml", NULL
};

int amgp_idp_known(const char *idp)
{
    size_t i;

    for (i = 0; amgp_idp_names[i]; i++) {
        if (strcmp(amgp_idp_names[i], idp) == 0)
            return 1;
    }
    return 0;
}

static int is_social(const char *idp)
{
    return strcmp(idp, "facebook") == 0 || strcmp(idp, "google") == 0;
}

json_t *amgp_idp_restore_body(const char *idp, json_t *obj)
{
    json_t *body;

    if (!json_is_object(obj))
        return NULL;
    if (is_social(idp) && !json_object_get(obj, "config")) {
        json_t *active = json_object_get(obj, "isActive");

        return active ? json_pack("{s:O}", "isActive", active) : json_object();
    }
    body = json_deep_copy(obj);
    if (!body)
        return NULL;
    /* Both are computed by the target for itself (reference 8.1.2/8.1.3). */
    json_object_del(body, "redirectURL");
    if (strcmp(idp, "saml") == 0)
        json_object_del(body, "validation_data");
    return body;
}

int amgp_idp_has_secret(const char *idp, json_t *obj)
{
    json_t *secret = json_object_get(json_object_get(obj, "config"), "secret");

    return is_social(idp) && json_is_string(secret) && json_string_length(secret) > 0;
}
