/*
 * Pure transformations of the mfa plugin (unit tested by
 * tests/unit/test_plugin_mfa.c).
 */
#ifndef AMGP_MFA_MAP_H
#define AMGP_MFA_MAP_H

#include <jansson.h>

#ifndef AMGP_HIDDEN
#define AMGP_HIDDEN __attribute__((visibility("hidden")))
/*
 * What App ID does to the channels on PUT .../channels/{name} with `want`
 * ({isActive, config?}), applied to `state` ({"email": {...}, "nexmo":
 * {...}}, as GET returns each; modified): the channel becomes {isActive,
 * config}, an absent config keeping the stored one; activating a channel
 * switches the other off; switching nexmo off switches email on. A dry
 * run compares the second channel with this state, as the import compares
 * it after the first write. 0, or -1 on allocation failure.
 */
AMGP_HIDDEN int amgp_mfa_channel_apply(json_t *state, const char *name, json_t *want);

#endif

/* Channel and extension names as they appear in paths; NULL-terminated. */
AMGP_HIDDEN extern const char *const amgp_mfa_channels[];
AMGP_HIDDEN extern const char *const amgp_mfa_extensions[];

/*
 * Order in which to write the channels of `channels` ({"email": {...},
 * "nexmo": {...}}, borrowed) so that App ID's one-active-channel rule
 * leaves the wanted state: the inactive channel first, then the active
 * one (activating a channel switches the other off; switching nexmo off
 * switches email on). order[0] and order[1] get "email"/"nexmo".
 */
AMGP_HIDDEN void amgp_mfa_channel_order(json_t *channels, const char *order[2]);

/* {isActive, config} of a channel or extension as GET returns it
 * (borrowed): what a PUT restores; read-only members such as "type" are
 * dropped, "config" only when present. New reference, NULL when `obj` has
 * no boolean isActive or on allocation failure. */
AMGP_HIDDEN json_t *amgp_mfa_switch_body(json_t *obj);

/*
 * What App ID does to the channels on PUT .../channels/{name} with `want`
 * ({isActive, config?}), applied to `state` ({"email": {...}, "nexmo":
 * {...}}, as GET returns each; modified): the channel becomes {isActive,
 * config}, an absent config keeping the stored one; activating a channel
 * switches the other off; switching nexmo off switches email on. A dry
 * run compares the second channel with this state, as the import compares
 * it after the first write. 0, or -1 on allocation failure.
 */
AMGP_HIDDEN int amgp_mfa_channel_apply(json_t *state, const char *name, json_t *want);

#endif
