#!/bin/sh
# appid-sim Cloud Directory configuration addressed by path parameters
# (templates, action URLs), the email dispatcher, MFA channels and
# extensions, and the logo (media upload and public download).
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

KEY=cd-config-key-0123456789
STATE="$AMG_TMP/state.json"
check "sim starts" sim_start s t1 "$KEY" --tenant t2 --state "$STATE"
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
T2="$s_URL/management/v4/t2"
CD=/config/cloud_directory

err() {  # err STATUS REASON MESSAGE
    printf '{"error":"%s","message":"%s","status":%s}' "$2" "$3" "$1"
}
err400() { err 400 "Bad Request" "$1"; }

expect_req() {  # expect_req NAME METHOD PATH STATUS BODY [REQUEST_BODY]
    if [ $# -ge 6 ]; then
        api "$2" "$T1$3" "$TOKEN" "$6" >/dev/null
    else
        api "$2" "$T1$3" "$TOKEN" >/dev/null
    fi
    expect_eq "$1" "$HTTP_STATUS $HTTP_BODY" "$4 $5"
}

# --- email templates ------------------------------------------------------
TP=$CD/templates
for name in USER_VERIFICATION WELCOME PASSWORD_CHANGED RESET_PASSWORD MFA_VERIFICATION; do
    api GET "$T1$TP/$name/en" "$TOKEN" >/dev/null
    expect_eq "template $name/en: default 200" "$HTTP_STATUS" 200
    expect_contains "template $name/en: has a subject" "$HTTP_BODY" '"subject":"'
    expect_contains "template $name/en: has placeholders" "$HTTP_BODY" '%{user.displayName}'
    # The HTML has quotes, which JSON escapes; base64 has none.
    b64=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"base64_encoded_html_body":"\([^"]*\)".*/\1/p')
    html=$(printf '%s' "$b64" | base64 -d | sed 's/"/\\"/g')
    expect_contains "template $name/en: base64 form decodes to html_body" \
        "$HTTP_BODY" "\"html_body\":\"$html\""
done
WELCOME_DEFAULT=$(api GET "$T1$TP/WELCOME/en" "$TOKEN")
expect_contains "default WELCOME subject" "$WELCOME_DEFAULT" '"subject":"Welcome %{user.displayName}"'

expect_req "choice: template in an unconfigured language: 400" GET "$TP/WELCOME/de" 400 \
    "$(err400 "language 'de' is not configured in /config/ui/languages")"
expect_req "PUT in an unconfigured language: 400" PUT "$TP/WELCOME/de" 400 \
    "$(err400 "language 'de' is not configured in /config/ui/languages")" '{"subject":"x"}'
expect_req "choice: unknown template name: 400" GET "$TP/GOODBYE/en" 400 \
    "$(err400 "template name 'GOODBYE' must be one of: USER_VERIFICATION, WELCOME, PASSWORD_CHANGED, RESET_PASSWORD, MFA_VERIFICATION")"
api PUT "$T1/config/ui/languages" "$TOKEN" '{"languages":["en","de"]}' >/dev/null
expect_eq "languages en+de" "$HTTP_STATUS" 204
expect_req "choice: uncustomised de template shows the English default" GET "$TP/WELCOME/de" \
    200 "$WELCOME_DEFAULT"

expect_req "PUT template with html_body: 200, both forms" PUT "$TP/WELCOME/de" 200 \
    '{"base64_encoded_html_body":"PGI+SGFsbG88L2I+","html_body":"<b>Hallo</b>","plain_text_body":"Hallo","subject":"Willkommen"}' \
    '{"subject":"Willkommen","html_body":"<b>Hallo</b>","plain_text_body":"Hallo"}'
expect_req "GET the customised template" GET "$TP/WELCOME/de" 200 \
    '{"base64_encoded_html_body":"PGI+SGFsbG88L2I+","html_body":"<b>Hallo</b>","plain_text_body":"Hallo","subject":"Willkommen"}'
expect_req "English template unaffected" GET "$TP/WELCOME/en" 200 "$WELCOME_DEFAULT"
expect_req "PUT with base64 only: decoded, plain text defaults to empty" PUT "$TP/RESET_PASSWORD/en" 200 \
    '{"base64_encoded_html_body":"PHA+UmVzZXQ8L3A+","html_body":"<p>Reset</p>","plain_text_body":"","subject":"Reset"}' \
    '{"subject":"Reset","base64_encoded_html_body":"PHA+UmVzZXQ8L3A+"}'
expect_req "base64 wins over html_body" PUT "$TP/RESET_PASSWORD/en" 200 \
    '{"base64_encoded_html_body":"PHA+UmVzZXQ8L3A+","html_body":"<p>Reset</p>","plain_text_body":"t","subject":"Reset"}' \
    '{"subject":"Reset","html_body":"<i>ignored</i>","base64_encoded_html_body":"PHA+UmVzZXQ8L3A+","plain_text_body":"t"}'
expect_req "extra properties are not stored" PUT "$TP/MFA_VERIFICATION/en" 200 \
    '{"base64_encoded_html_body":"","html_body":"","plain_text_body":"","subject":"Code"}' \
    '{"subject":"Code","extra":1}'
expect_req "invalid base64: 400" PUT "$TP/WELCOME/en" 400 \
    "$(err400 "field 'base64_encoded_html_body' is not valid base64")" \
    '{"subject":"x","base64_encoded_html_body":"PGI+aGk8L2I"}'
expect_req "base64 of binary data: 400" PUT "$TP/WELCOME/en" 400 \
    "$(err400 "field 'base64_encoded_html_body' decodes to binary data")" \
    '{"subject":"x","base64_encoded_html_body":"AAEC"}'
expect_req "base64 of invalid UTF-8: 400" PUT "$TP/WELCOME/en" 400 \
    "$(err400 "field 'base64_encoded_html_body' is not UTF-8 text")" \
    '{"subject":"x","base64_encoded_html_body":"//79"}'
expect_req "missing subject: 400" PUT "$TP/WELCOME/en" 400 \
    "$(err400 "missing required field 'subject'")" '{"html_body":"x"}'
expect_req "subject not a string: 400" PUT "$TP/WELCOME/en" 400 \
    "$(err400 "field 'subject' must be a string")" '{"subject":1}'
expect_req "template still the default after rejected writes" GET "$TP/WELCOME/en" 200 \
    "$WELCOME_DEFAULT"
api_ct text/plain PUT "$T1$TP/WELCOME/en" "$TOKEN" '{"subject":"x"}' >/dev/null
expect_eq "template PUT as text/plain: 415" "$HTTP_STATUS" 415
expect_req "DELETE template: 204" DELETE "$TP/WELCOME/de" 204 ""
expect_req "deleted template reverts to the default" GET "$TP/WELCOME/de" 200 "$WELCOME_DEFAULT"
expect_req "DELETE of an uncustomised template: 204" DELETE "$TP/WELCOME/de" 204 ""
api POST "$T1$TP/WELCOME/en" "$TOKEN" '{}' >/dev/null
expect_eq "template POST: 405" "$HTTP_STATUS" 405
api GET "$T1$TP/WELCOME" "$TOKEN" >/dev/null
expect_eq "template without a language: 404" "$HTTP_STATUS" 404
api GET "$T1$TP/WELCOME/en/" "$TOKEN" >/dev/null
expect_eq "template with a trailing slash: 404" "$HTTP_STATUS" 404
api GET "$T2$TP/RESET_PASSWORD/en" "$TOKEN" >/dev/null
expect_contains "templates are per tenant" "$HTTP_BODY" '"subject":"Reset Your Password'

# --- action URLs ------------------------------------------------------------
AU=$CD/action_url
for a in on_user_verified on_reset_password; do
    expect_req "choice: action URL $a: 404 when never set" GET "$AU/$a" 404 \
        "$(err 404 "Not Found" "action URL '$a' is not set")"
done
expect_req "PUT action URL: 200" PUT "$AU/on_user_verified" 200 '{"actionUrl":"https://app.example/verified"}' \
    '{"actionUrl":"https://app.example/verified","other":true}'
expect_req "GET action URL" GET "$AU/on_user_verified" 200 '{"actionUrl":"https://app.example/verified"}'
expect_req "the other action is still unset" GET "$AU/on_reset_password" 404 \
    "$(err 404 "Not Found" "action URL 'on_reset_password' is not set")"
expect_req "missing actionUrl: 400" PUT "$AU/on_reset_password" 400 \
    "$(err400 "missing required field 'actionUrl'")" '{}'
expect_req "empty actionUrl: 400" PUT "$AU/on_reset_password" 400 \
    "$(err400 "field 'actionUrl' must not be empty")" '{"actionUrl":""}'
expect_req "unknown action: 400" GET "$AU/on_signup" 400 \
    "$(err400 "action 'on_signup' must be one of: on_user_verified, on_reset_password")"
expect_req "DELETE action URL: 204" DELETE "$AU/on_user_verified" 204 ""
expect_req "deleted action URL: 404" GET "$AU/on_user_verified" 404 \
    "$(err 404 "Not Found" "action URL 'on_user_verified' is not set")"
api PATCH "$T1$AU/on_user_verified" "$TOKEN" '{}' >/dev/null
expect_eq "action URL PATCH: 405" "$HTTP_STATUS" 405

# --- email dispatcher -------------------------------------------------------
ED=$CD/email_dispatcher
expect_req "dispatcher default" GET $ED 200 '{"provider":"appid"}'
SENDGRID='{"provider":"sendgrid","sendgrid":{"apiKey":"SG.secret-value"}}'
expect_req "dispatcher sendgrid: 200" PUT $ED 200 "$SENDGRID" "$SENDGRID"
expect_req "choice: dispatcher GET returns the secret in clear" GET $ED 200 "$SENDGRID"
CUSTOM='{"custom":{"authorization":{"password":"pw","type":"basic","username":"mailer"},"url":"https://mail.example/send"},"provider":"custom"}'
expect_req "dispatcher custom basic: 200" PUT $ED 200 "$CUSTOM" "$CUSTOM"
expect_req "sendgrid without its object: 400" PUT $ED 400 \
    "$(err400 "missing required field 'sendgrid' (provider is sendgrid)")" '{"provider":"sendgrid"}'
expect_req "sendgrid without apiKey: 400" PUT $ED 400 \
    "$(err400 "missing required field 'sendgrid.apiKey'")" '{"provider":"sendgrid","sendgrid":{}}'
expect_req "custom basic without password: 400" PUT $ED 400 \
    "$(err400 "missing required field 'custom.authorization.password'")" \
    '{"provider":"custom","custom":{"url":"https://m","authorization":{"type":"basic","username":"u"}}}'
expect_req "custom value without value: 400" PUT $ED 400 \
    "$(err400 "missing required field 'custom.authorization.value'")" \
    '{"provider":"custom","custom":{"url":"https://m","authorization":{"type":"value"}}}'
expect_req "unknown provider: 400" PUT $ED 400 \
    "$(err400 "field 'provider' must be one of: appid, sendgrid, custom")" '{"provider":"smtp"}'
expect_req "unknown authorization type: 400" PUT $ED 400 \
    "$(err400 "field 'custom.authorization.type' must be one of: value, basic, none")" \
    '{"provider":"custom","custom":{"url":"https://m","authorization":{"type":"oauth"}}}'
expect_req "dispatcher unchanged after rejected writes" GET $ED 200 "$CUSTOM"

# --- MFA channels -----------------------------------------------------------
MC=$CD/mfa/channels
expect_req "channels default: email active" GET $MC 200 \
    '{"channels":[{"isActive":true,"type":"email"},{"isActive":false,"type":"sms"}]}'
expect_req "GET email channel" GET $MC/email 200 '{"isActive":true,"type":"email"}'
expect_req "GET nexmo channel" GET $MC/nexmo 200 '{"isActive":false,"type":"sms"}'
expect_req "choice: activating nexmo without credentials: 400" PUT $MC/nexmo 400 \
    "$(err400 "missing required field 'config' (the nexmo channel has no credentials yet)")" \
    '{"isActive":true}'
expect_req "nexmo without secret: 400" PUT $MC/nexmo 400 \
    "$(err400 "missing required field 'config.secret'")" \
    '{"isActive":true,"config":{"key":"k","from":"+1"}}'
NEXMO_CONF='"config":{"from":"+12223334444","key":"nx-key","provider":"nexmo","secret":"nx-secret"}'
expect_req "activate nexmo: 200" PUT $MC/nexmo 200 "{$NEXMO_CONF,\"isActive\":true,\"type\":\"sms\"}" \
    "{\"isActive\":true,$NEXMO_CONF}"
expect_req "activating nexmo switched email off" GET $MC 200 \
    "{\"channels\":[{\"isActive\":false,\"type\":\"email\"},{$NEXMO_CONF,\"isActive\":true,\"type\":\"sms\"}]}"
expect_req "deactivate nexmo (config kept): 200" PUT $MC/nexmo 200 \
    "{$NEXMO_CONF,\"isActive\":false,\"type\":\"sms\"}" '{"isActive":false}'
expect_req "deactivating nexmo reactivated email" GET $MC/email 200 '{"isActive":true,"type":"email"}'
expect_req "reactivate nexmo with the stored config" PUT $MC/nexmo 200 \
    "{$NEXMO_CONF,\"isActive\":true,\"type\":\"sms\"}" '{"isActive":true}'
expect_req "activate email: nexmo switched off" PUT $MC/email 200 '{"isActive":true,"type":"email"}' \
    '{"isActive":true}'
expect_req "nexmo off after email activation" GET $MC/nexmo 200 "{$NEXMO_CONF,\"isActive\":false,\"type\":\"sms\"}"
expect_req "choice: deactivating email leaves no channel active" PUT $MC/email 200 \
    '{"isActive":false,"type":"email"}' '{"isActive":false}'
expect_req "no channel active" GET $MC 200 \
    "{\"channels\":[{\"isActive\":false,\"type\":\"email\"},{$NEXMO_CONF,\"isActive\":false,\"type\":\"sms\"}]}"
expect_req "unknown channel: 400" GET $MC/whatsapp 400 \
    "$(err400 "channel 'whatsapp' must be one of: email, nexmo")"
expect_req "channel isActive missing: 400" PUT $MC/email 400 \
    "$(err400 "missing required field 'isActive'")" '{}'
api DELETE "$T1$MC/email" "$TOKEN" >/dev/null
expect_eq "channel DELETE: 405" "$HTTP_STATUS" 405
api PUT "$T1$MC" "$TOKEN" '{}' >/dev/null
expect_eq "channel list PUT: 405" "$HTTP_STATUS" 405
api GET "$T1$MC/email/x" "$TOKEN" >/dev/null
expect_eq "below a channel: 404" "$HTTP_STATUS" 404
expect_req "channels are per tenant" GET "/../t2$MC/email" 200 '{"isActive":true,"type":"email"}'

# --- MFA extensions ---------------------------------------------------------
MX=$CD/mfa/extensions
expect_req "premfa default" GET $MX/premfa 200 '{"isActive":false}'
expect_req "postmfa default" GET $MX/postmfa 200 '{"isActive":false}'
EXT='{"config":{"headers":{"Authorization":"Bearer ext-secret"},"url":"https://ext.example/pre"},"isActive":true}'
expect_req "PUT premfa: 200" PUT $MX/premfa 200 "$EXT" "$EXT"
expect_req "GET premfa" GET $MX/premfa 200 "$EXT"
expect_req "/active off keeps the config" PUT $MX/premfa/active 200 \
    '{"config":{"headers":{"Authorization":"Bearer ext-secret"},"url":"https://ext.example/pre"},"isActive":false}' \
    '{"isActive":false}'
expect_req "/active with a config replaces it" PUT $MX/postmfa/active 200 \
    '{"config":{"url":"https://ext.example/post"},"isActive":true}' \
    '{"isActive":true,"config":{"url":"https://ext.example/post"}}'
expect_req "full PUT replaces (no config)" PUT $MX/postmfa 200 '{"isActive":false}' '{"isActive":false}'
expect_req "header values must be strings: 400" PUT $MX/premfa 400 \
    "$(err400 "field 'config.headers' must map header names to strings")" \
    '{"isActive":true,"config":{"url":"https://e","headers":{"n":1}}}'
expect_req "/active without isActive: 400" PUT $MX/premfa/active 400 \
    "$(err400 "missing required field 'isActive'")" '{}'
expect_req "unknown extension: 400" GET $MX/midmfa 400 \
    "$(err400 "extension 'midmfa' must be one of: premfa, postmfa")"
api GET "$T1$MX/premfa/active" "$TOKEN" >/dev/null
expect_eq "GET /active: 405" "$HTTP_STATUS" 405
api GET "$T1$MX/premfa/test2" "$TOKEN" >/dev/null
expect_eq "other sub-path of an extension: 404" "$HTTP_STATUS" 404

# --- logo ---------------------------------------------------------------------
M=/config/ui/media
HDR="$AMG_TMP/auth.hdr"
printf 'Authorization: Bearer %s\n' "$TOKEN" >"$HDR"
upload() {  # upload FILE [QUERY] [TYPE]: sets HTTP_STATUS / HTTP_BODY
    HTTP_STATUS=$(curl -s -o "$AMG_TMP/up.body" -w '%{http_code}' -H "@$HDR" \
        -F "file=@$1;type=${3:-image/png}" "$T1$M${2-?mediaType=logo}")
    HTTP_BODY=$(cat "$AMG_TMP/up.body")
}
expect_req "media default: built-in logo URL" GET $M 200 "{\"image\":\"$s_URL/media/default-logo.png\"}"
status=$(curl -s -o "$AMG_TMP/default.png" -w '%{http_code} %{content_type}' "$s_URL/media/default-logo.png")
expect_eq "default logo served without a token" "$status" "200 image/png"
expect_eq "default logo is a PNG" "$(head -c 8 "$AMG_TMP/default.png" | od -An -tx1 | tr -d ' \n')" \
    89504e470d0a1a0a
printf '\211PNG\r\n\032\n\000\000\000\rIHDRtiny-logo' >"$AMG_TMP/tiny.png"
upload "$AMG_TMP/tiny.png"
expect_eq "upload PNG: 204" "$HTTP_STATUS $HTTP_BODY" "204 "
expect_req "media points at the tenant logo" GET $M 200 "{\"image\":\"$s_URL/media/t1/logo\"}"
status=$(curl -s -o "$AMG_TMP/got.png" -w '%{http_code} %{content_type}' "$s_URL/media/t1/logo")
expect_eq "choice: logo download without a token" "$status" "200 image/png"
check "downloaded logo equals the upload" cmp "$AMG_TMP/tiny.png" "$AMG_TMP/got.png"
status=$(curl -s -o /dev/null -w '%{http_code}' "$s_URL/media/t2/logo")
expect_eq "no logo uploaded for t2: 404" "$status" 404
status=$(curl -s -o /dev/null -w '%{http_code}' "$s_URL/media/nosuch/logo")
expect_eq "unknown tenant logo: 404" "$status" 404
status=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$s_URL/media/t1/logo")
expect_eq "DELETE on a media URL: 405" "$status" 405

printf '\377\330\377\340\000\020JFIF\000tiny-jpeg' >"$AMG_TMP/tiny.jpg"
upload "$AMG_TMP/tiny.jpg" "?mediaType=logo" image/jpeg
expect_eq "upload JPEG: 204" "$HTTP_STATUS" 204
status=$(curl -s -o "$AMG_TMP/got.jpg" -w '%{http_code} %{content_type}' "$s_URL/media/t1/logo")
expect_eq "JPEG served as image/jpeg" "$status" "200 image/jpeg"
check "downloaded JPEG equals the upload" cmp "$AMG_TMP/tiny.jpg" "$AMG_TMP/got.jpg"

{ printf '\211PNG\r\n\032\n'; head -c 102392 /dev/zero; } >"$AMG_TMP/limit.png"
upload "$AMG_TMP/limit.png"
expect_eq "exactly 100 KB: 204" "$HTTP_STATUS" 204
{ printf '\211PNG\r\n\032\n'; head -c 102393 /dev/zero; } >"$AMG_TMP/big.png"
upload "$AMG_TMP/big.png"
expect_eq "choice: logo over 100 KB: 413" "$HTTP_STATUS $HTTP_BODY" \
    "413 $(err 413 "Payload Too Large" "logo is 102401 bytes; at most 102400 are allowed")"
printf 'GIF89a-not-allowed' >"$AMG_TMP/logo.gif"
upload "$AMG_TMP/logo.gif" "?mediaType=logo" image/gif
expect_eq "GIF: 400" "$HTTP_STATUS $HTTP_BODY" "400 $(err400 "logo must be a PNG or JPEG image")"
printf 'PNG but not really' >"$AMG_TMP/fake.png"
upload "$AMG_TMP/fake.png"
expect_eq "choice: wrong magic bytes despite the type: 400" "$HTTP_STATUS" 400
upload "$AMG_TMP/tiny.png" ""
expect_eq "missing mediaType: 400" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(err400 "query parameter 'mediaType' must be one of: logo")"
upload "$AMG_TMP/tiny.png" "?mediaType=icon"
expect_eq "mediaType other than logo: 400" "$HTTP_STATUS" 400
HTTP_STATUS=$(curl -s -o "$AMG_TMP/up.body" -w '%{http_code}' -H "@$HDR" \
    -F "image=@$AMG_TMP/tiny.png" "$T1$M?mediaType=logo")
expect_eq "no part named file: 400" "$HTTP_STATUS $(cat "$AMG_TMP/up.body")" \
    "400 $(err400 "missing form part 'file'")"
api POST "$T1$M?mediaType=logo" "$TOKEN" '{"file":"x"}' >/dev/null
expect_eq "JSON instead of multipart: 415" "$HTTP_STATUS" 415
api_ct 'multipart/form-data; boundary=XX' POST "$T1$M?mediaType=logo" "$TOKEN" 'garbage' >/dev/null
expect_eq "malformed multipart: 400" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(err400 "malformed multipart/form-data body")"
api PUT "$T1$M" "$TOKEN" '{}' >/dev/null
expect_eq "media PUT: 405" "$HTTP_STATUS" 405
status=$(curl -s -o "$AMG_TMP/got.png" -w '%{http_code}' "$s_URL/media/t1/logo")
check "rejected uploads kept the last good logo" cmp "$AMG_TMP/limit.png" "$AMG_TMP/got.png"
HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' -F "file=@$AMG_TMP/tiny.png" \
    "$T1$M?mediaType=logo")
expect_eq "upload without a token: 401" "$HTTP_STATUS" 401

# --- everything survives a restart through the state file -------------------
api PUT "$T1$TP/WELCOME/de" "$TOKEN" '{"subject":"Willkommen"}' >/dev/null
api PUT "$T1$AU/on_reset_password" "$TOKEN" '{"actionUrl":"https://app.example/reset"}' >/dev/null
upload "$AMG_TMP/tiny.png"
check "SIGTERM saves the state" sim_stop s
check "sim restarts from the state" sim_start s "" "$KEY" --state "$STATE"
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
api GET "$T1$TP/WELCOME/de" "$TOKEN" >/dev/null
expect_contains "template survives a restart" "$HTTP_BODY" '"subject":"Willkommen"'
expect_req "action URL survives a restart" GET "$AU/on_reset_password" 200 \
    '{"actionUrl":"https://app.example/reset"}'
expect_req "dispatcher survives a restart" GET $ED 200 "$CUSTOM"
curl -s -o "$AMG_TMP/got.png" "$s_URL/media/t1/logo"
check "logo survives a restart" cmp "$AMG_TMP/tiny.png" "$AMG_TMP/got.png"

amg_finish
