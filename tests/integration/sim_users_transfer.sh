#!/bin/sh
# appid-sim Cloud Directory export/import with password hashes, between
# two sims: paging edges of GET /cloud_directory/export (0, 50, 51, past
# the end), per-user import failures (duplicate, unknown role, wrong
# encryption secret, bad hash algorithm), the 50-user batch limit, roles
# travelling by name, and the key proof: after export from sim A and
# import into sim B, the original password works in B's password grant.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/users_lib.sh"
amg_setup

KEY_A=transfer-key-a-0123456789
KEY_B=transfer-key-b-0123456789
ENC_SECRET='export%20secret%2Fwith%20spaces%26symbols'
users_state "$AMG_TMP/a.json" ta \
    '[{"id":"ra-admin","name":"admin","description":"","access":[]},{"id":"ra-viewer","name":"viewer","description":"","access":[]}]' \
    '[{"clientId":"app-a","secret":"secret-a"}]'
users_state "$AMG_TMP/b.json" tb \
    '[{"id":"rb-viewer","name":"viewer","description":"","access":[]},{"id":"rb-admin","name":"admin","description":"","access":[]}]' \
    '[{"clientId":"app-b","secret":"secret-b","name":"web"}]'
# Different iteration counts: an imported record keeps its own.
check "sim A starts" sim_start A "" "$KEY_A" --state "$AMG_TMP/a.json" --pbkdf2-iterations 1
check "sim B starts" sim_start B "" "$KEY_B" --state "$AMG_TMP/b.json" --pbkdf2-iterations 500
TA=$(iam_token "$A_URL" "$KEY_A")
TB=$(iam_token "$B_URL" "$KEY_B")
MA="$A_URL/management/v4/ta"
MB="$B_URL/management/v4/tb"

# --- 52 users in A: 0..51, user 0 with attributes and roles --------------
api POST "$MA/cloud_directory/sign_up?shouldCreateProfile=true" "$TA" '{"emails":[{"value":"u00@a.example","primary":true}],"userName":"u00","password":"Orig-Pass-00","displayName":"User Zero","status":"CONFIRMED"}' >/dev/null
U0=$(jstr id)
api GET "$MA/cloud_directory/$U0/userinfo" "$TA" >/dev/null
U0_SUB=$(jstr sub)
api PUT "$MA/users/$U0_SUB/profile" "$TA" '{"attributes":{"plan":"gold","points":42}}' >/dev/null
expect_eq "attributes set in A" "$HTTP_STATUS" 200
api PUT "$MA/users/$U0_SUB/roles" "$TA" '{"roles":{"ids":["ra-viewer","ra-admin"]}}' >/dev/null
expect_eq "roles set in A" "$HTTP_STATUS $HTTP_BODY" \
    '200 {"roles":[{"id":"ra-viewer","name":"viewer"},{"id":"ra-admin","name":"admin"}]}'
i=1
while [ "$i" -le 51 ]; do
    n=$(printf '%02d' "$i")
    api POST "$MA/cloud_directory/Users" "$TA" "{\"emails\":[{\"value\":\"u$n@a.example\"}],\"password\":\"Orig-Pass-$n\"}" >/dev/null
    [ "$HTTP_STATUS" = 201 ] || echo "user $n: $HTTP_STATUS $HTTP_BODY"
    i=$((i + 1))
done
api GET "$MA/cloud_directory/Users?count=0" "$TA" >/dev/null
expect_eq "52 users in A" "$(jnum totalResults)" 52

# --- export paging ------------------------------------------------------------
E="$MA/cloud_directory/export"
api GET "$E" "$TA" >/dev/null
expect_eq "export without encryption_secret: 400" "$HTTP_STATUS $HTTP_BODY" \
    '400 {"error":"Bad Request","message":"query parameter '"'"'encryption_secret'"'"' is required","status":400}'
# page QUERY: sets PAGE to "status totalResults itemsPerPage items".
page() {
    api GET "$E?encryption_secret=$ENC_SECRET$1" "$TA" >/dev/null
    PAGE="$HTTP_STATUS $(jnum totalResults) $(jnum itemsPerPage) $(count_str "$HTTP_BODY" '"originalId"')"
}
page ''
expect_eq "export default page: 50 of 52" "$PAGE" "200 52 50 50"
P1=$HTTP_BODY
page '&count=0'
expect_eq "export count=0" "$PAGE" "200 52 0 0"
page '&count=50'
expect_eq "export count=50" "$PAGE" "200 52 50 50"
page '&count=51'
expect_eq "export count=51 is clamped to 50" "$PAGE" "200 52 50 50"
page '&startIndex=50&count=50'
expect_eq "export startIndex=50 (0-based): the last 2" "$PAGE" \
    "200 52 2 2"
P2=$HTTP_BODY
page '&startIndex=52'
expect_eq "export startIndex=52: empty page" "$PAGE" "200 52 0 0"
page '&startIndex=1000'
expect_eq "export startIndex past the end" "$PAGE" "200 52 0 0"
api GET "$E?encryption_secret=x&startIndex=abc" "$TA" >/dev/null
expect_eq "export bad startIndex: 400" "$HTTP_STATUS" 400
expect_eq "export item 0: originalId is the CD id" "$(jstr originalId "$P1")" "$U0"
expect_eq "export item: passwordHashAlg" "$(jstr passwordHashAlg "$P1")" "PBKDF2WithHmacSHA512"
ITEM0=$(printf '%s' "$P1" | sed 's/^{"itemsPerPage":50,"totalResults":52,"users":\[\(.*\)\]}$/\1/' |
    sed 's/},{"passwordHash"/}\n{"passwordHash"/g' | head -n 1)
HASH0=$(jstr passwordHash "$ITEM0")
expect_eq "export item 0: shape" "$(norm "$ITEM0" "$U0" | sed "s#$HASH0#HASH#")" \
    '{"passwordHash":"HASH","passwordHashAlg":"PBKDF2WithHmacSHA512","profile":{"attributes":{"plan":"gold","points":42}},"roles":["viewer","admin"],"scimUser":{"active":true,"displayName":"User Zero","emails":[{"primary":true,"value":"u00@a.example"}],"originalId":"ID1","passwordUpdatedTimestamp":'"$(jnum passwordUpdatedTimestamp "$ITEM0")"',"status":"CONFIRMED","userName":"u00"}}'
check "passwordHash is base64" sh -c 'echo "$1" | grep -Eq "^[A-Za-z0-9+/]+={0,2}$"' sh "$HASH0"
check "no plaintext password in the export" sh -c '! echo "$1" | grep -q "Orig-Pass"' sh "$P1"
check "export users without a profile: empty attributes, no roles" sh -c \
    'echo "$1" | grep -q "\"profile\":{\"attributes\":{}},\"roles\":\[\]"' sh "$P2"
api GET "$E?encryption_secret=$ENC_SECRET" "$TA" >/dev/null
check "export is deterministic in order" test "$(printf '%s' "$HTTP_BODY" | grep -o '"originalId":"[^"]*"')" = \
    "$(printf '%s' "$P1" | grep -o '"originalId":"[^"]*"')"

# --- import into B: failures first ------------------------------------------
I="$MB/cloud_directory/import"
USERS1=$(printf '%s' "$P1" | sed 's/^{"itemsPerPage":50,"totalResults":52,"users":\(.*\)}$/\1/')
USERS2=$(printf '%s' "$P2" | sed 's/^{"itemsPerPage":2,"totalResults":52,"users":\(.*\)}$/\1/')
api POST "$I" "$TB" "{\"users\":$USERS2}" >/dev/null
expect_eq "import without encryption_secret: 400" "$HTTP_STATUS" 400
api POST "$I?encryption_secret=wrong-secret" "$TB" "{\"users\":$USERS2}" >/dev/null
expect_eq "import with a wrong secret: per-user failures" \
    "$HTTP_STATUS $(jnum added) $(jnum failed) $(count_str "$HTTP_BODY" 'cannot decrypt passwordHash: wrong encryption_secret?')" \
    "200 0 2 2"
expect_eq "failReasons name the user" "$(jstr originalId) $(jstr email)" \
    "$(jstr originalId "$P2") u50@a.example"
BAD_ROLE=$(printf '%s' "$ITEM0" | sed 's/"roles":\["viewer","admin"\]/"roles":["viewer","no-such-role"]/')
BAD_ALG=$(printf '%s' "$ITEM0" | sed 's/"passwordHashAlg":"PBKDF2WithHmacSHA512"/"passwordHashAlg":"bcrypt"/')
api POST "$I?encryption_secret=$ENC_SECRET" "$TB" "{\"users\":[$BAD_ROLE,$BAD_ALG,{\"passwordHash\":\"x\"}]}" >/dev/null
expect_eq "import: unknown role, bad algorithm, no scimUser fail per user" \
    "$HTTP_STATUS $HTTP_BODY" \
    '200 {"added":0,"failReasons":[{"email":"u00@a.example","error":"unknown role '"'"'no-such-role'"'"'","originalId":"'"$U0"'","userName":"u00"},{"email":"u00@a.example","error":"unsupported passwordHashAlg '"'"'bcrypt'"'"' (only PBKDF2WithHmacSHA512)","originalId":"'"$U0"'","userName":"u00"},{"error":"missing '"'"'scimUser'"'"' object"}],"failed":3}'
BIG='{"scimUser":{}}'
i=1
while [ "$i" -le 50 ]; do
    BIG="$BIG,{\"scimUser\":{}}"
    i=$((i + 1))
done
api POST "$I?encryption_secret=x" "$TB" "{\"users\":[$BIG]}" >/dev/null
expect_eq "import of 51 users: 400" "$HTTP_STATUS $(jstr message)" \
    "400 at most 50 users per import request, got 51"
api GET "$MB/cloud_directory/Users?count=0" "$TB" >/dev/null
expect_eq "failed imports added nobody" "$(jnum totalResults)" 0

# --- the import itself -----------------------------------------------------
api POST "$I?encryption_secret=$ENC_SECRET" "$TB" "{\"users\":$USERS1}" >/dev/null
expect_eq "import page 1: 50 added" "$HTTP_STATUS $HTTP_BODY" \
    '200 {"added":50,"failReasons":[],"failed":0}'
api POST "$I?encryption_secret=$ENC_SECRET" "$TB" "{\"users\":$USERS2}" >/dev/null
expect_eq "import page 2: 2 added" "$HTTP_BODY" '{"added":2,"failReasons":[],"failed":0}'
api GET "$MB/cloud_directory/Users?count=0" "$TB" >/dev/null
expect_eq "B has 52 users" "$(jnum totalResults)" 52
api GET "$MB/cloud_directory/Users?query=u00@a.example" "$TB" >/dev/null
B0=$(jstr id)
check "imported users get new ids" test -n "$B0" -a "$B0" != "$U0"
expect_eq "SCIM attributes travel" "$(jstr displayName) $(jstr userName) $(jstr status)" \
    "User Zero u00 CONFIRMED"
api GET "$MB/cloud_directory/$B0/userinfo" "$TB" >/dev/null
B0_SUB=$(jstr sub)
expect_eq "profile attributes travel" "$(printf '%s' "$HTTP_BODY" | grep -o '"attributes":{[^}]*}')" \
    '"attributes":{"plan":"gold","points":42}'
api GET "$MB/users/$B0_SUB/roles" "$TB" >/dev/null
expect_eq "roles travel by name, mapped to B's ids" "$HTTP_BODY" \
    '{"roles":[{"id":"rb-viewer","name":"viewer"},{"id":"rb-admin","name":"admin"}]}'

# --- the key proof: the original password works in B --------------------
password_grant "$B_URL" tb app-b secret-b u00@a.example Orig-Pass-00
expect_eq "password grant in B with the password set in A" \
    "$HTTP_STATUS $(jstr token_type) $(jnum expires_in)" "200 Bearer 3600"
check "access and id tokens are JWT-shaped" sh -c \
    'echo "$1" | grep -Eq "\"access_token\":\"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\".*\"id_token\":\"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\""' sh "$HTTP_BODY"
password_grant "$B_URL" tb app-b secret-b u51@a.example Orig-Pass-51
expect_eq "password grant for a user of page 2" "$HTTP_STATUS" 200
api GET "$MB/cloud_directory/Users?query=u51@a.example" "$TB" >/dev/null
api GET "$MB/cloud_directory/$(jstr id)/userinfo" "$TB" >/dev/null
expect_eq "import gives every user a profile (empty attributes here)" \
    "$HTTP_STATUS $(printf '%s' "$HTTP_BODY" | grep -o '"attributes":{}')" '200 "attributes":{}'
password_grant "$B_URL" tb app-b secret-b u00@a.example Orig-Pass-01
expect_eq "wrong password: 400 invalid_grant" "$HTTP_STATUS $HTTP_BODY" \
    '400 {"error":"invalid_grant","error_description":"invalid username or password"}'
password_grant "$B_URL" tb app-b secret-b nobody@a.example Orig-Pass-00
expect_eq "unknown user: 400 invalid_grant" "$HTTP_STATUS $(jstr error)" "400 invalid_grant"
password_grant "$B_URL" tb app-b wrong-secret u00@a.example Orig-Pass-00
expect_eq "wrong client secret: 401 invalid_client" "$HTTP_STATUS $(jstr error)" \
    "401 invalid_client"
password_grant "$B_URL" tb app-a secret-a u00@a.example Orig-Pass-00
expect_eq "client of another tenant: 401" "$HTTP_STATUS" 401
password_grant "$A_URL" ta app-a secret-a u00@a.example Orig-Pass-00
expect_eq "the password still works in A" "$HTTP_STATUS" 200
HTTP_STATUS=$(curl -s -o "$AMG_TMP/g.out" -w '%{http_code}' -u app-b:secret-b \
    --data 'grant_type=client_credentials' "$B_URL/oauth/v4/tb/token")
expect_eq "other grant types: 400 unsupported_grant_type" \
    "$HTTP_STATUS $(jstr error "$(cat "$AMG_TMP/g.out")")" "400 unsupported_grant_type"
HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --data 'grant_type=password' \
    "$B_URL/oauth/v4/tb/token")
expect_eq "no client credentials: 401" "$HTTP_STATUS" 401
HTTP_STATUS=$(curl -s -o "$AMG_TMP/g.out" -w '%{http_code}' -u app-b:secret-b \
    "$B_URL/oauth/v4/nope/token")
expect_eq "unknown tenant: 404 Not Found" "$HTTP_STATUS $(cat "$AMG_TMP/g.out")" "404 Not Found"

# --- re-import: duplicates fail per user ------------------------------------
api POST "$I?encryption_secret=$ENC_SECRET" "$TB" "{\"users\":$USERS2}" >/dev/null
expect_eq "re-import: duplicates fail per user" \
    "$HTTP_STATUS $(jnum added) $(jnum failed) $(count_str "$HTTP_BODY" 'a user with this e-mail address already exists')" \
    "200 0 2 2"
api GET "$MB/cloud_directory/Users?query=u50@a.example" "$TB" >/dev/null
B50=$(jstr id)
api POST "$I?encryption_secret=$ENC_SECRET" "$TB" "{\"users\":$USERS2}" >/dev/null
expect_eq "duplicate failReason names the existing user and the original id" \
    "$(jstr id) $(jstr originalId)" "$B50 $(jstr originalId "$P2")"

# --- export from B again: B's ids, the same passwords ----------------------
api GET "$MB/cloud_directory/export?encryption_secret=again&count=1" "$TB" >/dev/null
expect_eq "re-export from B carries B's id as originalId" "$(jstr originalId)" "$B0"

check "sim A stops" sim_stop A
check "sim B stops" sim_stop B
amg_finish
