#!/bin/sh
# appid-sim --state: saved on SIGTERM (atomically, mode 0600), loaded on
# the next start, tenants merged with --tenant, corrupt files refused.
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

KEY=state-key-0123456789
STATE="$AMG_TMP/sim-state.json"
SIM="$top_builddir/sim/appid-sim"

check "first start without a state file" sim_start s t1 "$KEY" --state "$STATE"
check "no state file before the first stop" test ! -e "$STATE"
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
api PUT "$T1/config/tokens" "$TOKEN" '{"access":{"expires_in":1800}}' >/dev/null
expect_eq "PUT tokens" "$HTTP_STATUS" 200
api PUT "$T1/config/redirect_uris" "$TOKEN" \
    '{"redirectUris":["https://app.example/cb"],"trustCloudIAMRedirectUris":true}' >/dev/null
expect_eq "PUT redirect_uris" "$HTTP_STATUS" 204
api PUT "$T1/config/ui/theme_color" "$TOKEN" '{"headerColor":"#00FF00"}' >/dev/null
expect_eq "PUT theme_color" "$HTTP_STATUS" 204
check "SIGTERM: exit 0" sim_stop s

check "state file written" test -f "$STATE"
expect_eq "state file mode 0600" "$(stat -c %a "$STATE")" 600
check "state file format marker" grep -q '"format": "appid-sim-state"' "$STATE"
check "state file version" grep -q '"version": 2' "$STATE"
check "trustCloudIAMRedirectUris kept in state" grep -q '"trustCloudIAMRedirectUris": true' "$STATE"
leftovers=$(find "$AMG_TMP" -name 'sim-state.json.tmp.*' | wc -l)
expect_eq "no temporary files left" "$leftovers" 0
check "API key not in the state file" sh -c '! grep -q "$1" "$2"' sh "$KEY" "$STATE"

# Restart with the same state plus a new tenant.
check "restart with the state file" sim_start s t2 "$KEY" --state "$STATE"
api GET "$s_URL/management/v4/t1/config/tokens" "$TOKEN" >/dev/null
expect_eq "old token is invalid after a restart" "$HTTP_STATUS" 401
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
api GET "$T1/config/tokens" "$TOKEN" >/dev/null
expect_eq "tokens survived" "$HTTP_BODY" \
    '{"access":{"expires_in":1800},"anonymousAccess":{"enabled":true,"expires_in":2592000},"refresh":{"enabled":false,"expires_in":2592000}}'
api GET "$T1/config/redirect_uris" "$TOKEN" >/dev/null
expect_eq "redirect URIs survived" "$HTTP_BODY" '{"redirectUris":["https://app.example/cb"]}'
api GET "$T1/config/ui/theme_color" "$TOKEN" >/dev/null
expect_eq "theme colour survived" "$HTTP_BODY" '{"headerColor":"#00FF00"}'
api GET "$T1/config/ui/languages" "$TOKEN" >/dev/null
expect_eq "untouched resource keeps its default" "$HTTP_BODY" '{"languages":["en"]}'
api GET "$s_URL/management/v4/t2/config/ui/theme_color" "$TOKEN" >/dev/null
expect_eq "new --tenant starts with defaults" "$HTTP_BODY" '{"headerColor":"#EEF2F5"}'
api PUT "$s_URL/management/v4/t2/config/users_profile" "$TOKEN" '{"isActive":false}' >/dev/null
check "second SIGTERM: exit 0" sim_stop s
check "both tenants saved" grep -q '"t2": {' "$STATE"

# Tenants from the state file are served even when --tenant names another.
check "third start" sim_start s t3 "$KEY" --state "$STATE"
TOKEN=$(iam_token "$s_URL" "$KEY")
api GET "$s_URL/management/v4/t2/config/users_profile" "$TOKEN" >/dev/null
expect_eq "t2 from the state file" "$HTTP_STATUS $HTTP_BODY" '200 {"isActive":false}'
api GET "$s_URL/management/v4/t1/config/ui/theme_color" "$TOKEN" >/dev/null
expect_eq "t1 from the state file" "$HTTP_BODY" '{"headerColor":"#00FF00"}'
check "third SIGTERM: exit 0" sim_stop s

# A state file can stand in for --tenant.
check "start with --state only" sim_start nt "" "$KEY" --state "$STATE"
TOKEN=$(iam_token "$nt_URL" "$KEY")
api GET "$nt_URL/management/v4/t3/config/users_profile" "$TOKEN" >/dev/null
expect_eq "--state only: tenants served" "$HTTP_STATUS $HTTP_BODY" '200 {"isActive":true}'
check "--state only: SIGTERM exit 0" sim_stop nt

# Broken state files: exit 2 with a message naming the file.
bad_state() {
    printf '%s' "$2" >"$AMG_TMP/bad.json"
    APPID_SIM_API_KEY=$KEY "$SIM" --tenant t1 --state "$AMG_TMP/bad.json" \
        >/dev/null 2>"$AMG_TMP/bad.err"
    expect_eq "$1: exit 2" "$?" 2
    check "$1: message names the file" grep -q "state file $AMG_TMP/bad.json" "$AMG_TMP/bad.err"
}
bad_state "truncated JSON" '{"format":"appid-sim-state","version":1,"tenants":{'
bad_state "not JSON" 'hello'
bad_state "wrong format" '{"format":"other","version":1,"tenants":{}}'
bad_state "wrong version" '{"format":"appid-sim-state","version":3,"tenants":{}}'
bad_state "tenants not an object" '{"format":"appid-sim-state","version":1,"tenants":[]}'
bad_state "tenant not an object" '{"format":"appid-sim-state","version":1,"tenants":{"t":1}}'
bad_state "bad tenant id" '{"format":"appid-sim-state","version":1,"tenants":{"a/b":{}}}'
check "broken state file left untouched" grep -q '"a/b"' "$AMG_TMP/bad.json"

# Unwritable state location: the sim reports it and exits non-zero.
check "start with a state file in a missing directory" \
    sim_start u t1 "$KEY" --state "$AMG_TMP/missing/dir/state.json"
sim_stop u 2>/dev/null
rc=$?
check "failed save: non-zero exit" test "$rc" -ne 0
check "failed save: message names the file" \
    grep -q "state file $AMG_TMP/missing/dir/state.json" "$AMG_TMP/u.err"

amg_finish
