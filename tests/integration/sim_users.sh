#!/bin/sh
# appid-sim Cloud Directory users: SCIM shapes and SCIM errors of
# /cloud_directory/Users*, list paging and query, sign_up with and without
# a profile, userinfo, DELETE vs remove, the userName identity field, and
# users surviving a restart through --state.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/users_lib.sh"
amg_setup

KEY=users-key-0123456789
STATE="$AMG_TMP/users-state.json"
users_state "$STATE" t1 '[]' '[{"clientId":"app-1","secret":"app-secret","name":"web"}]'
check "sim starts" sim_start s "" "$KEY" --state "$STATE" --pbkdf2-iterations 1000
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
U="$T1/cloud_directory/Users"
SCIM_ERR='{"detail":"%s","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],%s"status":"%s"}'
scim_err() {
    # scim_err STATUS SCIMTYPE DETAIL
    if [ -n "$2" ]; then
        # shellcheck disable=SC2059
        printf "$SCIM_ERR" "$3" "\"scimType\":\"$2\"," "$1"
    else
        # shellcheck disable=SC2059
        printf "$SCIM_ERR" "$3" "" "$1"
    fi
}

# --- create and read -----------------------------------------------------
api POST "$U" "$TOKEN" '{"emails":[{"value":"Alice@Example.com","primary":true}],"password":"Alice-pw-1","userName":"alice","displayName":"Alice A","name":{"givenName":"Alice","familyName":"A"}}' >/dev/null
ALICE=$(jstr id)
ALICE_VIEW='{"active":true,"displayName":"Alice A","emails":[{"primary":true,"value":"Alice@Example.com"}],"id":"ID1","meta":{"created":"TS","lastModified":"TS","location":"'"$U"'/ID1","resourceType":"User"},"name":{"familyName":"A","givenName":"Alice"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"status":"PENDING","userName":"alice"}'
expect_eq "POST Users: 201 GetUser (status PENDING by default)" \
    "$HTTP_STATUS $(norm "$HTTP_BODY" "$ALICE")" "201 $ALICE_VIEW"
check "POST Users: id is a UUID" sh -c 'echo "$1" | grep -Eq "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"' sh "$ALICE"
check "meta.created is ISO-8601 UTC with milliseconds" sh -c 'echo "$1" | grep -Eq "\"created\":\"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z\""' sh "$HTTP_BODY"
check "the password is never returned" sh -c '! echo "$1" | grep -q "Alice-pw-1\|password"' sh "$HTTP_BODY"
api GET "$U/$ALICE" "$TOKEN" >/dev/null
expect_eq "GET Users/{id}" "$HTTP_STATUS $(norm "$HTTP_BODY" "$ALICE")" "200 $ALICE_VIEW"

# --- SCIM errors -----------------------------------------------------------
api POST "$U" "$TOKEN" '{"emails":[{"value":"bob@example.com"}]}' >/dev/null
expect_eq "POST without password: 400 SCIM invalidValue" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(scim_err 400 invalidValue "missing required field 'password'")"
api POST "$U" "$TOKEN" '{"password":"x"}' >/dev/null
expect_eq "POST without emails: 400 SCIM" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(scim_err 400 invalidValue "missing required field 'emails'")"
api POST "$U" "$TOKEN" '{"emails":[{"primary":true}],"password":"x"}' >/dev/null
expect_eq "POST with an e-mail without value: 400 SCIM" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(scim_err 400 invalidValue "missing required field 'emails[0].value'")"
api POST "$U" "$TOKEN" '{"emails":[{"value":"c@example.com"}],"password":"x","status":"ACTIVE"}' >/dev/null
expect_eq "POST with a bad status: 400 SCIM" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(scim_err 400 invalidValue "field 'status' must be one of: PENDING, CONFIRMED")"
api POST "$U" "$TOKEN" '{"emails":[{"value":"ALICE@example.COM"}],"password":"x"}' >/dev/null
expect_eq "duplicate e-mail (any case): 409 SCIM uniqueness" "$HTTP_STATUS $HTTP_BODY" \
    "409 $(scim_err 409 uniqueness "a user with this e-mail address already exists (id $ALICE)")"
api POST "$U" "$TOKEN" '{"emails":[{"value":"other@example.com"}],"password":"x","userName":"ALICE"}' >/dev/null
expect_eq "duplicate userName: 409 SCIM uniqueness" "$HTTP_STATUS $HTTP_BODY" \
    "409 $(scim_err 409 uniqueness "a user with this userName already exists (id $ALICE)")"
api POST "$U" "$TOKEN" '{"emails":' >/dev/null
expect_eq "malformed JSON: 400 SCIM invalidSyntax" "$HTTP_STATUS $(jstr scimType)" \
    "400 invalidSyntax"
api_ct text/plain POST "$U" "$TOKEN" '{}' >/dev/null
expect_eq "wrong Content-Type: 415 SCIM" "$HTTP_STATUS $HTTP_BODY" \
    "415 $(scim_err 415 "" "Content-Type must be application/json")"
api GET "$U/no-such-user" "$TOKEN" >/dev/null
expect_eq "GET unknown user: 404 SCIM" "$HTTP_STATUS $HTTP_BODY" \
    "404 $(scim_err 404 "" "user no-such-user not found")"
api DELETE "$U/no-such-user" "$TOKEN" >/dev/null
expect_eq "DELETE unknown user: 404 SCIM" "$HTTP_STATUS $(jstr status)" "404 404"
api PATCH "$U/$ALICE" "$TOKEN" '{}' >/dev/null
expect_eq "PATCH Users/{id}: 405" "$HTTP_STATUS" 405
printf 'Authorization: Bearer %s\n' "$TOKEN" >"$AMG_TMP/auth.hdr"
ALLOW=$(curl -s -i -X PATCH -H "@$AMG_TMP/auth.hdr" "$U/$ALICE" | tr -d '\r' |
    sed -n 's/^[Aa]llow: //p')
expect_eq "405 names the allowed methods" "$ALLOW" "GET, PUT, DELETE"
api GET "$U" "" >/dev/null
expect_eq "no token: 401" "$HTTP_STATUS" 401

# --- PUT ---------------------------------------------------------------
api POST "$U" "$TOKEN" '{"emails":[{"value":"bob@example.com"}],"password":"Bob-pw-1","status":"CONFIRMED","active":false}' >/dev/null
BOB=$(jstr id)
expect_eq "POST keeps status and active" "$HTTP_STATUS $(jstr status) $(printf '%s' "$HTTP_BODY" | grep -o '"active":false')" \
    '201 CONFIRMED "active":false'
api PUT "$U/$BOB" "$TOKEN" '{"emails":[{"value":"robert@example.com"}],"displayName":"Robert"}' >/dev/null
expect_eq "PUT replaces attributes, keeps omitted status and active" \
    "$HTTP_STATUS $(norm "$HTTP_BODY" "$BOB")" \
    '200 {"active":false,"displayName":"Robert","emails":[{"value":"robert@example.com"}],"id":"ID1","meta":{"created":"TS","lastModified":"TS","location":"'"$U"'/ID1","resourceType":"User"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"status":"CONFIRMED"}'
api PUT "$U/$BOB" "$TOKEN" '{"emails":[{"value":"alice@example.com"}]}' >/dev/null
expect_eq "PUT taking another user's e-mail: 409" "$HTTP_STATUS $(jstr scimType)" "409 uniqueness"
api PUT "$U/$BOB" "$TOKEN" '{"displayName":"x"}' >/dev/null
expect_eq "PUT without emails: 400" "$HTTP_STATUS $(jstr scimType)" "400 invalidValue"
api PUT "$U/nobody" "$TOKEN" '{"emails":[{"value":"n@example.com"}]}' >/dev/null
expect_eq "PUT unknown user: 404" "$HTTP_STATUS" 404
api GET "$U?query=bob@example.com" "$TOKEN" >/dev/null
expect_eq "old e-mail no longer found" "$(jnum totalResults)" 0

# --- list paging and query -----------------------------------------------
api POST "$U" "$TOKEN" '{"emails":[{"value":"carol@example.com"}],"password":"Carol-pw-1"}' >/dev/null
CAROL=$(jstr id)
api GET "$U" "$TOKEN" >/dev/null
expect_eq "list: all users, creation order" \
    "$HTTP_STATUS $(jnum totalResults) $(jnum itemsPerPage) $(count_str "$HTTP_BODY" '"resourceType"')" \
    "200 3 3 3"
check "list: ListResponse schema" sh -c 'echo "$1" | grep -q "urn:ietf:params:scim:api:messages:2.0:ListResponse"' sh "$HTTP_BODY"
api GET "$U?startIndex=1&count=1" "$TOKEN" >/dev/null
expect_eq "list: startIndex is a 0-based offset" "$(jnum totalResults) $(jnum itemsPerPage) $(jstr id)" \
    "3 1 $BOB"
api GET "$U?startIndex=2&count=5" "$TOKEN" >/dev/null
expect_eq "list: last page" "$(jnum itemsPerPage) $(jstr id)" "1 $CAROL"
api GET "$U?startIndex=3" "$TOKEN" >/dev/null
expect_eq "list: offset at the end" "$HTTP_STATUS $(norm "$HTTP_BODY")" \
    '200 {"Resources":[],"itemsPerPage":0,"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3}'
api GET "$U?count=0" "$TOKEN" >/dev/null
expect_eq "list: count=0" "$(jnum totalResults) $(jnum itemsPerPage)" "3 0"
api GET "$U?startIndex=-1" "$TOKEN" >/dev/null
expect_eq "list: negative startIndex is a SCIM 400" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(scim_err 400 invalidValue "query parameter 'startIndex' must be a non-negative integer")"
api GET "$U?query=CAROL@example.com" "$TOKEN" >/dev/null
expect_eq "query: exact identity match, e-mail case-insensitive" \
    "$(jnum totalResults) $(jstr id)" "1 $CAROL"
api GET "$U?query=carol" "$TOKEN" >/dev/null
expect_eq "query: no partial match" "$(jnum totalResults) $(jnum itemsPerPage)" "0 0"

# --- sign_up, userinfo, DELETE vs remove ---------------------------------
SU="$T1/cloud_directory/sign_up"
api POST "$SU?shouldCreateProfile=true" "$TOKEN" '{"emails":[{"value":"dave@example.com"}],"password":"Dave-pw-1","displayName":"Dave"}' >/dev/null
DAVE=$(jstr id)
expect_eq "sign_up: 201 GetUser" "$HTTP_STATUS $(jstr resourceType)" "201 User"
api GET "$T1/cloud_directory/$DAVE/userinfo" "$TOKEN" >/dev/null
DAVE_SUB=$(jstr sub)
expect_eq "userinfo maps the CD id to the profile" \
    "$HTTP_STATUS $(norm "$HTTP_BODY" "$DAVE_SUB" "$DAVE")" \
    '200 {"attributes":{},"identities":[{"id":"ID2","idpUserInfo":{"active":true,"displayName":"Dave","emails":[{"value":"dave@example.com"}],"id":"ID2","meta":{"created":"TS","lastModified":"TS","location":"'"$U"'/ID2","resourceType":"User"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"status":"PENDING"},"provider":"cloud_directory"}],"sub":"ID1"}'
check "profile id differs from the CD id" test "$DAVE_SUB" != "$DAVE"
api POST "$SU" "$TOKEN" '{"emails":[{"value":"erin@example.com"}],"password":"Erin-pw-1"}' >/dev/null
ERIN=$(jstr id)
api GET "$T1/cloud_directory/$ERIN/userinfo" "$TOKEN" >/dev/null
expect_eq "sign_up without shouldCreateProfile creates a profile" "$HTTP_STATUS" 200
api POST "$SU?shouldCreateProfile=false" "$TOKEN" '{"emails":[{"value":"fay@example.com"}],"password":"Fay-pw-1"}' >/dev/null
FAY=$(jstr id)
api GET "$T1/cloud_directory/$FAY/userinfo" "$TOKEN" >/dev/null
expect_eq "sign_up shouldCreateProfile=false: no profile, userinfo 404" "$HTTP_STATUS" 404
api GET "$T1/cloud_directory/$ALICE/userinfo" "$TOKEN" >/dev/null
expect_eq "POST Users creates no profile" "$HTTP_STATUS" 404
api POST "$SU?shouldCreateProfile=maybe" "$TOKEN" '{"emails":[{"value":"g@example.com"}],"password":"x"}' >/dev/null
expect_eq "sign_up: bad shouldCreateProfile 400" "$HTTP_STATUS" 400
api POST "$SU" "$TOKEN" '{"emails":[{"value":"dave@example.com"}],"password":"x"}' >/dev/null
expect_eq "sign_up duplicate: 409 (management-API error body)" \
    "$HTTP_STATUS $(jnum status) $(jstr error)" "409 409 Conflict"
api GET "$T1/cloud_directory/nobody/userinfo" "$TOKEN" >/dev/null
expect_eq "userinfo of an unknown user: 404" "$HTTP_STATUS" 404

api DELETE "$U/$DAVE" "$TOKEN" >/dev/null
expect_eq "DELETE Users/{id}: 204, empty" "$HTTP_STATUS [$HTTP_BODY]" "204 []"
api GET "$U/$DAVE" "$TOKEN" >/dev/null
expect_eq "deleted user is gone" "$HTTP_STATUS" 404
api GET "$T1/users/$DAVE_SUB/profile" "$TOKEN" >/dev/null
expect_eq "DELETE Users/{id} keeps the profile" "$HTTP_STATUS $(jstr provider)" \
    "200 cloud_directory"
api GET "$T1/cloud_directory/$ERIN/userinfo" "$TOKEN" >/dev/null
ERIN_SUB=$(jstr sub)
api DELETE "$T1/cloud_directory/remove/$ERIN" "$TOKEN" >/dev/null
expect_eq "DELETE remove/{id}: 204" "$HTTP_STATUS" 204
api GET "$T1/users/$ERIN_SUB/profile" "$TOKEN" >/dev/null
expect_eq "remove/{id} deletes the profile too" "$HTTP_STATUS" 404
api DELETE "$T1/cloud_directory/remove/$ERIN" "$TOKEN" >/dev/null
expect_eq "remove of an unknown user: 404" "$HTTP_STATUS $(jnum status)" "404 404"

# --- identity field userName ---------------------------------------------
api PUT "$T1/config/idps/cloud_directory" "$TOKEN" '{"isActive":true,"config":{"selfServiceEnabled":true,"identityField":"userName","interactions":{"identityConfirmation":{"accessMode":"OFF"},"welcomeEnabled":false,"resetPasswordEnabled":false,"resetPasswordNotificationEnable":false}}}' >/dev/null
api POST "$U" "$TOKEN" '{"emails":[{"value":"hal@example.com"}],"password":"x"}' >/dev/null
expect_eq "identityField userName: userName required" "$HTTP_STATUS $(jstr detail)" \
    "400 missing required field 'userName' (the identity field is userName)"
api GET "$U?query=Alice" "$TOKEN" >/dev/null
expect_eq "identityField userName: query matches userName" "$(jnum totalResults) $(jstr id)" \
    "1 $ALICE"
api GET "$U?query=alice@example.com" "$TOKEN" >/dev/null
expect_eq "identityField userName: query ignores e-mails" "$(jnum totalResults)" 0
password_grant "$s_URL" t1 app-1 app-secret alice Alice-pw-1
expect_eq "identityField userName: password grant by userName" "$HTTP_STATUS" 200
api PUT "$T1/config/idps/cloud_directory" "$TOKEN" '{"isActive":true,"config":{"selfServiceEnabled":true,"identityField":"email","interactions":{"identityConfirmation":{"accessMode":"FULL"},"welcomeEnabled":true,"resetPasswordEnabled":true,"resetPasswordNotificationEnable":true}}}' >/dev/null

# --- password changes and sign-in ------------------------------------------
password_grant "$s_URL" t1 app-1 app-secret carol@example.com Carol-pw-1
expect_eq "password grant with the sign-up password" "$HTTP_STATUS" 200
api PUT "$U/$CAROL" "$TOKEN" '{"emails":[{"value":"carol@example.com"}],"password":"Carol-pw-2"}' >/dev/null
password_grant "$s_URL" t1 app-1 app-secret carol@example.com Carol-pw-1
expect_eq "PUT password: the old one stops working" "$HTTP_STATUS $(jstr error)" "400 invalid_grant"
password_grant "$s_URL" t1 app-1 app-secret carol@example.com Carol-pw-2
expect_eq "PUT password: the new one works" "$HTTP_STATUS" 200
api GET "$U/$CAROL" "$TOKEN" >/dev/null
check "sign-in sets meta.lastLogin" sh -c 'echo "$1" | grep -q "\"lastLogin\":\"20"' sh "$HTTP_BODY"
api GET "$T1/cloud_directory/$CAROL/userinfo" "$TOKEN" >/dev/null
expect_eq "first sign-in creates the profile" "$HTTP_STATUS" 200
CAROL_SUB=$(jstr sub)
password_grant "$s_URL" t1 app-1 app-secret robert@example.com Bob-pw-1
expect_eq "inactive user cannot sign in" "$HTTP_STATUS $(jstr error_description)" \
    "400 the user is not active"
api POST "$U" "$TOKEN" '{"emails":[{"value":"locked@example.com"}],"password":"Locked-pw-1","lockedUntil":253402300799000}' >/dev/null
LOCKED=$(jstr id)
password_grant "$s_URL" t1 app-1 app-secret locked@example.com Locked-pw-1
expect_eq "locked user cannot sign in" "$HTTP_STATUS $(jstr error_description)" \
    "400 the user is locked"
api DELETE "$U/$LOCKED" "$TOKEN" >/dev/null

# --- persistence -----------------------------------------------------------
api GET "$U/$BOB" "$TOKEN" >/dev/null
BOB_BEFORE=$(printf '%s' "$HTTP_BODY" | sed "s#$s_URL#URL#g")
check "SIGTERM saves users" sim_stop s
check "state file version 2" grep -q '"version": 2' "$STATE"
check "state has the users" grep -q '"cdUsers"' "$STATE"
check "state holds no password" sh -c '! grep -q "Carol-pw-2" "$1"' sh "$STATE"
check "state holds PBKDF2 records" grep -q -F '"password": "pbkdf2-sha512$1000$' "$STATE"
check "restart with the state" sim_start s "" "$KEY" --state "$STATE"
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
U="$T1/cloud_directory/Users"
api GET "$U/$BOB" "$TOKEN" >/dev/null
expect_eq "user unchanged after a restart" \
    "$HTTP_STATUS $(printf '%s' "$HTTP_BODY" | sed "s#$s_URL#URL#g")" "200 $BOB_BEFORE"
api GET "$U" "$TOKEN" >/dev/null
expect_eq "order kept after a restart" "$(jnum totalResults) $(jstr id)" "4 $ALICE"
api GET "$T1/cloud_directory/$CAROL/userinfo" "$TOKEN" >/dev/null
expect_eq "profile link kept after a restart" "$(jstr sub)" "$CAROL_SUB"
password_grant "$s_URL" t1 app-1 app-secret carol@example.com Carol-pw-2
expect_eq "password still verifies after a restart" "$HTTP_STATUS" 200
api POST "$U" "$TOKEN" '{"emails":[{"value":"carol@example.com"}],"password":"x"}' >/dev/null
expect_eq "indexes rebuilt after a restart" "$HTTP_STATUS" 409
check "final SIGTERM" sim_stop s

amg_finish
