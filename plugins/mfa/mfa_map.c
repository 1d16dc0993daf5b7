#include <string.h>
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

/* state[name].isActive = active, creating state[name] when missing. */
static int set_active(json_t *state, const char *name, int active)
{
    json_t *obj = json_object_get(state, name);

    if (!json_is_object(obj)) {
        obj = json_object();
        if (!obj || json_object_set_new(state, name, obj) != 0)
            return -1;
    }
    return json_object_set_new(obj, "isActive", json_boolean(active)) == 0 ? 0 : -1;
}

int amgp_mfa_channel_apply(json_t *state, const char *name, json_t *want)
{
    const char *other = strcmp(name, "nexmo") == 0 ? "email" : "nexmo";
    json_t *config = json_object_get(want, "config");
    int active = json_is_true(json_object_get(want, "isActive"));
    json_t *next;

    if (!config)
        config = json_object_get(json_object_get(state, name), "config");
    next = json_pack("{s:b}", "isActive", active);
    if (!next)
        return -1;
    /* A copy: `config` may belong to the entry being replaced. */
    if (config && json_object_set_new(next, "config", json_deep_copy(config)) != 0) {
        json_decref(next);
        return -1;
    }
    if (json_object_set_new(state, name, next) != 0)
        return -1;
    if (active)
        return set_active(state, other, 0);
    if (strcmp(name, "nexmo") == 0)
        return set_active(state, "email", 1);
    return 0;
}
