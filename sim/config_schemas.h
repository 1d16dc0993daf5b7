/*
 * Field tables (see schema.h) for the singleton configuration resources,
 * from reference section 8: required fields, JSON types, enums, ranges.
 * Each array ends with { NULL }.
 */
#ifndef SIM_CONFIG_SCHEMAS_H
#define SIM_CONFIG_SCHEMAS_H

#include "schema.h"

extern const struct sim_field sim_fields_tokens[];
extern const struct sim_field sim_fields_redirect_uris[];
extern const struct sim_field sim_fields_theme_text[];
extern const struct sim_field sim_fields_theme_color[];
extern const struct sim_field sim_fields_is_active[];
extern const struct sim_field sim_fields_languages[];
extern const struct sim_field sim_fields_sender_details[];
extern const struct sim_field sim_fields_password_regex[];
extern const struct sim_field sim_fields_apm[];
extern const struct sim_field sim_fields_mfa[];
extern const struct sim_field sim_fields_sso[];
extern const struct sim_field sim_fields_rate_limit[];
extern const struct sim_field sim_fields_idp_cloud_directory[];
extern const struct sim_field sim_fields_idp_social[];
extern const struct sim_field sim_fields_idp_custom[];
extern const struct sim_field sim_fields_idp_saml[];
extern const struct sim_field sim_fields_email_dispatcher[];

#endif
