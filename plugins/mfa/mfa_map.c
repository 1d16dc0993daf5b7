#include "mfa_map.h"

const char *const amgp_mfa_channels[] = { "email", "nexmo", NULL };
const char *const amgp_mfa_extensions[] = { "premfa", "postmfa", NULL };

void amgp_mfa_channel_order(json_t *channels, const char *order[2])
{
    json_t *nexmo = json_object_get(channels, "nexmo");

    if (json_is_true(json_object_get(nexmo, "isActive"))) {
        order[0] = "email";
        order[1] = "nexmo";
    } else {
        order[0] = "nexmo";
        order[1] = "email";
    }
}

json_t *amgp_mfa_switch_body(json_t *obj)
{
    json_t *active = json_object_get(obj, "isActive");
    json_t *config = json_object_get(obj, "config");
    json_t *body;

    if (!json_is_boolean(active))
        return NULL;
    body = json_pack("{s:O}", "isActive", active);
    if (body && config && json_object_set(body, "config", config) != 0) {
        json_decref(body);
        body = NULL;
    }
    return body;
}
