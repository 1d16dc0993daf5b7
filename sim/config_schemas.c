#include <string.h>
#include "config_schemas.h"

#define REQ SIM_REQUIRED
/* Designated initialisers keep -Wmissing-field-initializers quiet. */
#define F(p, t, fl) { .path = (p), .type = (t), .flags = (fl) }
#define FR(p, t, fl, lo, hi) \
    { .path = (p), .type = (t), .flags = (fl) | SIM_RANGE, .min = (lo), .max = (hi) }
#define FE(p, t, fl, list) { .path = (p), .type = (t), .flags = (fl), .one_of = (list) }
#define FC(p, t, fl, fn) { .path = (p), .type = (t), .flags = (fl), .check = (fn) }
#define END { .path = NULL }

static const char *const claim_sources[] = {
    "saml", "cloud_directory", "facebook", "google", "appid_custom", "ibmid",
    "attributes", "roles", NULL
};

/* Section 8.4; ranges from DOCS:customizing-tokens, 100 claims a token. */
const struct sim_field sim_fields_tokens[] = {
    F("access", SIM_OBJECT, 0),
    FR("access.expires_in", SIM_INT, REQ, 300, 86400),
    F("refresh", SIM_OBJECT, 0),
    F("refresh.enabled", SIM_BOOL, REQ),
    FR("refresh.expires_in", SIM_INT, REQ, 86400, 7776000),
    F("anonymousAccess", SIM_OBJECT, 0),
    F("anonymousAccess.enabled", SIM_BOOL, REQ),
    FR("anonymousAccess.expires_in", SIM_INT, REQ, 86400, 7776000),
    FR("idTokenClaims", SIM_ARRAY, 0, 0, 100),
    F("idTokenClaims[]", SIM_OBJECT, 0),
    FE("idTokenClaims[].source", SIM_STRING, REQ, claim_sources),
    F("idTokenClaims[].sourceClaim", SIM_STRING, 0),
    F("idTokenClaims[].destinationClaim", SIM_STRING, 0),
    FR("accessTokenClaims", SIM_ARRAY, 0, 0, 100),
    F("accessTokenClaims[]", SIM_OBJECT, 0),
    FE("accessTokenClaims[].source", SIM_STRING, REQ, claim_sources),
    F("accessTokenClaims[].sourceClaim", SIM_STRING, 0),
    F("accessTokenClaims[].destinationClaim", SIM_STRING, 0),
    END
};

/* Section 8.3: extra properties are allowed and kept. */
const struct sim_field sim_fields_redirect_uris[] = {
    F("redirectUris", SIM_ARRAY, REQ),
    F("redirectUris[]", SIM_STRING, SIM_NONEMPTY),
    F("trustCloudIAMRedirectUris", SIM_BOOL, 0),
    END
};

const struct sim_field sim_fields_theme_text[] = {
    F("tabTitle", SIM_STRING, 0),
    F("footnote", SIM_STRING, 0),
    END
};

static const char *check_color(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t i;

    if (strlen(s) != 7 || s[0] != '#')
        return "must be a colour in the form #RRGGBB";
    for (i = 1; i < 7; i++) {
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return "must be a colour in the form #RRGGBB";
    }
    return NULL;
}

const struct sim_field sim_fields_theme_color[] = {
    FC("headerColor", SIM_STRING, REQ, check_color),
    END
};

/* users_profile and capture_runtime_activity. */
const struct sim_field sim_fields_is_active[] = {
    F("isActive", SIM_BOOL, REQ),
    END
};

const struct sim_field sim_fields_languages[] = {
    F("languages", SIM_ARRAY, REQ | SIM_NONEMPTY),
    F("languages[]", SIM_STRING, SIM_NONEMPTY),
    END
};

const struct sim_field sim_fields_sender_details[] = {
    F("senderDetails", SIM_OBJECT, REQ),
    F("senderDetails.from", SIM_OBJECT, REQ),
    F("senderDetails.from.email", SIM_STRING, REQ | SIM_NONEMPTY),
    F("senderDetails.from.name", SIM_STRING, 0),
    F("senderDetails.reply_to", SIM_OBJECT, 0),
    F("senderDetails.reply_to.email", SIM_STRING, 0),
    F("senderDetails.reply_to.name", SIM_STRING, 0),
    FR("senderDetails.linkExpirationSec", SIM_INT, 0, 1, 2592000),
    END
};

const struct sim_field sim_fields_password_regex[] = {
    F("regex", SIM_STRING, 0),
    F("base64_encoded_regex", SIM_STRING, 0),
    F("error_message", SIM_STRING, 0),
    END
};

/* Section 8.2.6; ranges are the console's (DOCS:cd-passwords), lockout
 * converted from minutes to seconds. */
#define APM "advancedPasswordManagement"
const struct sim_field sim_fields_apm[] = {
    F(APM, SIM_OBJECT, REQ),
    F(APM ".enabled", SIM_BOOL, REQ),
    F(APM ".passwordReuse", SIM_OBJECT, REQ),
    F(APM ".passwordReuse.enabled", SIM_BOOL, REQ),
    F(APM ".passwordReuse.config", SIM_OBJECT, 0),
    FR(APM ".passwordReuse.config.maxPasswordReuse", SIM_INT, REQ, 1, 8),
    F(APM ".preventPasswordWithUsername", SIM_OBJECT, REQ),
    F(APM ".preventPasswordWithUsername.enabled", SIM_BOOL, REQ),
    F(APM ".passwordExpiration", SIM_OBJECT, REQ),
    F(APM ".passwordExpiration.enabled", SIM_BOOL, REQ),
    F(APM ".passwordExpiration.config", SIM_OBJECT, 0),
    FR(APM ".passwordExpiration.config.daysToExpire", SIM_INT, REQ, 1, 90),
    F(APM ".lockOutPolicy", SIM_OBJECT, REQ),
    F(APM ".lockOutPolicy.enabled", SIM_BOOL, REQ),
    F(APM ".lockOutPolicy.config", SIM_OBJECT, 0),
    FR(APM ".lockOutPolicy.config.lockOutTimeSec", SIM_INT, REQ, 60, 86400),
    FR(APM ".lockOutPolicy.config.numOfAttempts", SIM_INT, REQ, 1, 10),
    F(APM ".minPasswordChangeInterval", SIM_OBJECT, 0),
    F(APM ".minPasswordChangeInterval.enabled", SIM_BOOL, REQ),
    F(APM ".minPasswordChangeInterval.config", SIM_OBJECT, 0),
    FR(APM ".minPasswordChangeInterval.config.minHoursToChangePassword", SIM_INT, REQ, 0, 720),
    END
};
#undef APM

const struct sim_field sim_fields_mfa[] = {
    F("isActive", SIM_BOOL, REQ),
    F("config", SIM_OBJECT, 0),
    END
};

const struct sim_field sim_fields_sso[] = {
    F("isActive", SIM_BOOL, REQ),
    FR("inactivityTimeoutSeconds", SIM_INT, REQ, 1, 604800),
    F("logoutRedirectUris", SIM_ARRAY, REQ),
    F("logoutRedirectUris[]", SIM_STRING, SIM_NONEMPTY),
    END
};

const struct sim_field sim_fields_rate_limit[] = {
    FR("signUpLimitPerMinute", SIM_INT, REQ, 1, 1000000),
    FR("signInLimitPerMinute", SIM_INT, REQ, 1, 1000000),
    END
};

static const char *const identity_fields[] = { "email", "userName", NULL };
static const char *const access_modes[] = { "FULL", "RESTRICTIVE", "OFF", NULL };
static const char *const confirm_methods[] = { "email", NULL };

#define CDI "config.interactions"
const struct sim_field sim_fields_idp_cloud_directory[] = {
    F("isActive", SIM_BOOL, REQ),
    F("config", SIM_OBJECT, REQ),
    F("config.selfServiceEnabled", SIM_BOOL, REQ),
    F("config.signupEnabled", SIM_BOOL, 0),
    FE("config.identityField", SIM_STRING, 0, identity_fields),
    F(CDI, SIM_OBJECT, REQ),
    F(CDI ".identityConfirmation", SIM_OBJECT, REQ),
    FE(CDI ".identityConfirmation.accessMode", SIM_STRING, REQ, access_modes),
    F(CDI ".identityConfirmation.methods", SIM_ARRAY, 0),
    FE(CDI ".identityConfirmation.methods[]", SIM_STRING, 0, confirm_methods),
    F(CDI ".welcomeEnabled", SIM_BOOL, REQ),
    F(CDI ".resetPasswordEnabled", SIM_BOOL, REQ),
    F(CDI ".resetPasswordNotificationEnable", SIM_BOOL, REQ),
    END
};
#undef CDI

/* Facebook and Google. */
const struct sim_field sim_fields_idp_social[] = {
    F("isActive", SIM_BOOL, REQ),
    F("config", SIM_OBJECT, 0),
    F("config.idpId", SIM_STRING, REQ | SIM_NONEMPTY),
    F("config.secret", SIM_STRING, REQ | SIM_NONEMPTY),
    END
};

const struct sim_field sim_fields_idp_custom[] = {
    F("isActive", SIM_BOOL, REQ),
    F("config", SIM_OBJECT, 0),
    F("config.publicKey", SIM_STRING, 0),
    END
};

static const char *const comparisons[] = { "exact", "maximum", "minimum", "better", NULL };

const struct sim_field sim_fields_idp_saml[] = {
    F("isActive", SIM_BOOL, REQ),
    F("config", SIM_OBJECT, 0),
    F("config.entityID", SIM_STRING, REQ | SIM_NONEMPTY),
    F("config.signInUrl", SIM_STRING, REQ | SIM_NONEMPTY),
    FR("config.certificates", SIM_ARRAY, REQ, 1, 2),
    F("config.certificates[]", SIM_STRING, SIM_NONEMPTY),
    F("config.displayName", SIM_STRING, 0),
    F("config.authnContext", SIM_OBJECT, 0),
    F("config.authnContext.class", SIM_ARRAY, 0),
    F("config.authnContext.class[]", SIM_STRING, 0),
    FE("config.authnContext.comparison", SIM_STRING, 0, comparisons),
    F("config.signRequest", SIM_BOOL, 0),
    F("config.encryptResponse", SIM_BOOL, 0),
    F("config.includeScoping", SIM_BOOL, 0),
    F("config.idpInitEnabled", SIM_BOOL, 0),
    F("config.idpRedirectUrl", SIM_STRING, 0),
    END
};

/* Section 8.2.7; which provider object must be present is checked by the
 * route (config_routes.c). */
static const char *const dispatch_providers[] = { "appid", "sendgrid", "custom", NULL };
static const char *const dispatch_auth[] = { "value", "basic", "none", NULL };

const struct sim_field sim_fields_email_dispatcher[] = {
    FE("provider", SIM_STRING, REQ, dispatch_providers),
    F("sendgrid", SIM_OBJECT, 0),
    F("sendgrid.apiKey", SIM_STRING, REQ | SIM_NONEMPTY),
    F("custom", SIM_OBJECT, 0),
    F("custom.url", SIM_STRING, REQ | SIM_NONEMPTY),
    F("custom.authorization", SIM_OBJECT, REQ),
    FE("custom.authorization.type", SIM_STRING, REQ, dispatch_auth),
    F("custom.authorization.value", SIM_STRING, 0),
    F("custom.authorization.username", SIM_STRING, 0),
    F("custom.authorization.password", SIM_STRING, 0),
    END
};
