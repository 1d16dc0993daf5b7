# A non-default value for every configuration endpoint appid-migrate
# carries (sourced after lib.sh; bash). Used by the long fault run and the
# secrets test; the values follow integration/migrate_cd_config.sh.
#
#   config_source BASE TOKEN     configure the instance at BASE; each PUT
#                                is a check
#   CONFIG_PATHS                 the endpoints to compare afterwards
#   config_get BASE TOKEN PATH   GET PATH without the instance-specific
#                                callback URL, for comparisons

CD=config/cloud_directory

_config_put() {  # _config_put BASE TOKEN PATH STATUS BODY
  api PUT "$1/$3" "$2" "$5" >/dev/null
  expect_eq "source $3 configured" "$HTTP_STATUS" "$4"
}

config_source() {
  local b=$1 t=$2 name lang
  _config_put "$b" "$t" config/ui/languages 204 '{"languages":["en","de"]}'
  for name in USER_VERIFICATION WELCOME PASSWORD_CHANGED RESET_PASSWORD MFA_VERIFICATION; do
    for lang in en de; do
      _config_put "$b" "$t" "$CD/templates/$name/$lang" 200 \
        "{\"subject\":\"$name $lang\",\"html_body\":\"<p>$name in $lang: %{user.displayName}</p>\",\"plain_text_body\":\"$name $lang text\"}"
    done
  done
  _config_put "$b" "$t" "$CD/action_url/on_user_verified" 200 '{"actionUrl":"https://app.example/verified"}'
  _config_put "$b" "$t" "$CD/action_url/on_reset_password" 200 '{"actionUrl":"https://app.example/reset"}'
  _config_put "$b" "$t" "$CD/sender_details" 204 '{"senderDetails":{"from":{"email":"noreply@example.com","name":"Example"},"reply_to":{"email":"help@example.com","name":"Help"},"linkExpirationSec":3600}}'
  _config_put "$b" "$t" "$CD/password_regex" 200 '{"regex":"^(?=.*[A-Z])(?=.*[0-9]).{10,}$","error_message":"10 characters, a capital and a digit"}'
  _config_put "$b" "$t" "$CD/advanced_password_management" 200 '{"advancedPasswordManagement":{"enabled":true,"passwordReuse":{"enabled":true,"config":{"maxPasswordReuse":5}},"preventPasswordWithUsername":{"enabled":true},"passwordExpiration":{"enabled":true,"config":{"daysToExpire":45}},"lockOutPolicy":{"enabled":true,"config":{"lockOutTimeSec":3600,"numOfAttempts":5}},"minPasswordChangeInterval":{"enabled":true,"config":{"minHoursToChangePassword":24}}}}'
  _config_put "$b" "$t" "$CD/email_dispatcher" 200 '{"provider":"custom","custom":{"url":"https://mail.example/send","authorization":{"type":"basic","username":"mailer","password":"dispatch-pw-123"}}}'
  _config_put "$b" "$t" "$CD/sso" 201 '{"isActive":true,"inactivityTimeoutSeconds":7200,"logoutRedirectUris":["https://app.example/bye"]}'
  _config_put "$b" "$t" "$CD/rate_limit" 201 '{"signUpLimitPerMinute":30,"signInLimitPerMinute":40}'
  _config_put "$b" "$t" "$CD/mfa" 200 '{"isActive":true,"config":{"codeLength":6}}'
  _config_put "$b" "$t" "$CD/mfa/channels/nexmo" 200 '{"isActive":true,"config":{"provider":"nexmo","from":"+12223334444","key":"nx-key","secret":"nexmo-secret-123"}}'
  _config_put "$b" "$t" "$CD/mfa/extensions/premfa" 200 '{"isActive":true,"config":{"url":"https://ext.example/pre","headers":{"Authorization":"Bearer ext-secret-123"}}}'
  _config_put "$b" "$t" config/idps/facebook 200 '{"isActive":true,"config":{"idpId":"fb-app-1","secret":"fb-secret-123"}}'
  _config_put "$b" "$t" config/idps/saml 200 '{"isActive":true,"config":{"entityID":"https://idp.example/saml","signInUrl":"https://idp.example/sso","certificates":["MIIC-primary"],"displayName":"Corp IdP","signRequest":true}}'
  _config_put "$b" "$t" config/capture_runtime_activity 204 '{"isActive":true}'
  _config_put "$b" "$t" config/ui/theme_text 204 '{"tabTitle":"Corp","footnote":"Corp login"}'
  _config_put "$b" "$t" config/ui/theme_color 204 '{"headerColor":"#123456"}'
  _config_put "$b" "$t" config/tokens 200 '{"access":{"expires_in":900},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":86400}}'
  _config_put "$b" "$t" config/redirect_uris 204 '{"redirectUris":["https://a.example/cb","https://b.example/cb"]}'
}

CONFIG_PATHS="config/ui/languages config/capture_runtime_activity
config/ui/theme_text config/ui/theme_color config/tokens config/redirect_uris
$CD/action_url/on_user_verified $CD/action_url/on_reset_password $CD/sender_details
$CD/password_regex $CD/advanced_password_management $CD/email_dispatcher $CD/sso
$CD/rate_limit $CD/mfa $CD/mfa/channels/nexmo $CD/mfa/extensions/premfa
config/idps/cloud_directory config/idps/facebook config/idps/saml"
for _c_name in USER_VERIFICATION WELCOME PASSWORD_CHANGED RESET_PASSWORD MFA_VERIFICATION; do
  CONFIG_PATHS="$CONFIG_PATHS $CD/templates/$_c_name/en $CD/templates/$_c_name/de"
done

config_get() {
  api GET "$1/$3" "$2" | sed 's/,"redirectURL":"[^"]*"//'
}
