#!/bin/sh
# appid-sim applications, scopes, application roles and roles (reference
# 8.8, 8.9, 11): every status code, validation, limits (201st application,
# 51st scope, 51st role), scope removal reaching the roles, unique role
# names, deletes cascading, tenant isolation and the state file.
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

KEY=apps-key-0123456789
STATE="$AMG_TMP/state.json"
check "sim starts" sim_start s t1 "$KEY" --tenant t2 --state "$STATE"
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
T2="$s_URL/management/v4/t2"

# field JSON NAME: the value of string member NAME (last one if repeated).
field() {
    printf '%s' "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p"
}
err() {  # err STATUS REASON MESSAGE
    printf '{"error":"%s","message":"%s","status":%s}' "$2" "$3" "$1"
}
err400() { err 400 "Bad Request" "$1"; }
err404() { err 404 "Not Found" "$1"; }
# expect_api NAME METHOD PATH BODY STATUS EXPECTED_BODY (BODY "" for none)
expect_api() {
    if [ -n "$4" ]; then
        api "$2" "$T1$3" "$TOKEN" "$4" >/dev/null
    else
        api "$2" "$T1$3" "$TOKEN" >/dev/null
    fi
    expect_eq "$1" "$HTTP_STATUS $HTTP_BODY" "$5 $6"
}
allow_header() {  # allow_header METHOD URL
    curl -s -o /dev/null -D - -X "$1" -H "Authorization: Bearer $TOKEN" "$2" |
        tr -d '\r' | sed -n 's/^Allow: //p'
}
# repeat N TEXT: TEXT N times.
repeat() {
    _r=; _i=0
    while [ "$_i" -lt "$1" ]; do _r="$_r$2"; _i=$((_i + 1)); done
    printf '%s' "$_r"
}

# --- a new tenant has none ----------------------------------------------
expect_api "uncertain choice: a new tenant has no applications" GET /applications "" 200 '{"applications":[]}'
expect_api "no roles at first" GET /roles "" 200 '{"roles":[]}'

api GET "$T1/applications" "" >/dev/null
expect_eq "no token: 401" "$HTTP_STATUS" 401
api POST "$T1/roles" "" '{"name":"x","access":[]}' >/dev/null
expect_eq "no token, no role: 401" "$HTTP_STATUS" 401

# --- POST /applications -------------------------------------------------
api POST "$T1/applications" "$TOKEN" '{"name":"web","clientId":"mine","secret":"s"}' >/dev/null
expect_eq "POST /applications: 200" "$HTTP_STATUS" 200
WEB=$(field "$HTTP_BODY" clientId)
WEB_SECRET=$(field "$HTTP_BODY" secret)
check "clientId is a UUID v4 chosen by the server" sh -c \
    "printf '%s' '$WEB' | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'"
check "secret is generated, not taken from the body" test "${#WEB_SECRET}" -eq 64
OAUTH="$s_URL/oauth/v4/t1"
web_view() {  # web_view NAME
    printf '{"clientId":"%s","discoveryEndpoint":"%s/.well-known/openid-configuration","name":"%s","oAuthServerUrl":"%s","profilesUrl":"%s","secret":"%s","tenantId":"t1","type":"regularwebapp"}' \
        "$WEB" "$OAUTH" "$1" "$OAUTH" "$s_URL" "$WEB_SECRET"
}
expect_eq "uncertain choice: discoveryEndpoint is oAuthServerUrl + /.well-known/openid-configuration; type defaults to regularwebapp" \
    "$HTTP_BODY" "$(web_view web)"
api POST "$T1/applications" "$TOKEN" '{"name":"spa","type":"singlepageapp"}' >/dev/null
expect_eq "POST singlepageapp: 200" "$HTTP_STATUS" 200
SPA=$(field "$HTTP_BODY" clientId)
expect_contains "type singlepageapp kept" "$HTTP_BODY" '"type":"singlepageapp"'
check "every application gets its own clientId" test "$SPA" != "$WEB"

N50=$(repeat 50 a)
N51=$(repeat 51 a)
U50=$(repeat 50 ü)
expect_api "POST name missing" POST /applications '{"type":"regularwebapp"}' 400 \
    "$(err400 "missing required field 'name'")"
expect_api "POST name empty" POST /applications '{"name":""}' 400 \
    "$(err400 "field 'name' must be 1 to 50 characters long")"
expect_api "POST name of 51 characters" POST /applications "{\"name\":\"$N51\"}" 400 \
    "$(err400 "field 'name' must be 1 to 50 characters long")"
expect_api "POST name not a string" POST /applications '{"name":3}' 400 \
    "$(err400 "field 'name' must be a string")"
expect_api "POST unknown type" POST /applications '{"name":"x","type":"native"}' 400 \
    "$(err400 "field 'type' must be one of: regularwebapp, singlepageapp")"
api POST "$T1/applications" "$TOKEN" "{\"name\":\"$N50\"}" >/dev/null
expect_eq "POST name of 50 characters: 200" "$HTTP_STATUS" 200
LONG=$(field "$HTTP_BODY" clientId)
api POST "$T1/applications" "$TOKEN" "{\"name\":\"$U50\"}" >/dev/null
expect_eq "name length counts characters, not bytes (50 x ü): 200" "$HTTP_STATUS" 200
UML=$(field "$HTTP_BODY" clientId)
api POST "$T1/applications" "$TOKEN" '{"name":"web"}' >/dev/null
expect_eq "uncertain choice: application names need not be unique (200)" "$HTTP_STATUS" 200
WEB2=$(field "$HTTP_BODY" clientId)
api_ct text/plain POST "$T1/applications" "$TOKEN" '{"name":"x"}' >/dev/null
expect_eq "POST /applications wrong content type: 415" "$HTTP_STATUS" 415
api POST "$T1/applications" "$TOKEN" '{"name":' >/dev/null
expect_eq "POST /applications malformed JSON: 400" "$HTTP_STATUS" 400
api POST "$T1/applications" "$TOKEN" '["web"]' >/dev/null
expect_eq "POST /applications non-object: 400" "$HTTP_STATUS" 400

# --- GET / PUT / DELETE /applications/{clientId} ------------------------
expect_api "GET one application" GET "/applications/$WEB" "" 200 "$(web_view web)"
api GET "$T1/applications" "$TOKEN" >/dev/null
expect_contains "GET /applications lists it with its secret" "$HTTP_BODY" "$(web_view web)"
check "GET /applications lists all five" test "$(printf '%s' "$HTTP_BODY" | grep -o clientId | wc -l)" -eq 5
api DELETE "$T1/applications/$LONG" "$TOKEN" >/dev/null
api DELETE "$T1/applications/$UML" "$TOKEN" >/dev/null
api DELETE "$T1/applications/$WEB2" "$TOKEN" >/dev/null
expect_api "uncertain choice: PUT application renames with 201 (spec)" PUT "/applications/$WEB" '{"name":"web-renamed"}' 201 \
    "$(web_view web-renamed)"
expect_api "PUT with the same type: 201" PUT "/applications/$WEB" \
    '{"name":"web","type":"regularwebapp"}' 201 "$(web_view web)"
expect_api "uncertain choice: PUT cannot change the type (400)" PUT "/applications/$WEB" \
    '{"name":"web","type":"singlepageapp"}' 400 \
    "$(err400 "field 'type' cannot be changed; create a new application instead")"
expect_api "PUT name missing" PUT "/applications/$WEB" '{}' 400 \
    "$(err400 "missing required field 'name'")"
expect_api "PUT name too long" PUT "/applications/$WEB" "{\"name\":\"$N51\"}" 400 \
    "$(err400 "field 'name' must be 1 to 50 characters long")"
expect_api "rejected PUTs changed nothing" GET "/applications/$WEB" "" 200 "$(web_view web)"
NOAPP=00000000-0000-4000-8000-000000000000
for sub in "" /scopes /roles; do
    expect_api "GET unknown application$sub: 404" GET "/applications/$NOAPP$sub" "" 404 \
        "$(err404 "no application with clientId '$NOAPP'")"
done
expect_api "PUT unknown application: 404" PUT "/applications/$NOAPP" '{"name":"x"}' 404 \
    "$(err404 "no application with clientId '$NOAPP'")"
expect_api "PUT scopes of unknown application: 404" PUT "/applications/$NOAPP/scopes" \
    '{"scopes":[]}' 404 "$(err404 "no application with clientId '$NOAPP'")"
expect_api "PUT roles of unknown application: 404" PUT "/applications/$NOAPP/roles" \
    '{"roles":{"ids":[]}}' 404 "$(err404 "no application with clientId '$NOAPP'")"
expect_api "DELETE unknown application: 404" DELETE "/applications/$NOAPP" "" 404 \
    "$(err404 "no application with clientId '$NOAPP'")"
expect_api "trailing slash: 404" GET /applications/ "" 404 \
    "$(err404 "no such endpoint: GET /applications/")"
expect_api "unknown sub-resource: 404" GET "/applications/$WEB/secret" "" 404 \
    "$(err404 "no such endpoint: GET /applications/$WEB/secret")"
expect_api "DELETE /applications: 405" DELETE /applications "" 405 \
    "$(err 405 "Method Not Allowed" "method DELETE is not allowed on /applications")"
expect_eq "405 on /applications allows GET, POST" "$(allow_header DELETE "$T1/applications")" \
    "GET, POST"
expect_eq "405 on one application allows DELETE, GET, PUT" \
    "$(allow_header POST "$T1/applications/$WEB")" "DELETE, GET, PUT"
expect_eq "405 on scopes allows GET, PUT" \
    "$(allow_header DELETE "$T1/applications/$WEB/scopes")" "GET, PUT"
expect_eq "405 on application roles allows GET, PUT" \
    "$(allow_header POST "$T1/applications/$WEB/roles")" "GET, PUT"
api_ct text/plain PUT "$T1/applications/$WEB" "$TOKEN" '{"name":"x"}' >/dev/null
expect_eq "PUT application wrong content type: 415" "$HTTP_STATUS" 415

# --- scopes ---------------------------------------------------------------
expect_api "a new application has no scopes" GET "/applications/$WEB/scopes" "" 200 \
    '{"scopes":[]}'
S49=$(repeat 49 s)
expect_api "PUT scopes: 200" PUT "/applications/$WEB/scopes" \
    "{\"scopes\":[\"read\",\"write\",\"a.b_c9\",\"$S49\"]}" 200 \
    "{\"scopes\":[\"read\",\"write\",\"a.b_c9\",\"$S49\"]}"
bad_scope() {  # bad_scope NAME JSON_SCOPES MESSAGE
    expect_api "scopes: $1" PUT "/applications/$WEB/scopes" "{\"scopes\":$2}" 400 \
        "$(err400 "$3")"
}
bad_scope "uppercase" '["read","Write"]' \
    "field 'scopes[1]' may hold only lowercase letters, digits, '.' and '_'"
bad_scope "dash" '["a-b"]' "field 'scopes[0]' may hold only lowercase letters, digits, '.' and '_'"
bad_scope "appid prefix" '["appidx"]' "field 'scopes[0]' must not start with 'appid' or 'openid'"
bad_scope "openid prefix" '["openid.profile"]' \
    "field 'scopes[0]' must not start with 'appid' or 'openid'"
bad_scope "50 characters" "[\"$(repeat 50 s)\"]" \
    "field 'scopes[0]' must be shorter than 50 characters"
bad_scope "empty" '[""]' "field 'scopes[0]' must not be empty"
bad_scope "duplicate" '["read","write","read"]' "field 'scopes[2]': duplicate scope 'read'"
bad_scope "not strings" '[1]' "field 'scopes[0]' must be a string"
bad_scope "not an array" '"read"' "field 'scopes' must be an array"
expect_api "scopes missing" PUT "/applications/$WEB/scopes" '{}' 400 \
    "$(err400 "missing required field 'scopes'")"
list=; i=1
while [ "$i" -le 51 ]; do list="$list${list:+,}\"s$i\""; i=$((i + 1)); done
bad_scope "uncertain choice: 51st scope is 400" "[$list]" "field 'scopes' must have between 0 and 50 elements"
expect_api "rejected scope writes changed nothing" GET "/applications/$WEB/scopes" "" 200 \
    "{\"scopes\":[\"read\",\"write\",\"a.b_c9\",\"$S49\"]}"
list50=${list%,\"s51\"}
api PUT "$T1/applications/$SPA/scopes" "$TOKEN" "{\"scopes\":[$list50]}" >/dev/null
expect_eq "50 scopes: 200" "$HTTP_STATUS" 200
api PUT "$T1/applications/$SPA/scopes" "$TOKEN" '{"scopes":["read","admin.all"]}' >/dev/null
expect_eq "spa scopes: 200" "$HTTP_STATUS" 200

# --- roles ----------------------------------------------------------------
ADMIN_BODY="{\"name\":\"admin\",\"description\":\"all of it\",\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\",\"write\"]},{\"application_id\":\"$SPA\",\"scopes\":[\"admin.all\"]}]}"
api POST "$T1/roles" "$TOKEN" "$ADMIN_BODY" >/dev/null
expect_eq "POST /roles: 201" "$HTTP_STATUS" 201
ADMIN=$(field "$HTTP_BODY" id)
admin_view() {  # admin_view WEB_SCOPES
    printf '{"access":[{"application_id":"%s","scopes":[%s]},{"application_id":"%s","scopes":["admin.all"]}],"description":"all of it","id":"%s","name":"admin"}' \
        "$WEB" "$1" "$SPA" "$ADMIN"
}
expect_eq "POST /roles answers the role" "$HTTP_BODY" "$(admin_view '"read","write"')"
expect_api "GET one role" GET "/roles/$ADMIN" "" 200 "$(admin_view '"read","write"')"
api POST "$T1/roles" "$TOKEN" "{\"name\":\"viewer\",\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\"]}],\"extra\":1}" >/dev/null
expect_eq "POST role without description: 201" "$HTTP_STATUS" 201
VIEWER=$(field "$HTTP_BODY" id)
expect_eq "uncertain choice: description defaults to empty, extra members dropped" "$HTTP_BODY" \
    "{\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\"]}],\"description\":\"\",\"id\":\"$VIEWER\",\"name\":\"viewer\"}"
api POST "$T1/roles" "$TOKEN" '{"name":"nobody","access":[]}' >/dev/null
expect_eq "POST role with empty access: 201" "$HTTP_STATUS" 201
NOBODY=$(field "$HTTP_BODY" id)
expect_api "uncertain choice: duplicate role name is 409" POST /roles \
    '{"name":"admin","access":[]}' 409 \
    "$(err 409 Conflict "a role named 'admin' exists already")"
expect_api "role with unknown application: 400 naming it" POST /roles \
    "{\"name\":\"x\",\"access\":[{\"application_id\":\"$NOAPP\",\"scopes\":[]}]}" 400 \
    "$(err400 "field 'access[0].application_id': no application with clientId '$NOAPP'")"
expect_api "role with unknown scope: 400 naming it" POST /roles \
    "{\"name\":\"x\",\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\",\"delete\"]}]}" 400 \
    "$(err400 "field 'access[0].scopes[1]': application '$WEB' has no scope 'delete'")"
expect_api "uncertain choice: role listing an application twice is 400" POST /roles \
    "{\"name\":\"x\",\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[]},{\"application_id\":\"$WEB\",\"scopes\":[]}]}" 400 \
    "$(err400 "field 'access[1].application_id': application '$WEB' is listed twice")"
expect_api "uncertain choice: role repeating a scope is 400" POST /roles \
    "{\"name\":\"x\",\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\",\"read\"]}]}" 400 \
    "$(err400 "field 'access[0].scopes[1]': duplicate scope 'read'")"
expect_api "role name missing" POST /roles '{"access":[]}' 400 \
    "$(err400 "missing required field 'name'")"
expect_api "role name empty" POST /roles '{"name":"","access":[]}' 400 \
    "$(err400 "field 'name' must not be empty")"
expect_api "role access missing" POST /roles '{"name":"x"}' 400 \
    "$(err400 "missing required field 'access'")"
expect_api "role access entry without scopes" POST /roles \
    "{\"name\":\"x\",\"access\":[{\"application_id\":\"$WEB\"}]}" 400 \
    "$(err400 "missing required field 'access[0].scopes'")"
expect_api "role description not a string" POST /roles \
    '{"name":"x","description":5,"access":[]}' 400 \
    "$(err400 "field 'description' must be a string")"
api_ct text/plain POST "$T1/roles" "$TOKEN" '{}' >/dev/null
expect_eq "POST /roles wrong content type: 415" "$HTTP_STATUS" 415
api PUT "$T1/roles/$ADMIN" "$TOKEN" '{"name":' >/dev/null
expect_eq "PUT role malformed JSON: 400" "$HTTP_STATUS" 400
expect_api "DELETE /roles: 405" DELETE /roles "" 405 \
    "$(err 405 "Method Not Allowed" "method DELETE is not allowed on /roles")"
expect_eq "405 on /roles allows GET, POST" "$(allow_header DELETE "$T1/roles")" "GET, POST"
expect_eq "405 on one role allows DELETE, GET, PUT" "$(allow_header POST "$T1/roles/$ADMIN")" \
    "DELETE, GET, PUT"
expect_api "trailing slash on roles: 404" GET /roles/ "" 404 \
    "$(err404 "no such endpoint: GET /roles/")"
NOROLE=11111111-1111-4111-8111-111111111111
expect_api "GET unknown role: 404" GET "/roles/$NOROLE" "" 404 \
    "$(err404 "no role with id '$NOROLE'")"
expect_api "PUT unknown role: 404" PUT "/roles/$NOROLE" '{"name":"x","access":[]}' 404 \
    "$(err404 "no role with id '$NOROLE'")"
expect_api "DELETE unknown role: 404" DELETE "/roles/$NOROLE" "" 404 \
    "$(err404 "no role with id '$NOROLE'")"

# PUT replaces the whole role: the omitted description is cleared.
expect_api "PUT role: 200, replaced" PUT "/roles/$VIEWER" \
    "{\"name\":\"reader\",\"access\":[{\"application_id\":\"$SPA\",\"scopes\":[\"read\"]}]}" 200 \
    "{\"access\":[{\"application_id\":\"$SPA\",\"scopes\":[\"read\"]}],\"description\":\"\",\"id\":\"$VIEWER\",\"name\":\"reader\"}"
expect_api "PUT role keeping its own name: 200" PUT "/roles/$VIEWER" \
    "{\"name\":\"reader\",\"description\":\"reads\",\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\"]}]}" 200 \
    "{\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\"]}],\"description\":\"reads\",\"id\":\"$VIEWER\",\"name\":\"reader\"}"
expect_api "PUT role to another role's name: 409" PUT "/roles/$VIEWER" \
    '{"name":"admin","access":[]}' 409 "$(err 409 Conflict "a role named 'admin' exists already")"
expect_api "PUT role without access: 400" PUT "/roles/$VIEWER" '{"name":"reader"}' 400 \
    "$(err400 "missing required field 'access'")"
expect_api "PUT role with unknown scope: 400" PUT "/roles/$VIEWER" \
    "{\"name\":\"reader\",\"access\":[{\"application_id\":\"$SPA\",\"scopes\":[\"write\"]}]}" 400 \
    "$(err400 "field 'access[0].scopes[0]': application '$SPA' has no scope 'write'")"
api GET "$T1/roles" "$TOKEN" >/dev/null
expect_eq "GET /roles lists the three roles in creation order" "$HTTP_STATUS $HTTP_BODY" \
    "200 {\"roles\":[$(admin_view '"read","write"'),{\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\"]}],\"description\":\"reads\",\"id\":\"$VIEWER\",\"name\":\"reader\"},{\"access\":[],\"description\":\"\",\"id\":\"$NOBODY\",\"name\":\"nobody\"}]}"

# --- application roles ----------------------------------------------------
expect_api "a new application has no roles" GET "/applications/$WEB/roles" "" 200 '{"roles":[]}'
expect_api "PUT application roles: 200" PUT "/applications/$WEB/roles" \
    "{\"roles\":{\"ids\":[\"$ADMIN\",\"$VIEWER\"]}}" 200 \
    "{\"roles\":[{\"id\":\"$ADMIN\",\"name\":\"admin\"},{\"id\":\"$VIEWER\",\"name\":\"reader\"}]}"
expect_api "GET application roles" GET "/applications/$WEB/roles" "" 200 \
    "{\"roles\":[{\"id\":\"$ADMIN\",\"name\":\"admin\"},{\"id\":\"$VIEWER\",\"name\":\"reader\"}]}"
expect_api "application roles: unknown role id 400" PUT "/applications/$WEB/roles" \
    "{\"roles\":{\"ids\":[\"$ADMIN\",\"$NOROLE\"]}}" 400 \
    "$(err400 "field 'roles.ids[1]': no role with id '$NOROLE'")"
expect_api "uncertain choice: duplicate application role id is 400" PUT "/applications/$WEB/roles" \
    "{\"roles\":{\"ids\":[\"$ADMIN\",\"$ADMIN\"]}}" 400 \
    "$(err400 "field 'roles.ids[1]': duplicate role id '$ADMIN'")"
expect_api "application roles: roles missing" PUT "/applications/$WEB/roles" '{"ids":[]}' 400 \
    "$(err400 "missing required field 'roles'")"
expect_api "application roles: ids missing" PUT "/applications/$WEB/roles" '{"roles":{}}' 400 \
    "$(err400 "missing required field 'roles.ids'")"
api PUT "$T1/applications/$SPA/roles" "$TOKEN" "{\"roles\":{\"ids\":[\"$NOBODY\"]}}" >/dev/null
expect_eq "spa gets role nobody: 200" "$HTTP_STATUS" 200

# --- cascades -------------------------------------------------------------
api PUT "$T1/applications/$WEB/scopes" "$TOKEN" '{"scopes":["read","extra"]}' >/dev/null
expect_eq "removing scope 'write': 200" "$HTTP_STATUS" 200
expect_api "the removed scope is gone from the role" GET "/roles/$ADMIN" "" 200 \
    "$(admin_view '"read"')"
api PUT "$T1/applications/$WEB/scopes" "$TOKEN" '{"scopes":["read","extra","write"]}' >/dev/null
expect_api "re-adding the scope does not give it back to the role" GET "/roles/$ADMIN" "" 200 \
    "$(admin_view '"read"')"
expect_api "uncertain choice: DELETE role is 202 (spec) without a body" DELETE "/roles/$VIEWER" "" 202 ""
expect_api "the deleted role is gone" GET "/roles/$VIEWER" "" 404 \
    "$(err404 "no role with id '$VIEWER'")"
expect_api "the deleted role left the application's roles" GET "/applications/$WEB/roles" "" \
    200 "{\"roles\":[{\"id\":\"$ADMIN\",\"name\":\"admin\"}]}"
expect_api "DELETE application: 204, no body" DELETE "/applications/$SPA" "" 204 ""
expect_api "the deleted application is gone" GET "/applications/$SPA" "" 404 \
    "$(err404 "no application with clientId '$SPA'")"
expect_api "uncertain choice: a deleted application leaves the roles' access" GET "/roles/$ADMIN" "" 200 \
    "{\"access\":[{\"application_id\":\"$WEB\",\"scopes\":[\"read\"]}],\"description\":\"all of it\",\"id\":\"$ADMIN\",\"name\":\"admin\"}"

# --- tenant isolation and limits (on t2) ----------------------------------
api GET "$T2/applications" "$TOKEN" >/dev/null
expect_eq "t2 sees none of t1's applications" "$HTTP_BODY" '{"applications":[]}'
api GET "$T2/roles/$ADMIN" "$TOKEN" >/dev/null
expect_eq "t2 does not know t1's role" "$HTTP_STATUS" 404
i=1; ok=0
while [ "$i" -le 200 ]; do
    api POST "$T2/applications" "$TOKEN" "{\"name\":\"app$i\"}" >/dev/null
    [ "$HTTP_STATUS" = 200 ] && ok=$((ok + 1))
    i=$((i + 1))
done
expect_eq "200 applications created" "$ok" 200
api POST "$T2/applications" "$TOKEN" '{"name":"app201"}' >/dev/null
expect_eq "uncertain choice: 201st application is 400" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(err400 "an instance can have at most 200 applications")"
i=1; ok=0
while [ "$i" -le 50 ]; do
    api POST "$T2/roles" "$TOKEN" "{\"name\":\"role$i\",\"access\":[]}" >/dev/null
    [ "$HTTP_STATUS" = 201 ] && ok=$((ok + 1))
    i=$((i + 1))
done
expect_eq "50 roles created" "$ok" 50
api POST "$T2/roles" "$TOKEN" '{"name":"role51","access":[]}' >/dev/null
expect_eq "uncertain choice: 51st role is 400" "$HTTP_STATUS $HTTP_BODY" \
    "400 $(err400 "an instance can have at most 50 roles")"
api GET "$T2/roles" "$TOKEN" >/dev/null
check "still 50 roles" test "$(printf '%s' "$HTTP_BODY" | grep -o '"name"' | wc -l)" -eq 50

# --- the state file keeps applications and roles --------------------------
api GET "$T1/applications" "$TOKEN" >/dev/null
apps_before=$HTTP_BODY
api GET "$T1/roles" "$TOKEN" >/dev/null
roles_before=$HTTP_BODY
check "sim stops cleanly" sim_stop s
check "sim restarts from the state file" sim_start s "" "$KEY" --state "$STATE"
TOKEN=$(iam_token "$s_URL" "$KEY")
T1="$s_URL/management/v4/t1"
api GET "$T1/applications" "$TOKEN" >/dev/null
# The URLs follow the new port; everything else must be the same.
expect_eq "applications survive a restart" \
    "$(printf '%s' "$HTTP_BODY" | sed 's#http://127.0.0.1:[0-9]*##g')" \
    "$(printf '%s' "$apps_before" | sed 's#http://127.0.0.1:[0-9]*##g')"
expect_api "roles survive a restart" GET /roles "" 200 "$roles_before"
expect_api "scopes survive a restart" GET "/applications/$WEB/scopes" "" 200 \
    '{"scopes":["read","extra","write"]}'

amg_finish
