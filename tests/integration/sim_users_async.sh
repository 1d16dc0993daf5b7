#!/bin/sh
# appid-sim asynchronous Cloud Directory export/import (reference 8.10.5,
# shapes UNCERTAIN: the sim answers 202 {"id"} and reports COMPLETED),
# download as a JSON array, delete, multipart import/all into a second
# sim with a password grant afterwards; and appid-sim-seed filling a
# tenant through the public API.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/users_lib.sh"
amg_setup

KEY=async-key-0123456789
users_state "$AMG_TMP/a.json" ta '[]' '[{"clientId":"app-a","secret":"secret-a"}]'
# B has the roles appid-sim-seed gives A's users: import matches them by name.
users_state "$AMG_TMP/b.json" tb \
    '[{"id":"rb1","name":"seed-admin","description":"","access":[]},{"id":"rb2","name":"seed-editor","description":"","access":[]},{"id":"rb3","name":"seed-viewer","description":"","access":[]}]' \
    '[{"clientId":"app-b","secret":"secret-b"}]'
check "sim A starts" sim_start A "" "$KEY" --state "$AMG_TMP/a.json" --pbkdf2-iterations 1
check "sim B starts" sim_start B "" "$KEY" --state "$AMG_TMP/b.json" --pbkdf2-iterations 1
TA=$(iam_token "$A_URL" "$KEY")
TB=$(iam_token "$B_URL" "$KEY")
MA="$A_URL/management/v4/ta"
MB="$B_URL/management/v4/tb"
printf 'Authorization: Bearer %s\n' "$TA" >"$AMG_TMP/a.hdr"
printf 'Authorization: Bearer %s\n' "$TB" >"$AMG_TMP/b.hdr"

# --- appid-sim-seed: configuration and users through the public API -----
SEED="$top_builddir/sim/appid-sim-seed"
SEED_KEY=$KEY "$SEED" --url "$A_URL" --tenant ta --api-key-env SEED_KEY --users 30 --seed 5 \
    --parallel 8 >"$AMG_TMP/seed.out" 2>"$AMG_TMP/seed.err"
expect_eq "appid-sim-seed: exit 0" "$?" 0
check "appid-sim-seed: 30 users created" grep -q "30 users created, 0 existed already, 0 failed" \
    "$AMG_TMP/seed.out"
check "appid-sim-seed: API key not printed" sh -c '! grep -q "$1" "$2" "$3"' sh "$KEY" \
    "$AMG_TMP/seed.out" "$AMG_TMP/seed.err"
api GET "$MA/config/ui/theme_color" "$TA" >/dev/null
expect_eq "seeded configuration is not the default" "$HTTP_BODY" '{"headerColor":"#1F4E79"}'
api GET "$MA/config/cloud_directory/advanced_password_management" "$TA" >/dev/null
expect_eq "seeded APM enabled" "$(printf '%s' "$HTTP_BODY" | grep -o '^{"advancedPasswordManagement":{"enabled":true')" \
    '{"advancedPasswordManagement":{"enabled":true'
api GET "$MA/cloud_directory/Users?query=user000007@seed5.example" "$TA" >/dev/null
U7=$(jstr id)
expect_eq "seeded user 7 exists" "$(jnum totalResults) $(jstr userName)" "1 user000007-s5"
api GET "$MA/cloud_directory/$U7/userinfo" "$TA" >/dev/null
check "seeded users have profile attributes" sh -c 'echo "$1" | grep -q "\"attributes\":{\"locale\":\"[a-zA-Z-]*\",\"newsletter\":"' sh "$HTTP_BODY"
password_grant "$A_URL" ta app-a secret-a user000007@seed5.example Pw-5-000007
expect_eq "seeded password formula works" "$HTTP_STATUS" 200
SEED_KEY=$KEY "$SEED" --url "$A_URL" --tenant ta --api-key-env SEED_KEY --users 30 --seed 5 \
    >"$AMG_TMP/seed2.out" 2>&1
expect_eq "re-seeding: exit 0" "$?" 0
check "re-seeding finds the users" grep -q "0 users created, 30 existed already" \
    "$AMG_TMP/seed2.out"
"$SEED" --url "$A_URL" --tenant ta --api-key-env NO_SUCH_VARIABLE_SET >/dev/null 2>&1
expect_eq "appid-sim-seed without a key: exit 1" "$?" 1
"$SEED" --tenant ta >/dev/null 2>&1
expect_eq "appid-sim-seed without --url: usage exit 2" "$?" 2

# --- export/all ----------------------------------------------------------
X="$MA/cloud_directory/export"
api POST "$X/all" "$TA" '{"emailAddress":"ops@example.com"}' >/dev/null
expect_eq "export/all without encryptionSecret: 400" "$HTTP_STATUS $(jstr message)" \
    "400 missing required field 'encryptionSecret'"
api POST "$X/all" "$TA" '{"encryptionSecret":"s","emailAddress":"ops@example.com","expires":31}' >/dev/null
expect_eq "export/all expires out of 1..30: 400" "$HTTP_STATUS" 400
api POST "$X/all" "$TA" '{"encryptionSecret":"async-secret","emailAddress":"ops@example.com","expires":2}' >/dev/null
JOB=$(jstr id)
expect_eq "export/all: 202 {id}" "$HTTP_STATUS $(norm "$HTTP_BODY" "$JOB")" '202 {"id":"ID1"}'
api GET "$X/status?id=$JOB" "$TA" >/dev/null
expect_eq "export/status: COMPLETED with the user count" \
    "$HTTP_STATUS $(norm "$HTTP_BODY" "$JOB")" \
    '200 {"expiresAt":"TS","id":"ID1","status":"COMPLETED","users":30}'
api GET "$X/status" "$TA" >/dev/null
expect_eq "export/status without id: 400" "$HTTP_STATUS" 400
api GET "$X/status?id=nope" "$TA" >/dev/null
expect_eq "export/status of an unknown id: 404" "$HTTP_STATUS" 404
api GET "$MB/cloud_directory/export/status?id=$JOB" "$TB" >/dev/null
expect_eq "export/status of another tenant's request: 404" "$HTTP_STATUS" 404
HTTP_STATUS=$(curl -s -D "$AMG_TMP/dl.hdr" -o "$AMG_TMP/export.json" -w '%{http_code}' \
    -H "@$AMG_TMP/a.hdr" "$X/download?id=$JOB")
expect_eq "export/download: 200" "$HTTP_STATUS" 200
check "download is JSON" grep -qi '^content-type: application/json' "$AMG_TMP/dl.hdr"
DL=$(cat "$AMG_TMP/export.json")
expect_eq "download: a JSON array of 30 items" \
    "$(head -c 1 "$AMG_TMP/export.json")$(count_str "$DL" '"originalId"')$(tail -c 2 "$AMG_TMP/export.json")" \
    "[30]"
api GET "$X?encryption_secret=x&count=1" "$TA" >/dev/null
expect_eq "download: creation order, as the paged export" "$(jstr originalId "$DL")" \
    "$(jstr originalId)"
check "download items carry the sealed hash and roles" sh -c \
    'grep -q "\"passwordHashAlg\":\"PBKDF2WithHmacSHA512\",\"profile\":{\"attributes\":{" "$1" && grep -q "\"roles\":\[" "$1"' \
    sh "$AMG_TMP/export.json"

# --- import/all into B ------------------------------------------------------
I="$MB/cloud_directory/import"
import_all() {
    # import_all FILE SECRET: multipart POST; sets HTTP_STATUS and HTTP_BODY
    HTTP_STATUS=$(curl -s -o "$AMG_TMP/.body" -w '%{http_code}' -H "@$AMG_TMP/b.hdr" \
        -F "file=@$1;type=application/json" -F "encryptionSecret=$2" \
        -F "emailAddress=ops@example.com" "$I/all")
    HTTP_BODY=$(cat "$AMG_TMP/.body")
}
import_all "$AMG_TMP/export.json" wrong-secret
J1=$(jstr id)
expect_eq "import/all: 202 {id}" "$HTTP_STATUS $(norm "$HTTP_BODY" "$J1")" '202 {"id":"ID1"}'
api GET "$I/status?id=$J1" "$TB" >/dev/null
expect_eq "import/all with a wrong secret: every user fails" \
    "$(jstr status) $(jnum added) $(jnum failed) $(count_str "$HTTP_BODY" 'cannot decrypt passwordHash: wrong encryption_secret?')" \
    "COMPLETED 0 30 30"
import_all "$AMG_TMP/export.json" async-secret
J2=$(jstr id)
api GET "$I/status?id=$J2" "$TB" >/dev/null
expect_eq "import/status: all added" "$HTTP_STATUS $(norm "$HTTP_BODY" "$J2")" \
    '200 {"added":30,"failReasons":[],"failed":0,"id":"ID1","status":"COMPLETED"}'
password_grant "$B_URL" tb app-b secret-b user000007@seed5.example Pw-5-000007
expect_eq "password grant in B after import/all" "$HTTP_STATUS $(jstr token_type)" "200 Bearer"
api GET "$MB/cloud_directory/Users?query=user000007@seed5.example" "$TB" >/dev/null
B7=$(jstr id)
api GET "$MB/cloud_directory/$B7/userinfo" "$TB" >/dev/null
check "attributes arrived with import/all" sh -c 'echo "$1" | grep -q "\"attributes\":{\"locale\":"' \
    sh "$HTTP_BODY"
import_all "$AMG_TMP/export.json" async-secret
api GET "$I/status?id=$(jstr id)" "$TB" >/dev/null
expect_eq "import/all again: duplicates fail per user" "$(jnum added) $(jnum failed)" "0 30"
printf '[{"scimUser":{}},' >"$AMG_TMP/broken.json"
import_all "$AMG_TMP/broken.json" async-secret
expect_eq "import/all of a truncated file: 400, nothing imported" "$HTTP_STATUS" 400
printf '{"users":[]}' >"$AMG_TMP/object.json"
import_all "$AMG_TMP/object.json" async-secret
expect_eq "import/all of an object, not an array: 400" "$HTTP_STATUS $(jstr message)" \
    "400 the file must be a JSON array of users"
# Above the 1 MiB limit of other requests: a whole directory must fit.
{
    printf '[{"scimUser":{},"pad":"'
    head -c 2000000 /dev/zero | tr '\0' 'p'
    printf '"}]'
} >"$AMG_TMP/large.json"
import_all "$AMG_TMP/large.json" async-secret
api GET "$I/status?id=$(jstr id)" "$TB" >/dev/null
expect_eq "import/all accepts bodies above 1 MiB" "$(jstr status) $(jnum added) $(jnum failed)" \
    "COMPLETED 0 1"
printf '[]' >"$AMG_TMP/empty.json"
import_all "$AMG_TMP/empty.json" async-secret
api GET "$I/status?id=$(jstr id)" "$TB" >/dev/null
expect_eq "import/all of an empty array" "$(jstr status) $(jnum added) $(jnum failed)" \
    "COMPLETED 0 0"
HTTP_STATUS=$(curl -s -o "$AMG_TMP/.body" -w '%{http_code}' -H "@$AMG_TMP/b.hdr" \
    -F "file=@$AMG_TMP/empty.json" "$I/all")
expect_eq "import/all without encryptionSecret: 400" "$HTTP_STATUS" 400
api POST "$I/all" "$TB" '{"file":[]}' >/dev/null
expect_eq "import/all that is not multipart: 415" "$HTTP_STATUS" 415
api GET "$MA/cloud_directory/import/status?id=$J2" "$TA" >/dev/null
expect_eq "import/status in another sim: 404" "$HTTP_STATUS" 404
api GET "$MB/cloud_directory/Users?count=0" "$TB" >/dev/null
expect_eq "B holds exactly the 30 imported users" "$(jnum totalResults)" 30

# --- delete the export -------------------------------------------------------
api DELETE "$X/download?id=$JOB" "$TA" >/dev/null
expect_eq "DELETE export/download: 204" "$HTTP_STATUS [$HTTP_BODY]" "204 []"
api GET "$X/download?id=$JOB" "$TA" >/dev/null
expect_eq "download after delete: 404" "$HTTP_STATUS" 404
api GET "$X/status?id=$JOB" "$TA" >/dev/null
expect_eq "status after delete: 404" "$HTTP_STATUS" 404
api DELETE "$X/download?id=$JOB" "$TA" >/dev/null
expect_eq "second delete: 404" "$HTTP_STATUS" 404
api PUT "$X/download?id=$JOB" "$TA" '{}' >/dev/null
expect_eq "PUT export/download: 405" "$HTTP_STATUS" 405

check "sim A stops" sim_stop A
check "sim B stops" sim_stop B
amg_finish
