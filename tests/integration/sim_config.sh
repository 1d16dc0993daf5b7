#!/bin/sh
# appid-sim singleton configuration endpoints: defaults of a new tenant,
# PUT/GET round trips, validation (required fields, types, enums, ranges),
# wire errors on every endpoint, tenant isolation.
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

KEY=config-key-0123456789
check "sim starts" sim_start s t1 "$KEY" --tenant t2
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
T2="$s_URL/management/v4/t2"

err400() {
    printf '{"error":"Bad Request","message":"%s","status":400}' "$1"
}

# expect_get PATH EXPECTED_BODY [TENANT_URL]
expect_get() {
    api GET "${3:-$T1}$1" "$TOKEN" >/dev/null
    expect_eq "GET $1" "$HTTP_STATUS $HTTP_BODY" "200 $2"
}

# expect_put PATH BODY STATUS [RESPONSE]: RESPONSE empty for 204.
expect_put() {
    api PUT "$T1$1" "$TOKEN" "$2" >/dev/null
    expect_eq "PUT $1 $2" "$HTTP_STATUS $HTTP_BODY" "$3 ${4:-}"
}

# expect_reject PATH BODY MESSAGE: 400 naming the problem.
expect_reject() {
    api PUT "$T1$1" "$TOKEN" "$2" >/dev/null
    expect_eq "PUT $1 $2 rejected" "$HTTP_STATUS $HTTP_BODY" "400 $(err400 "$3")"
}

# Wire errors every config endpoint shares; the stored value must survive.
common_errors() {
    api GET "$T1$1" "$TOKEN" >/dev/null
    before=$HTTP_BODY
    api_ct text/plain PUT "$T1$1" "$TOKEN" '{}' >/dev/null
    expect_eq "$1: 415" "$HTTP_STATUS" 415
    api PUT "$T1$1" "$TOKEN" '{"x":' >/dev/null
    expect_eq "$1: malformed JSON 400" "$HTTP_STATUS" 400
    api PUT "$T1$1" "$TOKEN" '"text"' >/dev/null
    expect_eq "$1: non-object 400" "$HTTP_STATUS" 400
    api DELETE "$T1$1" "$TOKEN" >/dev/null
    expect_eq "$1: DELETE 405" "$HTTP_STATUS" 405
    api PATCH "$T1$1" "$TOKEN" '{}' >/dev/null
    expect_eq "$1: PATCH 405" "$HTTP_STATUS" 405
    api GET "$T1$1" "$TOKEN" >/dev/null
    expect_eq "$1: unchanged after rejected writes" "$HTTP_BODY" "$before"
}

# --- tokens (PUT 200, omitted objects reset) ---------------------------
P=/config/tokens
TOKENS_DEFAULT='{"access":{"expires_in":3600},"anonymousAccess":{"enabled":true,"expires_in":2592000},"refresh":{"enabled":false,"expires_in":2592000}}'
TOKENS_FULL='{"access":{"expires_in":7200},"accessTokenClaims":[{"source":"roles"}],"anonymousAccess":{"enabled":false,"expires_in":7776000},"idTokenClaims":[{"destinationClaim":"mail","source":"saml","sourceClaim":"email"}],"refresh":{"enabled":true,"expires_in":86400}}'
expect_get $P "$TOKENS_DEFAULT"
expect_put $P '{"refresh":{"enabled":true,"expires_in":86400},"access":{"expires_in":7200},"anonymousAccess":{"enabled":false,"expires_in":7776000},"idTokenClaims":[{"source":"saml","sourceClaim":"email","destinationClaim":"mail"}],"accessTokenClaims":[{"source":"roles"}]}' \
    200 "$TOKENS_FULL"
expect_get $P "$TOKENS_FULL"
expect_reject $P '{"access":{}}' "missing required field 'access.expires_in'"
expect_reject $P '{"access":[]}' "field 'access' must be an object"
expect_reject $P '{"access":{"expires_in":"3600"}}' "field 'access.expires_in' must be an integer"
expect_reject $P '{"access":{"expires_in":3600.0}}' "field 'access.expires_in' must be an integer"
expect_reject $P '{"access":{"expires_in":299}}' \
    "field 'access.expires_in' must be between 300 and 86400"
expect_reject $P '{"access":{"expires_in":86401}}' \
    "field 'access.expires_in' must be between 300 and 86400"
expect_reject $P '{"refresh":{"enabled":"yes","expires_in":86400}}' \
    "field 'refresh.enabled' must be a boolean"
expect_reject $P '{"refresh":{"enabled":true}}' "missing required field 'refresh.expires_in'"
expect_reject $P '{"refresh":{"enabled":true,"expires_in":86399}}' \
    "field 'refresh.expires_in' must be between 86400 and 7776000"
expect_reject $P '{"anonymousAccess":{"enabled":true,"expires_in":7776001}}' \
    "field 'anonymousAccess.expires_in' must be between 86400 and 7776000"
expect_reject $P '{"idTokenClaims":{}}' "field 'idTokenClaims' must be an array"
expect_reject $P '{"idTokenClaims":["x"]}' "field 'idTokenClaims[0]' must be an object"
expect_reject $P '{"idTokenClaims":[{"sourceClaim":"x"}]}' \
    "missing required field 'idTokenClaims[0].source'"
expect_reject $P '{"accessTokenClaims":[{"source":"roles"},{"source":"nope"}]}' \
    "field 'accessTokenClaims[1].source' must be one of: saml, cloud_directory, facebook, google, appid_custom, ibmid, attributes, roles"
expect_reject $P '{"accessTokenClaims":[{"source":"roles","destinationClaim":7}]}' \
    "field 'accessTokenClaims[0].destinationClaim' must be a string"
claims=$(i=0; printf '{"idTokenClaims":['; while [ $i -lt 101 ]; do
    [ $i -gt 0 ] && printf ','; printf '{"source":"attributes"}'; i=$((i + 1)); done; printf ']}')
expect_reject $P "$claims" "field 'idTokenClaims' must have between 0 and 100 elements"
common_errors $P
# A PUT that omits top-level objects resets them (and drops the claims).
expect_put $P '{"access":{"expires_in":900}}' 200 \
    '{"access":{"expires_in":900},"anonymousAccess":{"enabled":true,"expires_in":2592000},"refresh":{"enabled":false,"expires_in":2592000}}'
expect_put $P '{}' 200 "$TOKENS_DEFAULT"
expect_get $P "$TOKENS_DEFAULT"

# --- redirect URIs (PUT 204; GET shows redirectUris only) -----------------
P=/config/redirect_uris
expect_get $P '{"redirectUris":[]}'
expect_put $P '{"redirectUris":["https://a.example/cb","https://b.example/*"],"trustCloudIAMRedirectUris":true,"extra":{"k":1}}' 204
expect_get $P '{"redirectUris":["https://a.example/cb","https://b.example/*"]}'
expect_reject $P '{}' "missing required field 'redirectUris'"
expect_reject $P '{"redirectUris":"x"}' "field 'redirectUris' must be an array"
expect_reject $P '{"redirectUris":[1]}' "field 'redirectUris[0]' must be a string"
expect_reject $P '{"redirectUris":["ok",""]}' "field 'redirectUris[1]' must not be empty"
expect_reject $P '{"redirectUris":[],"trustCloudIAMRedirectUris":"yes"}' \
    "field 'trustCloudIAMRedirectUris' must be a boolean"
common_errors $P
expect_put $P '{"redirectUris":[]}' 204
expect_get $P '{"redirectUris":[]}'

# --- login widget -------------------------------------------------------
P=/config/ui/theme_text
expect_get $P '{"footnote":"Powered by App ID","tabTitle":"Login"}'
expect_put $P '{"tabTitle":"Sign in","footnote":"Acme Corp."}' 204
expect_get $P '{"footnote":"Acme Corp.","tabTitle":"Sign in"}'
expect_reject $P '{"tabTitle":5}' "field 'tabTitle' must be a string"
common_errors $P
expect_put $P '{"tabTitle":"Only the title"}' 204
expect_get $P '{"footnote":"Powered by App ID","tabTitle":"Only the title"}'

P=/config/ui/theme_color
expect_get $P '{"headerColor":"#EEF2F5"}'
expect_put $P '{"headerColor":"#112233"}' 204
expect_get $P '{"headerColor":"#112233"}'
api POST "$T1$P" "$TOKEN" '{"headerColor":"#abcDEF"}' >/dev/null
expect_eq "POST $P accepted like PUT" "$HTTP_STATUS $HTTP_BODY" "204 "
expect_get $P '{"headerColor":"#abcDEF"}'
expect_reject $P '{}' "missing required field 'headerColor'"
expect_reject $P '{"headerColor":1}' "field 'headerColor' must be a string"
expect_reject $P '{"headerColor":"red"}' "field 'headerColor' must be a colour in the form #RRGGBB"
expect_reject $P '{"headerColor":"#12345G"}' \
    "field 'headerColor' must be a colour in the form #RRGGBB"
expect_reject $P '{"headerColor":"#1234567"}' \
    "field 'headerColor' must be a colour in the form #RRGGBB"
common_errors $P
allow=$(curl -s -D - -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$T1$P" |
    tr -d '\r' | grep -i '^Allow:')
expect_eq "$P: Allow lists POST" "$allow" "Allow: GET, POST, PUT"

P=/config/ui/languages
expect_get $P '{"languages":["en"]}'
expect_put $P '{"languages":["en","de-DE","ar-EG"]}' 204
expect_get $P '{"languages":["en","de-DE","ar-EG"]}'
expect_reject $P '{}' "missing required field 'languages'"
expect_reject $P '{"languages":"en"}' "field 'languages' must be an array"
expect_reject $P '{"languages":[]}' "field 'languages' must not be empty"
expect_reject $P '{"languages":["en",3]}' "field 'languages[1]' must be a string"
expect_reject $P '{"languages":[""]}' "field 'languages[0]' must not be empty"
common_errors $P

# --- switches -----------------------------------------------------------
P=/config/users_profile
expect_get $P '{"isActive":true}'
expect_put $P '{"isActive":false}' 204
expect_get $P '{"isActive":false}'
expect_reject $P '{}' "missing required field 'isActive'"
expect_reject $P '{"isActive":"false"}' "field 'isActive' must be a boolean"
expect_reject $P '{"isActive":1}' "field 'isActive' must be a boolean"
common_errors $P

P=/config/capture_runtime_activity
expect_get $P '{"isActive":false}'
expect_put $P '{"isActive":true}' 204
expect_get $P '{"isActive":true}'
expect_reject $P '{"isActive":null}' "field 'isActive' must be a boolean"
common_errors $P

# --- Cloud Directory settings -------------------------------------------
P=/config/cloud_directory/sender_details
expect_get $P '{"senderDetails":{"from":{"email":"no-reply@appid.cloud.ibm.com","name":"App ID"},"linkExpirationSec":86400}}'
expect_put $P '{"senderDetails":{"from":{"email":"ops@example.com","name":"Ops"},"reply_to":{"email":"help@example.com"},"linkExpirationSec":3600}}' 204
expect_get $P '{"senderDetails":{"from":{"email":"ops@example.com","name":"Ops"},"linkExpirationSec":3600,"reply_to":{"email":"help@example.com"}}}'
expect_reject $P '{}' "missing required field 'senderDetails'"
expect_reject $P '{"senderDetails":{}}' "missing required field 'senderDetails.from'"
expect_reject $P '{"senderDetails":{"from":{}}}' "missing required field 'senderDetails.from.email'"
expect_reject $P '{"senderDetails":{"from":{"email":""}}}' \
    "field 'senderDetails.from.email' must not be empty"
expect_reject $P '{"senderDetails":{"from":{"email":"a@b.c"},"linkExpirationSec":0}}' \
    "field 'senderDetails.linkExpirationSec' must be between 1 and 2592000"
expect_reject $P '{"senderDetails":{"from":{"email":"a@b.c"},"reply_to":[]}}' \
    "field 'senderDetails.reply_to' must be an object"
common_errors $P

P=/config/cloud_directory/password_regex
REGEX_MSG="The password doesn't meet the strength requirements."
expect_get $P "{\"base64_encoded_regex\":\"\",\"error_message\":\"$REGEX_MSG\",\"regex\":\"\"}"
expect_put $P '{"base64_encoded_regex":"Xig/Oi4qW0EtWl0pLiok","error_message":"Need a capital"}' 200 \
    '{"base64_encoded_regex":"Xig/Oi4qW0EtWl0pLiok","error_message":"Need a capital","regex":"^(?:.*[A-Z]).*$"}'
expect_put $P '{"regex":"^.{8,}$"}' 200 '{"base64_encoded_regex":"Xi57OCx9JA==","regex":"^.{8,}$"}'
expect_get $P '{"base64_encoded_regex":"Xi57OCx9JA==","regex":"^.{8,}$"}'
expect_reject $P '{"regex":1}' "field 'regex' must be a string"
expect_reject $P '{"base64_encoded_regex":"%%%%"}' "field 'base64_encoded_regex' is not valid base64"
common_errors $P

P=/config/cloud_directory/advanced_password_management
APM_DEFAULT='{"advancedPasswordManagement":{"enabled":false,"lockOutPolicy":{"config":{"lockOutTimeSec":1800,"numOfAttempts":3},"enabled":false},"minPasswordChangeInterval":{"config":{"minHoursToChangePassword":0},"enabled":false},"passwordExpiration":{"config":{"daysToExpire":30},"enabled":false},"passwordReuse":{"config":{"maxPasswordReuse":8},"enabled":false},"preventPasswordWithUsername":{"enabled":false}}}'
APM_ON='{"advancedPasswordManagement":{"enabled":true,"lockOutPolicy":{"config":{"lockOutTimeSec":600,"numOfAttempts":5},"enabled":true},"minPasswordChangeInterval":{"config":{"minHoursToChangePassword":24},"enabled":true},"passwordExpiration":{"config":{"daysToExpire":90},"enabled":true},"passwordReuse":{"config":{"maxPasswordReuse":4},"enabled":true},"preventPasswordWithUsername":{"enabled":true}}}'
expect_get $P "$APM_DEFAULT"
expect_put $P "$APM_ON" 200 "$APM_ON"
expect_get $P "$APM_ON"
expect_reject $P '{}' "missing required field 'advancedPasswordManagement'"
expect_reject $P '{"advancedPasswordManagement":{"enabled":true,"preventPasswordWithUsername":{"enabled":true},"passwordExpiration":{"enabled":false},"lockOutPolicy":{"enabled":false}}}' \
    "missing required field 'advancedPasswordManagement.passwordReuse'"
expect_reject $P "$(printf '%s' "$APM_ON" | sed 's/"numOfAttempts":5/"numOfAttempts":11/')" \
    "field 'advancedPasswordManagement.lockOutPolicy.config.numOfAttempts' must be between 1 and 10"
expect_reject $P "$(printf '%s' "$APM_ON" | sed 's/"daysToExpire":90/"daysToExpire":"90"/')" \
    "field 'advancedPasswordManagement.passwordExpiration.config.daysToExpire' must be an integer"
expect_reject $P "$(printf '%s' "$APM_ON" | sed 's/{"config":{"maxPasswordReuse":4},"enabled":true}/{"config":{}}/')" \
    "missing required field 'advancedPasswordManagement.passwordReuse.enabled'"
common_errors $P

P=/config/cloud_directory/mfa
expect_get $P '{"config":{},"isActive":false}'
expect_put $P '{"isActive":true,"config":{"anything":[1,"two"]}}' 200 \
    '{"config":{"anything":[1,"two"]},"isActive":true}'
expect_get $P '{"config":{"anything":[1,"two"]},"isActive":true}'
expect_reject $P '{"config":{}}' "missing required field 'isActive'"
expect_reject $P '{"isActive":true,"config":[]}' "field 'config' must be an object"
common_errors $P

P=/config/cloud_directory/sso
expect_get $P '{"inactivityTimeoutSeconds":86400,"isActive":false,"logoutRedirectUris":[]}'
expect_put $P '{"isActive":true,"inactivityTimeoutSeconds":604800,"logoutRedirectUris":["https://a.example/bye"]}' \
    201 '{"inactivityTimeoutSeconds":604800,"isActive":true,"logoutRedirectUris":["https://a.example/bye"]}'
expect_get $P '{"inactivityTimeoutSeconds":604800,"isActive":true,"logoutRedirectUris":["https://a.example/bye"]}'
expect_reject $P '{"isActive":true,"inactivityTimeoutSeconds":604801,"logoutRedirectUris":[]}' \
    "field 'inactivityTimeoutSeconds' must be between 1 and 604800"
expect_reject $P '{"isActive":true,"inactivityTimeoutSeconds":60}' \
    "missing required field 'logoutRedirectUris'"
common_errors $P

P=/config/cloud_directory/rate_limit
expect_get $P '{"signInLimitPerMinute":60,"signUpLimitPerMinute":50}'
expect_put $P '{"signUpLimitPerMinute":10,"signInLimitPerMinute":20}' 201 \
    '{"signInLimitPerMinute":20,"signUpLimitPerMinute":10}'
expect_get $P '{"signInLimitPerMinute":20,"signUpLimitPerMinute":10}'
expect_reject $P '{"signUpLimitPerMinute":0,"signInLimitPerMinute":20}' \
    "field 'signUpLimitPerMinute' must be between 1 and 1000000"
expect_reject $P '{"signUpLimitPerMinute":10}' "missing required field 'signInLimitPerMinute'"
common_errors $P

# --- identity providers -------------------------------------------------
P=/config/idps/cloud_directory
CD_DEFAULT='{"config":{"identityField":"email","interactions":{"identityConfirmation":{"accessMode":"FULL","methods":["email"]},"resetPasswordEnabled":true,"resetPasswordNotificationEnable":true,"welcomeEnabled":true},"selfServiceEnabled":true,"signupEnabled":true},"isActive":true}'
CD_NEW='{"config":{"identityField":"userName","interactions":{"identityConfirmation":{"accessMode":"OFF","methods":["email"]},"resetPasswordEnabled":false,"resetPasswordNotificationEnable":false,"welcomeEnabled":false},"selfServiceEnabled":false,"signupEnabled":false},"isActive":true}'
expect_get $P "$CD_DEFAULT"
expect_put $P "$CD_NEW" 200 "$CD_NEW"
expect_get $P "$CD_NEW"
expect_reject $P '{"isActive":true}' "missing required field 'config'"
expect_reject $P "$(printf '%s' "$CD_NEW" | sed 's/"OFF"/"false"/')" \
    "field 'config.interactions.identityConfirmation.accessMode' must be one of: FULL, RESTRICTIVE, OFF"
expect_reject $P "$(printf '%s' "$CD_NEW" | sed 's/,"welcomeEnabled":false//')" \
    "missing required field 'config.interactions.welcomeEnabled'"
expect_reject $P "$(printf '%s' "$CD_NEW" | sed 's/"userName"/"phone"/')" \
    "field 'config.identityField' must be one of: email, userName"
common_errors $P

for idp in facebook google; do
    P=/config/idps/$idp
    CALLBACK="$s_URL/oauth/v4/t1/$idp/callback"
    expect_get $P "{\"isActive\":true,\"redirectURL\":\"$CALLBACK\"}"
    expect_put $P '{"isActive":true,"config":{"idpId":"app-123","secret":"s3cr3t"},"redirectURL":"https://elsewhere.example/cb"}' \
        200 "{\"config\":{\"idpId\":\"app-123\",\"secret\":\"s3cr3t\"},\"isActive\":true,\"redirectURL\":\"$CALLBACK\"}"
    expect_get $P "{\"config\":{\"idpId\":\"app-123\",\"secret\":\"s3cr3t\"},\"isActive\":true,\"redirectURL\":\"$CALLBACK\"}"
    expect_reject $P '{"isActive":true,"config":{"idpId":"app-123"}}' \
        "missing required field 'config.secret'"
    expect_reject $P '{"config":{"idpId":"a","secret":"b"}}' "missing required field 'isActive'"
    common_errors $P
    expect_put $P '{"isActive":false}' 200 "{\"isActive\":false,\"redirectURL\":\"$CALLBACK\"}"
done

P=/config/idps/custom
expect_get $P '{"isActive":false}'
expect_put $P '{"isActive":true,"config":{"publicKey":"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"}}' \
    200 '{"config":{"publicKey":"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"},"isActive":true}'
expect_reject $P '{"isActive":true,"config":{"publicKey":5}}' "field 'config.publicKey' must be a string"
common_errors $P

P=/config/idps/saml
SAML='{"config":{"authnContext":{"class":["urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"],"comparison":"exact"},"certificates":["MIIC"],"entityID":"urn:acme","signInUrl":"https://idp.example/sso","signRequest":false},"isActive":true}'
expect_get $P '{"isActive":false}'
# validation_data is read-only: a client's copy is ignored, the sim's own
# is computed from the certificates ("MIIC" cannot be read).
SAML_VD=$(printf '%s' "$SAML" | sed 's/}$/,"validation_data":{"certificates":[{"certificate_index":0,"expiration_timestamp":0,"warning":"the certificate could not be read"}]}}/')
expect_put $P "$(printf '%s' "$SAML" | sed 's/}$/,"validation_data":{"certificates":[]}}/')" 200 "$SAML_VD"
expect_get $P "$SAML_VD"
# A real certificate, valid 10 more days: its expiry in epoch ms and a warning.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$AMG_TMP/idp.key" -out "$AMG_TMP/idp.pem" \
    -days 10 -subj /CN=idp.example >/dev/null 2>&1
cert=$(sed '1d;$d' "$AMG_TMP/idp.pem" | tr -d '\n')
not_after=$(date -d "$(openssl x509 -in "$AMG_TMP/idp.pem" -noout -enddate | cut -d= -f2)" +%s)
api PUT "$T1$P" "$TOKEN" "$(printf '%s' "$SAML" | sed "s|\"MIIC\"|\"$cert\"|")" >/dev/null
expect_eq "choice: SAML validation_data from a real certificate (epoch ms, 30-day warning)" \
    "$(printf '%s' "$HTTP_BODY" | grep -o '"validation_data":.*')" \
    "\"validation_data\":{\"certificates\":[{\"certificate_index\":0,\"expiration_timestamp\":${not_after}000,\"warning\":\"the certificate expires within 30 days\"}]}}"
api PUT "$T1$P" "$TOKEN" "$SAML" >/dev/null
expect_reject $P "$(printf '%s' "$SAML" | sed 's/\["MIIC"\]/[]/')" \
    "field 'config.certificates' must have between 1 and 2 elements"
expect_reject $P "$(printf '%s' "$SAML" | sed 's/\["MIIC"\]/["A","B","C"]/')" \
    "field 'config.certificates' must have between 1 and 2 elements"
expect_reject $P "$(printf '%s' "$SAML" | sed 's/"exact"/"sometimes"/')" \
    "field 'config.authnContext.comparison' must be one of: exact, maximum, minimum, better"
expect_reject $P '{"isActive":true,"config":{"signInUrl":"https://x","certificates":["M"]}}' \
    "missing required field 'config.entityID'"
common_errors $P

# --- isolation ----------------------------------------------------------
expect_get /config/tokens "$TOKENS_DEFAULT" "$T2"
expect_get /config/ui/theme_color '{"headerColor":"#EEF2F5"}' "$T2"
expect_get /config/idps/google \
    "{\"isActive\":true,\"redirectURL\":\"$s_URL/oauth/v4/t2/google/callback\"}" "$T2"

check "sim exits 0 on SIGTERM" sim_stop s
amg_finish
