/*
 * Pure transformations of the idps plugin, kept apart from the hooks so
 * that unit tests can reach them (tests/unit/test_plugin_idps.c).
 */
#ifndef AMGP_IDPS_MAP_H
#define AMGP_IDPS_MAP_H

#include <jansson.h>

#ifndef AMGP_HIDDEN
#define AMGP_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The identity providers, in restore order: Cloud Directory first
 * (reference section 10), then the others; NULL-terminated. */
AMGP_HIDDEN extern const char *const amgp_idp_names[];

/* 1 when `idp` is one of amgp_idp_names. */
AMGP_HIDDEN int amgp_idp_known(const char *idp);

/*
 * The body that restores `obj` (an IdP object as GET returns it,
 * borrowed) into `idp`: a copy without the members the server computes
 * (redirectURL, SAML validation_data). Facebook and Google without
 * `config` run on IBM's shared development credentials, which are not
 * configuration: only {isActive} is kept. New reference; NULL when `obj`
 * is not an object or on allocation failure.
 */
AMGP_HIDDEN json_t *amgp_idp_restore_body(const char *idp, json_t *obj);

/* 1 when `obj` (borrowed) carries a credential the snapshot must protect:
 * a Facebook or Google app secret. */
AMGP_HIDDEN int amgp_idp_has_secret(const char *idp, json_t *obj);

#endif
