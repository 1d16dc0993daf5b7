/*
 * App ID's own value of each singleton configuration document in a
 * freshly provisioned instance (reference section 12, with the details
 * of section 8). A target whose document is still at its default was not
 * configured by anyone: restoring over it clobbers nothing, so under
 * on_conflict = skip or fail it is no "existing" object
 * (docs/plugin-guide.md, "Objects that exist in the target").
 */
#ifndef AMGP_DEFAULTS_H
#define AMGP_DEFAULTS_H

#include <jansson.h>
#include "pluginutil.h"

/*
 * The default of the document at `path` (relative to the management
 * base, e.g. "/config/tokens"), in the shape GET answers it: a new
 * reference, or NULL when App ID publishes none (email templates, the
 * logo; action URLs have none: they are not set) or `path` is not a
 * singleton.
 */
AMGP_HIDDEN json_t *amgp_default_of(const char *path);

/*
 * 1 when `have` (the target's current document, already seen through
 * the plugin's normalisation `view`) equals the default of `path` seen
 * through the same `view` (NULL: as is); 0 when it differs or there is
 * no known default (then it counts as configured: never clobbered by
 * guess).
 */
AMGP_HIDDEN int amgp_at_default(const char *path, json_t *have,
                                json_t *(*view)(json_t *doc));

/*
 * The plan detail of an update of a document that is at its default:
 * AMG_PLAN_DETAIL_AT_DEFAULT followed by `fields` (may be NULL), into
 * out[size]. The core's conflict check does not count such updates.
 */
AMGP_HIDDEN void amgp_default_detail(const char *fields, char *out, size_t size);

#endif
