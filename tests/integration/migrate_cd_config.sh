#!/usr/bin/env bash
# End to end for the configuration plugins (idps, cloud_directory_settings,
# mfa, instance_settings, themes with the logo): give the source a
# non-default value for every field, migrate, compare every endpoint of
# both instances; then re-import (nothing updated), restore one IdP with a
# record filter, and let validate catch one defect of each kind.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins

sim_start SRC tenant-src key-src
sim_start DST tenant-dst key-dst
sim_start THIRD tenant-third key-third
conf="$AMG_TMP/test.conf"
cat >"$conf" <<CONF
instances = {
  src = { endpoint = "$SRC_URL"; iam_endpoint = "$SRC_URL/identity/token";
          tenant_id = "tenant-src"; api_key_env = "SRC_KEY"; };
  dst = { endpoint = "$DST_URL"; iam_endpoint = "$DST_URL/identity/token";
          tenant_id = "tenant-dst"; api_key_env = "DST_KEY"; };
  third = { endpoint = "$THIRD_URL"; iam_endpoint = "$THIRD_URL/identity/token";
          tenant_id = "tenant-third"; api_key_env = "THIRD_KEY"; };
};
snapshot_dir = "$AMG_TMP/snapshots";
http = { retries = 2; };
CONF
export SRC_KEY=key-src DST_KEY=key-dst THIRD_KEY=key-third
stok=$(iam_token "$SRC_URL" key-src)
dtok=$(iam_token "$DST_URL" key-dst)
ttok=$(iam_token "$THIRD_URL" key-third)
sbase="$SRC_URL/management/v4/tenant-src"
dbase="$DST_URL/management/v4/tenant-dst"
tbase="$THIRD_URL/management/v4/tenant-third"
CD=config/cloud_directory

put() {  # put PATH STATUS BODY: configure the source
  api PUT "$sbase/$1" "$stok" "$3" >/dev/null
  expect_eq "source $1 configured" "$HTTP_STATUS" "$2"
}

# --- a source with a non-default value everywhere ---------------------------
put config/ui/languages 204 '{"languages":["en","de"]}'
for name in USER_VERIFICATION WELCOME PASSWORD_CHANGED RESET_PASSWORD MFA_VERIFICATION; do
  for lang in en de; do
    put "$CD/templates/$name/$lang" 200 \
      "{\"subject\":\"$name $lang ü\",\"html_body\":\"<p class=\\\"x\\\">$name in $lang: %{user.displayName}</p>\",\"plain_text_body\":\"$name $lang text\"}"
  done
done
put "$CD/action_url/on_user_verified" 200 '{"actionUrl":"https://app.example/verified"}'
put "$CD/action_url/on_reset_password" 200 '{"actionUrl":"https://app.example/reset"}'
put "$CD/sender_details" 204 '{"senderDetails":{"from":{"email":"noreply@example.com","name":"Example"},"reply_to":{"email":"help@example.com","name":"Help"},"linkExpirationSec":3600}}'
put "$CD/password_regex" 200 '{"regex":"^(?=.*[A-Z])(?=.*[0-9]).{10,}$","error_message":"10 characters, a capital and a digit"}'
put "$CD/advanced_password_management" 200 '{"advancedPasswordManagement":{"enabled":true,"passwordReuse":{"enabled":true,"config":{"maxPasswordReuse":5}},"preventPasswordWithUsername":{"enabled":true},"passwordExpiration":{"enabled":true,"config":{"daysToExpire":45}},"lockOutPolicy":{"enabled":true,"config":{"lockOutTimeSec":3600,"numOfAttempts":5}},"minPasswordChangeInterval":{"enabled":true,"config":{"minHoursToChangePassword":24}}}}'
put "$CD/email_dispatcher" 200 '{"provider":"custom","custom":{"url":"https://mail.example/send","authorization":{"type":"basic","username":"mailer","password":"dispatch-pw-123"}}}'
put "$CD/sso" 201 '{"isActive":true,"inactivityTimeoutSeconds":7200,"logoutRedirectUris":["https://app.example/bye"]}'
put "$CD/rate_limit" 201 '{"signUpLimitPerMinute":30,"signInLimitPerMinute":40}'
put "$CD/mfa" 200 '{"isActive":true,"config":{"codeLength":6}}'
put "$CD/mfa/channels/nexmo" 200 '{"isActive":true,"config":{"provider":"nexmo","from":"+12223334444","key":"nx-key","secret":"nexmo-secret-123"}}'
put "$CD/mfa/extensions/premfa" 200 '{"isActive":true,"config":{"url":"https://ext.example/pre","headers":{"Authorization":"Bearer ext-secret-123"}}}'
put "$CD/mfa/extensions/postmfa" 200 '{"isActive":false,"config":{"url":"https://ext.example/post"}}'
put config/idps/cloud_directory 200 '{"isActive":true,"config":{"selfServiceEnabled":false,"signupEnabled":false,"identityField":"userName","interactions":{"identityConfirmation":{"accessMode":"RESTRICTIVE","methods":["email"]},"welcomeEnabled":false,"resetPasswordEnabled":false,"resetPasswordNotificationEnable":false}}}'
put config/idps/facebook 200 '{"isActive":true,"config":{"idpId":"fb-app-1","secret":"fb-secret-123"}}'
put config/idps/google 200 '{"isActive":true,"config":{"idpId":"g-app-1","secret":"google-secret-123"}}'
put config/idps/custom 200 '{"isActive":true,"config":{"publicKey":"-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----"}}'
SAML='{"isActive":true,"config":{"entityID":"https://idp.example/saml","signInUrl":"https://idp.example/sso","certificates":["MIIC-primary","MIIC-secondary"],"displayName":"Corp IdP","authnContext":{"class":["urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"],"comparison":"minimum"},"signRequest":true,"encryptResponse":true,"includeScoping":true,"idpInitEnabled":true,"idpRedirectUrl":"https://app.example/after"}}'
put config/idps/saml 200 "$SAML"
put config/users_profile 204 '{"isActive":false}'
put config/capture_runtime_activity 204 '{"isActive":true}'
put config/ui/theme_text 204 '{"tabTitle":"Corp","footnote":"Corp login"}'
put config/ui/theme_color 204 '{"headerColor":"#123456"}'
printf '\211PNG\r\n\032\n\000\000\000\rIHDR--source-logo-bytes\r\n' >"$AMG_TMP/logo.png"
printf 'Authorization: Bearer %s\n' "$stok" >"$AMG_TMP/src.hdr"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "@$AMG_TMP/src.hdr" \
  -F "file=@$AMG_TMP/logo.png;type=image/png" "$sbase/config/ui/media?mediaType=logo")
expect_eq "source logo uploaded" "$status" 204

paths="config/ui/languages config/users_profile config/capture_runtime_activity
config/ui/theme_text config/ui/theme_color
$CD/action_url/on_user_verified $CD/action_url/on_reset_password $CD/sender_details
$CD/password_regex $CD/advanced_password_management $CD/email_dispatcher $CD/sso
$CD/rate_limit $CD/mfa $CD/mfa/channels $CD/mfa/channels/email $CD/mfa/channels/nexmo
$CD/mfa/extensions/premfa $CD/mfa/extensions/postmfa
config/idps/cloud_directory config/idps/facebook config/idps/google config/idps/custom
config/idps/saml"
for name in USER_VERIFICATION WELCOME PASSWORD_CHANGED RESET_PASSWORD MFA_VERIFICATION; do
  paths="$paths $CD/templates/$name/en $CD/templates/$name/de"
done
# The callback URL names each instance's own host; it is the one field
# that may differ.
get_cmp() {  # get_cmp BASE TOKEN PATH
  api GET "$1/$3" "$2" | sed 's/,"redirectURL":"[^"]*"//'
}
same_as_source() {  # same_as_source BASE TOKEN LABEL
  local p
  for p in $paths; do
    expect_eq "$3: $p equals the source" "$(get_cmp "$1" "$2" "$p")" "$(get_cmp "$sbase" "$stok" "$p")"
  done
}
logo_of() {  # logo_of BASE TOKEN FILE: download the instance's logo
  local url
  url=$(api GET "$1/config/ui/media" "$2" | sed -n 's/.*"image":"\([^"]*\)".*/\1/p')
  curl -s -o "$3" "$url"
}

differ=0
total=0
for p in $paths; do
  total=$((total + 1))
  [ "$(get_cmp "$dbase" "$dtok" "$p")" = "$(get_cmp "$sbase" "$stok" "$p")" ] || differ=$((differ + 1))
done
expect_eq "before the migration every endpoint of the target differs" "$differ" "$total"

# --- migrate ----------------------------------------------------------------
out=$("$AMG" -c "$conf" migrate --from src --to dst 2>"$AMG_TMP/migrate.err"); rc=$?
expect_eq "migrate exits 0" "$rc" 0
[ "$rc" -eq 0 ] || cat "$AMG_TMP/migrate.err"
snap=$(printf '%s\n' "$out" | sed -n 's/^snapshot: //p')
same_as_source "$dbase" "$dtok" "after migrate"
expect_eq "target logo URL is the target's own" "$(api GET "$dbase/config/ui/media" "$dtok")" \
  "{\"image\":\"$DST_URL/media/tenant-dst/logo\"}"
logo_of "$dbase" "$dtok" "$AMG_TMP/dst-logo.png"
check "target logo bytes equal the source's" cmp "$AMG_TMP/logo.png" "$AMG_TMP/dst-logo.png"
check "snapshot has the logo part" cmp "$AMG_TMP/logo.png" "$snap/themes.logo.bin"
check "themes document records the logo type" grep -q '"logo":{"content_type":"image/png"}' "$snap/themes.json"
expect_eq "target redirect URL is the target's own" \
  "$(api GET "$dbase/config/idps/facebook" "$dtok" | sed -n 's/.*"redirectURL":"\([^"]*\)".*/\1/p')" \
  "$DST_URL/oauth/v4/tenant-dst/facebook/callback"
check "templates stored for both languages" grep -q '"de":{' "$snap/cloud_directory_settings.json"
check "unset action URLs are not stored, set ones are" grep -q '"on_reset_password":{"actionUrl"' \
  "$snap/cloud_directory_settings.json"
check "the log names the IdP secrets" \
  grep -q "\[idps\] the snapshot holds secrets: facebook, google" "$AMG_TMP/migrate.err"
export_report=$(ls -t "$AMG_TMP"/snapshots/reports/export-src-*.json | head -n 1)
check "the export report names the IdP secrets" grep -q '"facebook, google"' "$export_report"
check "the export report names the dispatcher secrets" \
  grep -q '"email dispatcher credentials' "$export_report"
check "the export report names the MFA secrets" grep -q '"MFA SMS (Nexmo)' "$export_report"
check "no secret value in the logs" sh -c "! grep -q -e fb-secret-123 -e google-secret-123 \
  -e dispatch-pw-123 -e nexmo-secret-123 -e ext-secret-123 '$AMG_TMP/migrate.err'"
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-dst-*.json | head -n 1)
check "report: register the target's Facebook callback" \
  grep -q "facebook: register the target's redirect URL $DST_URL/oauth/v4/tenant-dst/facebook/callback" "$report"
check "report: register the target's Google callback" \
  grep -q "google: register the target's redirect URL $DST_URL/oauth/v4/tenant-dst/google/callback" "$report"
check "report: re-register SAML metadata" \
  grep -q "saml: re-register the target's SAML metadata (GET /config/saml_metadata) with the IdP https://idp.example/saml" "$report"

# --- a second import changes nothing ----------------------------------------
"$AMG" -c "$conf" import --instance dst --snapshot "$snap" >"$AMG_TMP/second.out" 2>&1; rc=$?
expect_eq "second import exits 0" "$rc" 0
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-dst-*.json | head -n 1)
check "second import updated nothing" sh -c "! grep -q '\"updated\": [1-9]' '$report'"
check "second import failed nothing" sh -c "! grep -q '\"failed\": [1-9]' '$report'"
check "second import counted unchanged objects" grep -q '"unchanged": [1-9]' "$report"
same_as_source "$dbase" "$dtok" "after the second import"

# --- one IdP through a record filter ----------------------------------------
"$AMG" -c "$conf" import --instance third --snapshot "$snap" --only 'idps:idp=saml' \
  >/dev/null 2>"$AMG_TMP/only.err"; rc=$?
expect_eq "import --only idps:idp=saml exits 0" "$rc" 0
expect_eq "--only idps:idp=saml restored SAML" "$(get_cmp "$tbase" "$ttok" config/idps/saml)" \
  "$(get_cmp "$sbase" "$stok" config/idps/saml)"
for p in config/idps/cloud_directory config/idps/facebook config/idps/google config/idps/custom \
  config/ui/languages config/users_profile; do
  check "--only idps:idp=saml left $p alone" \
    test "$(get_cmp "$tbase" "$ttok" "$p")" != "$(get_cmp "$sbase" "$stok" "$p")"
done
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-third-*.json | head -n 1)
check "--only idps:idp=saml: one object updated" grep -q '"updated": 1$' "$report"
expect_eq "--only idps:idp=saml: the idps plugin ran" "$("$JT" get "$report" '.plugins[0].plugin')" idps
check "--only idps:idp=saml: no other plugin ran" sh -c "! '$JT' get '$report' '.plugins[1]' >/dev/null 2>&1"

# Exports below go to snapshot directories of their own: two exports in
# the same second would otherwise want the same snapshot name.
with_dir() {  # with_dir NAME: a copy of the configuration with its own snapshot_dir
  sed "s|^snapshot_dir = .*|snapshot_dir = \"$AMG_TMP/$1\";|" "$conf" >"$AMG_TMP/$1.conf"
  echo "$AMG_TMP/$1.conf"
}
out=$("$AMG" -c "$(with_dir only)" export --instance src --only 'idps:idp=saml' 2>/dev/null); rc=$?
expect_eq "export --only idps:idp=saml exits 0" "$rc" 0
sub=$(printf '%s\n' "$out" | tail -n 1)
check "the filtered export holds SAML" grep -q '"saml":' "$sub/idps.json"
check "the filtered export holds no other IdP" \
  sh -c "! grep -q -e '\"facebook\":' -e '\"cloud_directory\":' '$sub/idps.json'"

# --- carry_logo = false --------------------------------------------------------
nologo_conf=$(with_dir nologo)
printf 'plugins = { themes = { carry_logo = false; }; };\n' >>"$nologo_conf"
out=$("$AMG" -c "$nologo_conf" export --instance src --only themes 2>"$AMG_TMP/nologo.err"); rc=$?
expect_eq "export with carry_logo = false exits 0" "$rc" 0
nologo=$(printf '%s\n' "$out" | tail -n 1)
check "carry_logo = false: no logo part" test ! -e "$nologo/themes.logo.bin"
check "carry_logo = false: no logo member" sh -c "! grep -q '\"logo\"' '$nologo/themes.json'"
"$AMG" -c "$nologo_conf" import --instance third --snapshot "$snap" --only themes >/dev/null 2>&1; rc=$?
expect_eq "import with carry_logo = false exits 0" "$rc" 0
expect_eq "carry_logo = false: the target keeps its logo" \
  "$(api GET "$tbase/config/ui/media" "$ttok")" "{\"image\":\"$THIRD_URL/media/default-logo.png\"}"

# --- validate catches one defect of each kind --------------------------------
reseal() {  # reseal SNAPSHOT FILE: fix FILE's checksum and size in the manifest
  local old new size
  old=$(sed -n "/\"name\": \"$2\"/,/sha256/s/.*\"sha256\": \"\([0-9a-f]*\)\".*/\1/p" "$1/manifest.json")
  new=$(sha256sum "$1/$2" | cut -d' ' -f1)
  size=$(stat -c %s "$1/$2")
  sed -i -e "s/$old/$new/" \
    -e "/\"bytes\": [0-9]*,\$/{N;s/\"bytes\": [0-9]*,\(\n *\"name\": \"$2\"\)/\"bytes\": $size,\1/}" \
    "$1/manifest.json"
}
defect() {  # defect LABEL FILE SED_EXPR EXPECTED_MESSAGE
  local bad="$AMG_TMP/bad-$RANDOM"
  cp -a "$snap" "$bad"
  sed -i "$3" "$bad/$2"
  check "$1: the edit applied" sh -c "! cmp -s '$snap/$2' '$bad/$2'"
  reseal "$bad" "$2"
  "$AMG" validate --snapshot "$bad" >/dev/null 2>"$AMG_TMP/defect.err"; rc=$?
  expect_eq "$1: validate exits 4" "$rc" 4
  check "$1: the message says what is wrong" grep -q "$4" "$AMG_TMP/defect.err"
  check "$1: not a checksum complaint" sh -c "! grep -qi checksum '$AMG_TMP/defect.err'"
}
"$AMG" validate --snapshot "$snap" >/dev/null 2>&1; rc=$?
expect_eq "validate of the good snapshot exits 0" "$rc" 0
defect "bad accessMode" idps.json 's/"accessMode":"RESTRICTIVE"/"accessMode":"PARTIAL"/' \
  "identityConfirmation: 'accessMode' has a value that is not one of the allowed ones"
defect "APM out of range" cloud_directory_settings.json 's/"maxPasswordReuse":5/"maxPasswordReuse":9/' \
  "'maxPasswordReuse' is 9, outside 1..8"
defect "unknown template name" cloud_directory_settings.json 's/"WELCOME":{/"GOODBYE":{/' \
  "unknown template name 'GOODBYE'"
defect "SSO timeout too long" cloud_directory_settings.json \
  's/"inactivityTimeoutSeconds":7200/"inactivityTimeoutSeconds":604801/' \
  "'inactivityTimeoutSeconds' is 604801, outside 1..604800"
defect "template in a language not configured" cloud_directory_settings.json \
  's/"languages":\["en","de"\]/"languages":["en"]/' "language 'de' is not in 'languages'"
defect "both MFA channels active" mfa.json \
  's/"email":{"isActive":false/"email":{"isActive":true/' "email and nexmo are both active"
defect "SAML comparison" idps.json 's/"comparison":"minimum"/"comparison":"most"/' \
  "authnContext: 'comparison' has a value"
defect "isActive not a boolean" instance_settings.json 's/{"isActive":false}/{"isActive":"no"}/' \
  "'isActive' must be true or false"
bad="$AMG_TMP/bad-logo"
cp -a "$snap" "$bad"
printf 'GIF89a' >"$bad/themes.logo.bin"
reseal "$bad" themes.logo.bin
"$AMG" validate --snapshot "$bad" >/dev/null 2>"$AMG_TMP/defect.err"; rc=$?
expect_eq "logo that is not an image: validate exits 4" "$rc" 4
check "logo that is not an image: named" grep -q "neither PNG nor JPEG" "$AMG_TMP/defect.err"

amg_finish
