#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "b64.h"
#include "cd_templates.h"

const char *const sim_template_names[] = {
    "USER_VERIFICATION", "WELCOME", "PASSWORD_CHANGED", "RESET_PASSWORD", "MFA_VERIFICATION",
    NULL
};

/* The real texts are not published; these carry the documented
 * placeholders (DOCS:cd-messages) so that clients see realistic bodies. */
static const struct {
    const char *name;
    const char *subject;
    const char *html;
    const char *text;
} defaults[] = {
    { "USER_VERIFICATION", "Please Verify Your Email Address %{user.displayName}",
      "<p>%{display.logo}</p><p>Hi %{user.displayName},</p>"
      "<p>Thanks for signing up. Please verify your email address: "
      "<a href=\"%{verify.link}\">Verify</a></p>"
      "<p>The link expires in %{linkExpiration.minutes} minutes.</p>",
      "Hi %{user.displayName}, thanks for signing up. Verify your email address: "
      "%{verify.link} (the link expires in %{linkExpiration.minutes} minutes)." },
    { "WELCOME", "Welcome %{user.displayName}",
      "<p>%{display.logo}</p><p>Hi %{user.displayName},</p>"
      "<p>Welcome! Your account %{user.email} is ready.</p>",
      "Hi %{user.displayName}, welcome! Your account %{user.email} is ready." },
    { "PASSWORD_CHANGED", "Password Changed for %{user.displayName}",
      "<p>%{display.logo}</p><p>Hi %{user.displayName},</p>"
      "<p>The password of your account was changed on %{passwordChangeInfo.time} "
      "from %{passwordChangeInfo.ipAddress}. If this was not you, reset your password.</p>",
      "Hi %{user.displayName}, the password of your account was changed on "
      "%{passwordChangeInfo.time} from %{passwordChangeInfo.ipAddress}." },
    { "RESET_PASSWORD", "Reset Your Password %{user.displayName}",
      "<p>%{display.logo}</p><p>Hi %{user.displayName},</p>"
      "<p>Reset your password here: <a href=\"%{resetPassword.link}\">Reset password</a></p>"
      "<p>The link expires in %{linkExpiration.minutes} minutes.</p>",
      "Hi %{user.displayName}, reset your password here: %{resetPassword.link} "
      "(the link expires in %{linkExpiration.minutes} minutes)." },
    { "MFA_VERIFICATION", "Your Verification Code",
      "<p>%{display.logo}</p><p>Hi %{user.displayName},</p>"
      "<p>Your verification code is <b>%{mfa.code}</b>. "
      "It expires in %{code.expiration.minutes} minutes.</p>",
      "Hi %{user.displayName}, your verification code is %{mfa.code}. "
      "It expires in %{code.expiration.minutes} minutes." },
};

int sim_template_name_valid(const char *name)
{
    size_t i;

    for (i = 0; sim_template_names[i]; i++) {
        if (strcmp(sim_template_names[i], name) == 0)
            return 1;
    }
    return 0;
}

/* {"subject","html_body","base64_encoded_html_body","plain_text_body"};
 * `html` is `html_len` bytes of text. */
static json_t *template_object(const char *subject, const char *html, size_t html_len,
                               const char *text)
{
    json_t *obj = NULL;
    char *b64 = NULL;

    if (sim_b64_encode(html, html_len, &b64) != AMG_OK)
        return NULL;
    obj = json_pack("{s:s, s:s%, s:s, s:s}", "subject", subject, "html_body", html, html_len,
                    "base64_encoded_html_body", b64, "plain_text_body", text);
    free(b64);
    return obj;
}

json_t *sim_template_default(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strcmp(defaults[i].name, name) == 0)
            return template_object(defaults[i].subject, defaults[i].html,
                                   strlen(defaults[i].html), defaults[i].text);
    }
    return NULL;
}

int sim_template_normalize(const json_t *body, json_t **out, char *msg, size_t msg_len)
{
    const char *subject = json_string_value(json_object_get(body, "subject"));
    const json_t *b64 = json_object_get(body, "base64_encoded_html_body");
    const json_t *html = json_object_get(body, "html_body");
    const char *text = json_string_value(json_object_get(body, "plain_text_body"));
    unsigned char *decoded = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if (b64 && json_string_length(b64) > 0) {
        rc = sim_b64_decode(json_string_value(b64), json_string_length(b64), &decoded, &len);
        if (rc == AMG_EINVAL) {
            snprintf(msg, msg_len, "field 'base64_encoded_html_body' is not valid base64");
            goto out;
        }
        if (rc != AMG_OK)
            goto out;
        /* json_stringn checks UTF-8; a NUL would not survive as text. */
        if (memchr(decoded, '\0', len)) {
            snprintf(msg, msg_len, "field 'base64_encoded_html_body' decodes to binary data");
            rc = AMG_EINVAL;
            goto out;
        }
        *out = template_object(subject, (const char *)decoded, len, text ? text : "");
    } else {
        *out = template_object(subject, html ? json_string_value(html) : "",
                               html ? json_string_length(html) : 0, text ? text : "");
    }
    rc = AMG_OK;
    if (!*out) {
        /* json_pack refuses invalid UTF-8: only decoded bytes can be. */
        if (decoded) {
            snprintf(msg, msg_len, "field 'base64_encoded_html_body' is not UTF-8 text");
            rc = AMG_EINVAL;
        } else {
            rc = AMG_ENOMEM;
        }
    }
out:
    free(decoded);
    return rc;
}
