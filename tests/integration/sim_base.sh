#!/bin/sh
# appid-sim basics: start-up, IAM, bearer checks, tenant and path routing,
# wire-level errors (404/405/413/415/400), command-line errors.
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

KEY=base-key-0123456789
SIM="$top_builddir/sim/appid-sim"
GRANT='urn:ibm:params:oauth:grant-type:apikey'

check "sim starts on an ephemeral port" sim_start a t1 "$KEY" --tenant t2
expect_contains "port is a number" "$a_URL" "http://127.0.0.1:"
check "listening line on stdout" grep -qx "appid-sim listening on $a_URL" "$AMG_TMP/a.out"
case $(tr '\0' ' ' <"/proc/$a_PID/cmdline") in
*"$KEY"*) expect_eq "API key not in argv" "found" "absent" ;;
*) expect_eq "API key not in argv" "absent" "absent" ;;
esac

# --- IAM --------------------------------------------------------------
iam() {
    HTTP_STATUS=$(curl -s -o "$AMG_TMP/iam.out" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$1" \
        "$a_URL/identity/token")
    HTTP_BODY=$(cat "$AMG_TMP/iam.out")
}

iam "grant_type=$GRANT&apikey=$KEY"
expect_eq "IAM good key: 200" "$HTTP_STATUS" 200
body_rest=$(printf '%s' "$HTTP_BODY" | sed 's/^{"access_token":"[^"]*","expiration":[0-9]*,//')
expect_eq "IAM response fields" "$body_rest" \
    '"expires_in":3600,"refresh_token":"not_supported","scope":"ibm openid","token_type":"Bearer"}'
TOKEN=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
check "token is JWT-shaped" sh -c \
    'printf "%s" "$1" | grep -Eq "^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"' sh "$TOKEN"
expiration=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"expiration":\([0-9]*\).*/\1/p')
now=$(date +%s)
check "expiration is about now + expires_in" \
    test "$expiration" -ge $((now + 3500)) -a "$expiration" -le $((now + 3700))

# URL-encoded form values are decoded.
iam "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=$KEY"
expect_eq "IAM accepts percent-encoded grant type" "$HTTP_STATUS" 200
check "iam_token helper" test -n "$(iam_token "$a_URL" "$KEY")"

iam "grant_type=$GRANT&apikey=wrong-key"
expect_eq "IAM wrong key: 400" "$HTTP_STATUS" 400
expect_contains "IAM wrong key: BXNIM0415E" "$HTTP_BODY" \
    '"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found"}'
expect_contains "IAM error has context" "$HTTP_BODY" '{"context":{"requestId":"'
iam "grant_type=$GRANT&apikey=${KEY}x"
expect_eq "IAM key with extra char: 400" "$HTTP_STATUS" 400
iam "apikey=$KEY"
expect_eq "IAM missing grant_type: 400" "$HTTP_STATUS" 400
expect_contains "IAM missing grant_type: message" "$HTTP_BODY" \
    '"errorCode":"BXNIM0109E","errorMessage":"Property missing or empty. Property: grant_type"}'
iam "grant_type=password&apikey=$KEY"
expect_eq "IAM wrong grant_type: 400" "$HTTP_STATUS" 400
expect_contains "IAM wrong grant_type: code" "$HTTP_BODY" '"errorCode":"BXNIM0104E"'
iam "grant_type=$GRANT"
expect_contains "IAM missing apikey" "$HTTP_STATUS $HTTP_BODY" \
    '400 {"context"'
expect_contains "IAM missing apikey: message" "$HTTP_BODY" 'Property: apikey"}'
iam "grant_type=$GRANT&apikey=%zz"
expect_eq "IAM bad percent-encoding: 400" "$HTTP_STATUS" 400
code=$(curl -s -o /dev/null -w '%{http_code}' "$a_URL/identity/token")
expect_eq "IAM GET: 405" "$code" 405

# --- bearer checks ----------------------------------------------------
T1="$a_URL/management/v4/t1"
unauth() {
    printf '{"error":"Unauthorized","message":"%s","status":401}' "$1"
}
api GET "$T1/config/tokens" "" >/dev/null
expect_eq "no token: 401" "$HTTP_STATUS $HTTP_BODY" "401 $(unauth 'missing Authorization header')"
api GET "$T1/config/tokens" "garbage" >/dev/null
expect_eq "garbage token: 401" "$HTTP_STATUS $HTTP_BODY" \
    "401 $(unauth 'invalid or expired access token')"
# Alter the payload: the signature no longer matches.
tampered=$(printf '%s' "$TOKEN" | sed 's/^\([^.]*\.[^.]\{10\}\)\(.\)/\1\2\2/')
api GET "$T1/config/tokens" "$tampered" >/dev/null
expect_eq "tampered token: 401" "$HTTP_STATUS" 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $TOKEN" \
    "$T1/config/tokens")
expect_eq "Basic scheme: 401" "$code" 401
header=$(curl -s -D - -o /dev/null "$T1/config/tokens" | tr -d '\r' | grep -i '^WWW-Authenticate:')
expect_eq "401 carries WWW-Authenticate" "$header" "WWW-Authenticate: Bearer"
api GET "$T1/config/tokens" "$TOKEN" >/dev/null
expect_eq "valid token: 200" "$HTTP_STATUS" 200
code=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: bearer $TOKEN" \
    "$T1/config/tokens")
expect_eq "scheme and header name are case-insensitive" "$code" 200

# Tokens of another sim (other signing secret) and expired tokens fail.
check "second sim with --token-ttl 0" sim_start b t1 "$KEY" --token-ttl 0
B_TOKEN=$(iam_token "$b_URL" "$KEY")
check "ttl 0 still issues a token" test -n "$B_TOKEN"
api GET "$b_URL/management/v4/t1/config/tokens" "$B_TOKEN" >/dev/null
expect_eq "expired token: 401" "$HTTP_STATUS" 401
api GET "$T1/config/tokens" "$B_TOKEN" >/dev/null
expect_eq "token signed by another sim: 401" "$HTTP_STATUS" 401
api GET "$b_URL/management/v4/t1/config/tokens" "$TOKEN" >/dev/null
expect_eq "token of sim a rejected by sim b" "$HTTP_STATUS" 401
check "stop sim b" sim_stop b

# --- routing ----------------------------------------------------------
ctype=$(curl -s -o "$AMG_TMP/nf" -w '%{http_code} %{content_type}' \
    -H "Authorization: Bearer $TOKEN" "$a_URL/management/v4/nosuch/config/tokens")
expect_eq "unknown tenant: 404 text/plain" "$ctype" "404 text/plain"
expect_eq "unknown tenant: body Not Found" "$(cat "$AMG_TMP/nf")" "Not Found"
check "unknown tenant body is 9 bytes" test "$(wc -c <"$AMG_TMP/nf")" -eq 9
api GET "$a_URL/management/v4/t2/config/tokens" "$TOKEN" >/dev/null
expect_eq "second --tenant is served" "$HTTP_STATUS" 200
api GET "$T1/config/nope" "$TOKEN" >/dev/null
expect_eq "unknown path under tenant: 404 JSON" "$HTTP_STATUS $HTTP_BODY" \
    '404 {"error":"Not Found","message":"no such endpoint: GET /config/nope","status":404}'
api GET "$T1/config/tokens/" "$TOKEN" >/dev/null
expect_eq "trailing slash is another path" "$HTTP_STATUS" 404
api GET "$a_URL/nothing/here" "$TOKEN" >/dev/null
expect_eq "path outside the API: 404" "$HTTP_STATUS" 404
api DELETE "$T1/config/tokens" "$TOKEN" >/dev/null
expect_eq "wrong method: 405" "$HTTP_STATUS $HTTP_BODY" \
    '405 {"error":"Method Not Allowed","message":"method DELETE is not allowed on /config/tokens","status":405}'
allow=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" \
    "$T1/config/tokens" | tr -d '\r' | grep -i '^Allow:')
expect_eq "405 carries Allow" "$allow" "Allow: GET, PUT"

# --- bodies -------------------------------------------------------------
api_ct text/plain PUT "$T1/config/tokens" "$TOKEN" '{}' >/dev/null
expect_eq "wrong content type: 415" "$HTTP_STATUS $HTTP_BODY" \
    '415 {"error":"Unsupported Media Type","message":"Content-Type must be application/json","status":415}'
api_ct 'application/json; charset=utf-8' PUT "$T1/config/ui/theme_text" "$TOKEN" '{}' >/dev/null
expect_eq "JSON with charset accepted" "$HTTP_STATUS" 204
api_ct application/jsonx PUT "$T1/config/tokens" "$TOKEN" '{}' >/dev/null
expect_eq "application/jsonx: 415" "$HTTP_STATUS" 415
api PUT "$T1/config/tokens" "$TOKEN" '{"access":' >/dev/null
expect_eq "malformed JSON: 400" "$HTTP_STATUS" 400
expect_contains "malformed JSON: message" "$HTTP_BODY" '"message":"malformed JSON body: '
api PUT "$T1/config/tokens" "$TOKEN" '' >/dev/null
expect_eq "empty body: 400" "$HTTP_STATUS" 400
api PUT "$T1/config/tokens" "$TOKEN" '[1,2]' >/dev/null
expect_eq "array body: 400" "$HTTP_STATUS $HTTP_BODY" \
    '400 {"error":"Bad Request","message":"request body must be a JSON object","status":400}'
api PUT "$T1/config/users_profile" "$TOKEN" '{"isActive":true,"isActive":false}' >/dev/null
expect_eq "duplicate keys: 400" "$HTTP_STATUS" 400

# Exactly 1 MiB is accepted, one byte more is not.
big="$AMG_TMP/big.json"
{
    printf '{"tabTitle":"'
    head -c $((1048576 - 15)) /dev/zero | tr '\0' a
    printf '"}'
} >"$big"
check "test body is exactly 1 MiB" test "$(wc -c <"$big")" -eq 1048576
api_file PUT "$T1/config/ui/theme_text" "$TOKEN" "$big" >/dev/null
expect_eq "1 MiB body accepted" "$HTTP_STATUS" 204
printf ' ' >>"$big"
api_file PUT "$T1/config/ui/theme_text" "$TOKEN" "$big" >/dev/null
expect_eq "1 MiB + 1 byte: 413" "$HTTP_STATUS $HTTP_BODY" \
    '413 {"error":"Payload Too Large","message":"request body exceeds 1048576 bytes","status":413}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary @"$big" "$T1/config/ui/theme_text")
expect_eq "chunked oversized body: 413" "$code" 413
api GET "$T1/config/ui/theme_text" "$TOKEN" >/dev/null
check "sim still answers after 413s" test "$HTTP_STATUS" = 200

# --- command line -------------------------------------------------------
run_sim() {
    "$SIM" "$@" >/dev/null 2>"$AMG_TMP/cli.err"
    echo $?
}
expect_eq "no API key: exit 2" "$(APPID_SIM_API_KEY='' run_sim --tenant t)" 2
expect_eq "no tenant: exit 2" "$(run_sim --api-key k)" 2
expect_eq "bad port: exit 2" "$(run_sim --api-key k --tenant t --port 70000)" 2
expect_eq "bad tenant id: exit 2" "$(run_sim --api-key k --tenant 'a/b')" 2
expect_eq "bad ttl: exit 2" "$(run_sim --api-key k --tenant t --token-ttl -1)" 2
expect_eq "bad region: exit 2" "$(run_sim --api-key k --tenant t --region 'US South')" 2
expect_eq "stray argument: exit 2" "$(run_sim --api-key k --tenant t extra)" 2
expect_eq "--help: exit 0" "$(run_sim --help)" 0

# A regular --port-file is in place once the listening line is out.
mkfifo "$AMG_TMP/stdout.fifo"
APPID_SIM_API_KEY=$KEY "$SIM" --tenant t1 --port-file "$AMG_TMP/port.txt" \
    >"$AMG_TMP/stdout.fifo" 2>/dev/null &
c_PID=$!
AMG_SIMS="$AMG_SIMS c"
line=$(timeout 10 sh -c 'read -r l <"$1" && echo "$l"' sh "$AMG_TMP/stdout.fifo")
expect_eq "regular port file matches the listening line" \
    "appid-sim listening on http://127.0.0.1:$(cat "$AMG_TMP/port.txt" 2>/dev/null)" "$line"
check "SIGTERM: exit 0" sim_stop c
check "sim a still serving" test "$(curl -s -o /dev/null -w '%{http_code}' \
    "$a_URL/identity/token")" = 405
check "SIGTERM sim a: exit 0" sim_stop a

amg_finish
