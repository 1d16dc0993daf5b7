#include <stdio.h>
#include <string.h>
#include "defaults.h"

/*
 * Reference section 12 and the defaults of section 8, as GET answers
 * them. Where the reference gives no value (sender details, rate limit,
 * the MFA config) this is appid-sim's choice (docs/appid-sim.md, "Choices
 * on uncertain points"): should App ID's real default differ, a fresh
 * instance only looks configured, which makes skip and fail more careful,
 * never less. Email templates and the logo are left out: App ID does not
 * publish them, so they always count as configured when they differ.
 */
static const struct {
    const char *path;
    const char *json;
} defaults[] = {
    { "/config/tokens",
      "{\"access\":{\"expires_in\":3600},"
      "\"refresh\":{\"enabled\":false,\"expires_in\":2592000},"
      "\"anonymousAccess\":{\"enabled\":true,\"expires_in\":2592000}}" },
    { "/config/redirect_uris", "{\"redirectUris\":[]}" },
    { "/config/ui/theme_text", "{\"tabTitle\":\"Login\",\"footnote\":\"Powered by App ID\"}" },
    { "/config/ui/theme_color", "{\"headerColor\":\"#EEF2F5\"}" },
    { "/config/ui/languages", "{\"languages\":[\"en\"]}" },
    { "/config/users_profile", "{\"isActive\":true}" },
    { "/config/capture_runtime_activity", "{\"isActive\":false}" },
    { "/config/cloud_directory/sender_details",
      "{\"senderDetails\":{\"from\":{\"email\":\"no-reply@appid.cloud.ibm.com\","
      "\"name\":\"App ID\"},\"linkExpirationSec\":86400}}" },
    { "/config/cloud_directory/password_regex",
      "{\"regex\":\"\",\"base64_encoded_regex\":\"\","
      "\"error_message\":\"The password doesn't meet the strength requirements.\"}" },
    { "/config/cloud_directory/advanced_password_management",
      "{\"advancedPasswordManagement\":{\"enabled\":false,"
      "\"passwordReuse\":{\"enabled\":false,\"config\":{\"maxPasswordReuse\":8}},"
      "\"preventPasswordWithUsername\":{\"enabled\":false},"
      "\"passwordExpiration\":{\"enabled\":false,\"config\":{\"daysToExpire\":30}},"
      "\"lockOutPolicy\":{\"enabled\":false,"
      "\"config\":{\"lockOutTimeSec\":1800,\"numOfAttempts\":3}},"
      "\"minPasswordChangeInterval\":{\"enabled\":false,"
      "\"config\":{\"minHoursToChangePassword\":0}}}}" },
    { "/config/cloud_directory/email_dispatcher", "{\"provider\":\"appid\"}" },
    { "/config/cloud_directory/sso",
      "{\"isActive\":false,\"inactivityTimeoutSeconds\":86400,\"logoutRedirectUris\":[]}" },
    { "/config/cloud_directory/rate_limit",
      "{\"signUpLimitPerMinute\":50,\"signInLimitPerMinute\":60}" },
    { "/config/cloud_directory/mfa", "{\"isActive\":false,\"config\":{}}" },
    { "/config/cloud_directory/mfa/channels/email", "{\"isActive\":true,\"type\":\"email\"}" },
    { "/config/cloud_directory/mfa/channels/nexmo", "{\"isActive\":false,\"type\":\"sms\"}" },
    { "/config/cloud_directory/mfa/extensions/premfa", "{\"isActive\":false}" },
    { "/config/cloud_directory/mfa/extensions/postmfa", "{\"isActive\":false}" },
    /* Reference 8.1.1: active, the emulator's resolution of the CONFLICT. */
    { "/config/idps/cloud_directory",
      "{\"isActive\":true,\"config\":{\"selfServiceEnabled\":true,\"signupEnabled\":true,"
      "\"identityField\":\"email\",\"interactions\":{\"identityConfirmation\":"
      "{\"accessMode\":\"FULL\",\"methods\":[\"email\"]},\"welcomeEnabled\":true,"
      "\"resetPasswordEnabled\":true,\"resetPasswordNotificationEnable\":true}}}" },
    /* On IBM's default credentials: no config. */
    { "/config/idps/facebook", "{\"isActive\":true}" },
    { "/config/idps/google", "{\"isActive\":true}" },
    { "/config/idps/custom", "{\"isActive\":false}" },
    { "/config/idps/saml", "{\"isActive\":false}" },
};

json_t *amgp_default_of(const char *path)
{
    size_t i;

    for (i = 0; path && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strcmp(defaults[i].path, path) == 0)
            return json_loads(defaults[i].json, 0, NULL);
    }
    return NULL;
}

int amgp_at_default(const char *path, json_t *have, json_t *(*view)(json_t *doc))
{
    json_t *def = have ? amgp_default_of(path) : NULL;
    json_t *def_view = NULL;
    int same;

    if (!def)
        return 0;
    def_view = view ? view(def) : json_incref(def);
    same = def_view && json_equal(def_view, have);
    json_decref(def_view);
    json_decref(def);
    return same;
}

void amgp_default_detail(const char *fields, char *out, size_t size)
{
    snprintf(out, size, "%s%s", AMG_PLAN_DETAIL_AT_DEFAULT, fields ? fields : "restored");
}
