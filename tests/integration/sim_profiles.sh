#!/bin/sh
# appid-sim user profiles (reference 8.11): search with dataScope and
# filters, pre-registration, one profile's attributes (replace, 100 KB
# limit) and roles, /users/export paging (non-Cloud-Directory profiles
# only) and /users/import into a second sim with per-user failures,
# DELETE, and profiles surviving a restart.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/users_lib.sh"
amg_setup

KEY=profiles-key-0123456789
users_state "$AMG_TMP/a.json" ta \
    '[{"id":"ra-gold","name":"gold","description":"","access":[]},{"id":"ra-staff","name":"staff","description":"","access":[]}]'
users_state "$AMG_TMP/b.json" tb '[{"id":"rb-gold","name":"gold","description":"","access":[]}]'
check "sim A starts" sim_start A "" "$KEY" --state "$AMG_TMP/a.json" --pbkdf2-iterations 1
check "sim B starts" sim_start B "" "$KEY" --state "$AMG_TMP/b.json" --pbkdf2-iterations 1
TA=$(iam_token "$A_URL" "$KEY")
TB=$(iam_token "$B_URL" "$KEY")
MA="$A_URL/management/v4/ta"
MB="$B_URL/management/v4/tb"

# --- pre-register -------------------------------------------------------------
api POST "$MA/users" "$TA" '{"idp":"google","idp-identity":"g-100","profile":{"attributes":{"plan":"gold"}}}' >/dev/null
G1=$(jstr id)
expect_eq "pre-register: 201 with the new profile" "$HTTP_STATUS $(norm "$HTTP_BODY" "$G1")" \
    '201 {"attributes":{"plan":"gold"},"id":"ID1","identities":[{"id":"g-100","idpUserInfo":{},"provider":"google"}],"idp":"google"}'
api POST "$MA/users" "$TA" '{"idp":"saml","idp-identity":"jane@corp.example"}' >/dev/null
S1=$(jstr id)
expect_eq "pre-register without attributes" "$HTTP_STATUS" 201
api POST "$MA/users" "$TA" '{"idp":"google","idp-identity":"g-100"}' >/dev/null
expect_eq "pre-register the same identity: 409" "$HTTP_STATUS $(jstr message)" \
    "409 a profile for google identity 'g-100' exists already (id $G1)"
api POST "$MA/users" "$TA" '{"idp":"twitter","idp-identity":"t-1"}' >/dev/null
expect_eq "pre-register an unknown IdP: 400" "$HTTP_STATUS" 400
api POST "$MA/users" "$TA" '{"idp":"google"}' >/dev/null
expect_eq "pre-register without idp-identity: 400" "$HTTP_STATUS $(jstr message)" \
    "400 missing required field 'idp-identity'"
api POST "$MA/cloud_directory/sign_up" "$TA" '{"emails":[{"value":"cd@a.example"}],"password":"Cd-pw-1"}' >/dev/null
CD=$(jstr id)
api GET "$MA/cloud_directory/$CD/userinfo" "$TA" >/dev/null
CD_SUB=$(jstr sub)

# --- search -------------------------------------------------------------------
api GET "$MA/users" "$TA" >/dev/null
expect_eq "search without dataScope: 400" "$HTTP_STATUS" 400
api GET "$MA/users?dataScope=index" "$TA" >/dev/null
expect_eq "search index: all profiles, requestOptions {} without paging" \
    "$HTTP_STATUS $(norm "$HTTP_BODY" "$G1" "$S1" "$CD_SUB")" \
    '200 {"itemsPerPage":3,"requestOptions":{},"totalResults":3,"users":[{"id":"ID1","idp":"google"},{"id":"ID2","idp":"saml"},{"email":"cd@a.example","id":"ID3","idp":"cloud_directory"}]}'
api GET "$MA/users?dataScope=index&startIndex=1&count=1" "$TA" >/dev/null
expect_eq "search paging: 0-based offset, requestOptions echoed" \
    "$(norm "$HTTP_BODY" "$S1")" \
    '{"itemsPerPage":1,"requestOptions":{"count":1,"startIndex":1},"totalResults":3,"users":[{"id":"ID1","idp":"saml"}]}'
api GET "$MA/users?dataScope=index&email=CD@A.EXAMPLE" "$TA" >/dev/null
expect_eq "search by e-mail" "$(jnum totalResults) $(jstr id)" "1 $CD_SUB"
api GET "$MA/users?dataScope=index&id=g-100" "$TA" >/dev/null
expect_eq "search by IdP user id" "$(jnum totalResults) $(jstr id)" "1 $G1"
api GET "$MA/users?dataScope=index&id=$CD" "$TA" >/dev/null
expect_eq "search by CD user id" "$(jnum totalResults) $(jstr id)" "1 $CD_SUB"
api GET "$MA/users?dataScope=index&email=none@a.example" "$TA" >/dev/null
expect_eq "search without match" "$(jnum totalResults) $(jnum itemsPerPage)" "0 0"
api GET "$MA/users?dataScope=full&id=g-100" "$TA" >/dev/null
expect_eq "search full: identities and attributes" "$(norm "$HTTP_BODY" "$G1")" \
    '{"itemsPerPage":1,"requestOptions":{},"totalResults":1,"users":[{"attributes":{"plan":"gold"},"id":"ID1","identities":[{"id":"g-100","idpUserInfo":{},"provider":"google"}],"idp":"google"}]}'

# --- one profile ------------------------------------------------------------
P="$MA/users/$G1/profile"
api PUT "$P" "$TA" '{"attributes":{"points":7}}' >/dev/null
expect_eq "PUT profile replaces the attributes" "$HTTP_STATUS $(norm "$HTTP_BODY" "$G1")" \
    '200 {"attributes":{"points":7},"id":"ID1","identities":[{"id":"g-100","idpUserInfo":{},"provider":"google"}]}'
api GET "$P" "$TA" >/dev/null
expect_eq "GET profile" "$(printf '%s' "$HTTP_BODY" | grep -o '"attributes":{[^}]*}')" \
    '"attributes":{"points":7}'
api PUT "$P" "$TA" '{"points":7}' >/dev/null
expect_eq "PUT profile without attributes: 400" "$HTTP_STATUS" 400
BIG=$(head -c 102400 /dev/zero | tr '\0' 'x')
printf '{"attributes":{"blob":"%s"}}' "$BIG" >"$AMG_TMP/big.json"
api_file PUT "$P" "$TA" "$AMG_TMP/big.json" >/dev/null
expect_eq "PUT profile over 100 KB: 413" "$HTTP_STATUS $(jstr message)" \
    "413 profile attributes exceed 102400 bytes"
api GET "$P" "$TA" >/dev/null
expect_eq "rejected PUT changed nothing" "$(printf '%s' "$HTTP_BODY" | grep -o '"attributes":{[^}]*}')" \
    '"attributes":{"points":7}'
api GET "$MA/users/nobody/profile" "$TA" >/dev/null
expect_eq "GET unknown profile: 404" "$HTTP_STATUS" 404
api PUT "$MA/users/$G1/roles" "$TA" '{"roles":{"ids":["ra-gold","ra-staff"]}}' >/dev/null
expect_eq "PUT roles" "$HTTP_STATUS $HTTP_BODY" \
    '200 {"roles":[{"id":"ra-gold","name":"gold"},{"id":"ra-staff","name":"staff"}]}'
api GET "$MA/users/$G1/roles" "$TA" >/dev/null
expect_eq "GET roles" "$HTTP_BODY" '{"roles":[{"id":"ra-gold","name":"gold"},{"id":"ra-staff","name":"staff"}]}'
api PUT "$MA/users/$G1/roles" "$TA" '{"roles":{"ids":["ra-nope"]}}' >/dev/null
expect_eq "PUT an unknown role id: 400" "$HTTP_STATUS $(jstr message)" \
    "400 unknown role id 'ra-nope' in 'roles.ids[0]'"
api PUT "$MA/users/$G1/roles" "$TA" '{"roles":["ra-gold"]}' >/dev/null
expect_eq "PUT roles in the wrong shape: 400" "$HTTP_STATUS" 400
api PUT "$MA/users/$S1/roles" "$TA" '{"roles":{"ids":["ra-gold"]}}' >/dev/null

# --- /users/export ---------------------------------------------------------
api GET "$MA/users/export" "$TA" >/dev/null
expect_eq "users/export: non-CD profiles only, roles by name" \
    "$HTTP_STATUS $(norm "$HTTP_BODY" "$G1" "$S1")" \
    '200 {"itemsPerPage":2,"requestOptions":{},"totalResults":2,"users":[{"attributes":{"points":7},"id":"ID1","identities":[{"id":"g-100","idpUserInfo":{},"provider":"google"}],"idp":"google","roles":["gold","staff"]},{"attributes":{},"id":"ID2","identities":[{"id":"jane@corp.example","idpUserInfo":{},"provider":"saml"}],"idp":"saml","roles":["gold"]}]}'
EXPORT=$HTTP_BODY
api GET "$MA/users/export?startIndex=1&count=5" "$TA" >/dev/null
expect_eq "users/export paging" "$(jnum itemsPerPage) $(jstr id) $(printf '%s' "$HTTP_BODY" | grep -o '"requestOptions":{[^}]*}')" \
    "1 $S1 \"requestOptions\":{\"count\":5,\"startIndex\":1}"
api GET "$MA/users/export?startIndex=2" "$TA" >/dev/null
expect_eq "users/export past the end" "$(jnum totalResults) $(jnum itemsPerPage)" "2 0"
api GET "$MA/users/export?count=0" "$TA" >/dev/null
expect_eq "users/export count=0" "$(jnum itemsPerPage)" "0"

# --- /users/import into B ------------------------------------------------------
USERS=$(printf '%s' "$EXPORT" | sed 's/^{.*"users":\(\[.*\]\)}$/\1/')
api POST "$MB/users/import" "$TB" "{\"users\":$USERS}" >/dev/null
expect_eq "users/import: unknown role fails that user only" \
    "$HTTP_STATUS $(norm "$HTTP_BODY" "$G1" "$S1")" \
    '200 {"added":1,"failReasons":[{"error":"unknown role '"'"'staff'"'"'","idp":"google","originalId":"ID1"}],"failed":1}'
api GET "$MB/users?dataScope=full&id=jane@corp.example" "$TB" >/dev/null
expect_eq "imported profile keeps the IdP identity, gets a new id" \
    "$(jnum totalResults) $(jstr provider)" "1 saml"
check "imported profile id is new" test "$(jstr id)" != "$S1"
api POST "$MB/users/import" "$TB" "{\"users\":$USERS,\"extra\":true}" >/dev/null
expect_eq "users/import again: duplicate identity fails per user" \
    "$(jnum added) $(jnum failed) $(count_str "$HTTP_BODY" 'a profile for this identity exists already')" \
    "0 2 1"
api POST "$MB/users/import" "$TB" '{"users":[{"id":"x1","identities":[{"provider":"cloud_directory","id":"c-1"}]},{"id":"x2"},{"id":"x3","identities":[{"provider":"facebook","id":"f-1"}],"attributes":{"a":1},"roles":["gold"],"name":"Fred","email":"fred@b.example"}]}' >/dev/null
expect_eq "users/import: CD profiles and identity-less items fail" "$HTTP_STATUS $HTTP_BODY" \
    '200 {"added":1,"failReasons":[{"error":"identity provider '"'"'cloud_directory'"'"' cannot be imported here (use /cloud_directory/import)","idp":"cloud_directory","originalId":"x1"},{"error":"missing '"'"'identities[0].provider'"'"' or '"'"'identities[0].id'"'"'","originalId":"x2"}],"failed":2}'
api GET "$MB/users?dataScope=index&email=fred@b.example" "$TB" >/dev/null
F1=$(jstr id)
api GET "$MB/users/$F1/roles" "$TB" >/dev/null
expect_eq "users/import: roles by name, B's ids" "$HTTP_BODY" '{"roles":[{"id":"rb-gold","name":"gold"}]}'
BIG='{"id":"y"}'
i=1
while [ "$i" -le 50 ]; do
    BIG="$BIG,{\"id\":\"y\"}"
    i=$((i + 1))
done
api POST "$MB/users/import" "$TB" "{\"users\":[$BIG]}" >/dev/null
expect_eq "users/import of 51: 400" "$HTTP_STATUS" 400
api POST "$MB/users/import" "$TB" '{"profiles":[]}' >/dev/null
expect_eq "users/import without users: 400" "$HTTP_STATUS" 400

# --- delete and persistence ------------------------------------------------
api DELETE "$MB/users/$F1" "$TB" >/dev/null
expect_eq "DELETE /users/{id}: 204" "$HTTP_STATUS" 204
api GET "$MB/users/$F1/profile" "$TB" >/dev/null
expect_eq "deleted profile is gone" "$HTTP_STATUS" 404
api DELETE "$MB/users/$F1" "$TB" >/dev/null
expect_eq "DELETE again: 404" "$HTTP_STATUS" 404
api DELETE "$MA/users/$CD_SUB" "$TA" >/dev/null
api GET "$MA/cloud_directory/$CD/userinfo" "$TA" >/dev/null
expect_eq "deleting a CD user's profile keeps the user" "$HTTP_STATUS" 404
api GET "$MA/cloud_directory/Users/$CD" "$TA" >/dev/null
expect_eq "... who is still there" "$HTTP_STATUS" 200
api GET "$MA/users?dataScope=full" "$TA" >/dev/null
BEFORE=$HTTP_BODY
check "sim A stops" sim_stop A
check "sim A restarts from its state" sim_start A "" "$KEY" --state "$AMG_TMP/a.json"
TA=$(iam_token "$A_URL" "$KEY")
api GET "$A_URL/management/v4/ta/users?dataScope=full" "$TA" >/dev/null
expect_eq "profiles survive a restart" "$HTTP_BODY" "$BEFORE"
api GET "$A_URL/management/v4/ta/users/$G1/roles" "$TA" >/dev/null
expect_eq "profile roles survive a restart" "$HTTP_BODY" \
    '{"roles":[{"id":"ra-gold","name":"gold"},{"id":"ra-staff","name":"staff"}]}'

check "sim A stops" sim_stop A
check "sim B stops" sim_stop B
amg_finish
