#!/usr/bin/env bash
# End to end for applications, roles and application roles: configure one
# appid-sim, migrate into a second, compare field by field with the ids
# mapped through the report's id_map; re-run (nothing created); selective
# restores (--only roles with and without the applications in the
# target, a record filter on applications); validate broken snapshots.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins

instances="$AMG_TMP/instances.conf"
sim_instances "$instances" "src dst third fourth fifth" || exit 1
echo "http = { retries = 2; };" >>"$instances"
# run STEP ARGS...: appid-migrate with its own snapshot directory
# $AMG_TMP/STEP, so that two runs in the same second never compete for one
# snapshot name. Its report is then $(report STEP).
run() {
  local step=$1
  shift
  { cat "$instances"; echo "snapshot_dir = \"$AMG_TMP/$step\";"; } >"$AMG_TMP/$step.conf"
  "$AMG" -c "$AMG_TMP/$step.conf" "$@"
}
report() { ls "$AMG_TMP/$1"/reports/import-*.json; }

field() { printf '%s' "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p"; }
# new_app INSTANCE NAME TYPE SCOPES_JSON: prints the clientId.
new_app() {
  local id
  on "$1" POST /applications "{\"name\":\"$2\",\"type\":\"$3\"}" >/dev/null
  id=$(field "$HTTP_BODY" clientId)
  on "$1" PUT "/applications/$id/scopes" "{\"scopes\":$4}" >/dev/null
  printf '%s' "$id"
}
# new_role INSTANCE NAME DESCRIPTION ACCESS_JSON: prints the role id.
new_role() {
  on "$1" POST /roles "{\"name\":\"$2\",\"description\":\"$3\",\"access\":$4}" >/dev/null
  field "$HTTP_BODY" id
}
# idmap_sed REPORT...: a sed script replacing every old id by its new one.
idmap_sed() {
  cat "$@" | grep -o '"[0-9a-f-]\{36\}": "[0-9a-f-]\{36\}"' |
    sed 's/"\(.*\)": "\(.*\)"/s#\1#\2#g/'
}
# The application list without what differs by design between instances.
apps_view() {
  printf '%s' "$1" | sed -e 's/"secret":"[^"]*",//g' -e 's/"[a-zA-Z]*Url":"[^"]*",//g' \
    -e 's/"discoveryEndpoint":"[^"]*",//g' -e 's/"tenantId":"[^"]*",//g'
}

# --- the source: 3 applications, 4 roles, application roles ----------------
WEB=$(new_app src web regularwebapp '["read","write","admin.all"]')
ADM=$(new_app src web-admin singlepageapp '["reports.view"]')
API=$(new_app src api regularwebapp '["data.read","data.write"]')
check "source applications created" test -n "$WEB" -a -n "$ADM" -a -n "$API"
R_ADMIN=$(new_role src admin Administrators "[{\"application_id\":\"$WEB\",\"scopes\":[\"read\",\"write\",\"admin.all\"]},{\"application_id\":\"$ADM\",\"scopes\":[\"reports.view\"]},{\"application_id\":\"$API\",\"scopes\":[\"data.read\",\"data.write\"]}]")
R_READER=$(new_role src reader "" "[{\"application_id\":\"$WEB\",\"scopes\":[\"read\"]},{\"application_id\":\"$API\",\"scopes\":[\"data.read\"]}]")
R_REPORTER=$(new_role src reporter Reports "[{\"application_id\":\"$ADM\",\"scopes\":[\"reports.view\"]}]")
R_WRITER=$(new_role src writer "" "[{\"application_id\":\"$WEB\",\"scopes\":[\"write\"]},{\"application_id\":\"$API\",\"scopes\":[]}]")
check "source roles created" test -n "$R_ADMIN" -a -n "$R_READER" -a -n "$R_REPORTER" -a -n "$R_WRITER"
on src PUT "/applications/$API/roles" "{\"roles\":{\"ids\":[\"$R_READER\",\"$R_WRITER\"]}}" >/dev/null
expect_eq "source: api gets reader and writer" "$HTTP_STATUS" 200
on src PUT "/applications/$WEB/roles" "{\"roles\":{\"ids\":[\"$R_ADMIN\"]}}" >/dev/null
expect_eq "source: web gets admin" "$HTTP_STATUS" 200

# --- full migration and field-by-field comparison --------------------------
out=$(run full migrate --from src --to dst 2>"$AMG_TMP/migrate.err"); rc=$?
expect_eq "migrate exits 0" "$rc" 0
snap=$(printf '%s\n' "$out" | sed -n 's/^snapshot: //p')
check "snapshot has applications.json" test -f "$snap/applications.json"
check "snapshot has roles.json" test -f "$snap/roles.json"
check "snapshot has application_roles.json" test -f "$snap/application_roles.json"
src_apps=$(on src GET /applications)
n=0
for s in $(printf '%s' "$src_apps" | grep -o '"secret":"[^"]*"' | sed 's/.*:"//; s/"//'); do
  n=$((n + 1))
  check "client secret $n of 3 is not in the snapshot" sh -c "! grep -rq '$s' '$snap'"
done
expect_eq "the source had 3 secrets to look for" "$n" 3
report=$(report full)
map="$AMG_TMP/idmap.sed"
idmap_sed "$report" >"$map"
check "id map has the 3 applications and 4 roles" test "$(wc -l <"$map")" -eq 7
expect_eq "applications: names, types and mapped clientIds" \
  "$(apps_view "$(on dst GET /applications)")" "$(apps_view "$src_apps" | sed -f "$map")"
for id in $WEB $ADM $API; do
  new=$(printf '%s' "$id" | sed -f "$map")
  check "application $id got a new clientId" test "$new" != "$id"
  expect_eq "scopes of $id" "$(on dst GET "/applications/$new/scopes")" \
    "$(on src GET "/applications/$id/scopes")"
  expect_eq "application roles of $id" "$(on dst GET "/applications/$new/roles")" \
    "$(on src GET "/applications/$id/roles" | sed -f "$map")"
done
expect_eq "roles: names, descriptions, access with mapped clientIds" \
  "$(on dst GET /roles)" "$(on src GET /roles | sed -f "$map")"
new_web=$(printf '%s' "$WEB" | sed -f "$map")
check "the report tells the operator about web's new clientId" \
  grep -q "application 'web': new clientId $new_web (was $WEB)" "$report"
check "the report counts 3 applications created" grep -q '"created": 3' "$report"
check "no secret in the logs" sh -c "! grep -q -e key-src -e key-dst '$AMG_TMP/migrate.err'"

# --- a second import creates and changes nothing -----------------------------
run second import --instance dst --snapshot "$snap" >/dev/null 2>&1; rc=$?
expect_eq "second import exits 0" "$rc" 0
report2=$(report second)
check "second import created nothing" sh -c "! grep -q '\"created\": [1-9]' '$report2'"
check "second import updated nothing" sh -c "! grep -q '\"updated\": [1-9]' '$report2'"
check "second import counted 4 roles unchanged" grep -q '"unchanged": 4' "$report2"
check "second import failed nothing" sh -c "! grep -q '\"failed\": [1-9]' '$report2'"
expect_eq "still 3 applications in the target" \
  "$(on dst GET /applications | grep -o '"clientId"' | wc -l)" 3

# --- --only applications, then --only roles (third has a 'web' already) -----
LEGACY=$(new_app third web regularwebapp '["legacy"]')
run third-apps migrate --from src --to third --only applications >/dev/null 2>&1; rc=$?
expect_eq "migrate --only applications exits 0" "$rc" 0
rep_apps=$(report third-apps)
check "the existing 'web' was matched by name" grep -q "\"$WEB\": \"$LEGACY\"" "$rep_apps"
check "two applications created, one updated" \
  sh -c "grep -q '\"created\": 2' '$rep_apps' && grep -q '\"updated\": 1' '$rep_apps'"
expect_eq "scopes are added, never removed" "$(on third GET "/applications/$LEGACY/scopes")" \
  '{"scopes":["legacy","read","write","admin.all"]}'
expect_eq "--only applications restored no roles" "$(on third GET /roles)" '{"roles":[]}'
run third-roles migrate --from src --to third --only roles >/dev/null 2>&1; rc=$?
expect_eq "migrate --only roles into a target with the applications exits 0" "$rc" 0
rep_roles=$(report third-roles)
idmap_sed "$rep_apps" "$rep_roles" >"$AMG_TMP/third.sed"
expect_eq "--only roles found the applications by name" \
  "$(on third GET /roles)" "$(on src GET /roles | sed -f "$AMG_TMP/third.sed")"
run third-approles migrate --from src --to third --only application_roles >/dev/null 2>&1
rc=$?
expect_eq "migrate --only application_roles exits 0" "$rc" 0
new_api=$(printf '%s' "$API" | sed -f "$AMG_TMP/third.sed")
expect_eq "--only application_roles found applications and roles by name" \
  "$(on third GET "/applications/$new_api/roles")" \
  "$(on src GET "/applications/$API/roles" | sed -f "$AMG_TMP/third.sed")"

# --- --only roles into a target without the applications --------------------
run fourth migrate --from src --to fourth --only roles >/dev/null 2>"$AMG_TMP/fourth.err"
rc=$?
expect_eq "--only roles without the applications exits 1" "$rc" 1
check "the error names the role and the application" \
  grep -q "role 'admin': application 'web' .*does not exist in the target" "$AMG_TMP/fourth.err"
expect_eq "no role was created" "$(on fourth GET /roles)" '{"roles":[]}'

# --- record filter: only applications named web* ----------------------------
run fifth migrate --from src --to fifth --only 'applications:name=web*' >/dev/null 2>&1
rc=$?
expect_eq "migrate --only applications:name=web* exits 0" "$rc" 0
fifth_apps=$(on fifth GET /applications)
expect_eq "only web and web-admin were created" \
  "$(printf '%s' "$fifth_apps" | grep -o '"name":"[^"]*"' | tr '\n' ' ')" \
  '"name":"web" "name":"web-admin" '

# --- validate: one broken snapshot per defect --------------------------------
# tamper NAME FILE SED: copy of the snapshot with FILE edited and the
# manifest's checksum and size made to match, so only the validate hook
# can object. Prints the copy's path.
tamper() {
  local dir="$AMG_TMP/bad-$1" sum size old oldsize
  cp -a "$snap" "$dir"
  sed -i "$3" "$dir/$2"
  sum=$(sha256sum "$dir/$2" | cut -d' ' -f1)
  size=$(stat -c %s "$dir/$2")
  old=$(sha256sum "$snap/$2" | cut -d' ' -f1)
  oldsize=$(stat -c %s "$snap/$2")
  sed -i "s/$old/$sum/; s/\"bytes\": $oldsize,/\"bytes\": $size,/" "$dir/manifest.json"
  printf '%s' "$dir"
}
"$AMG" validate --snapshot "$snap" >/dev/null 2>&1; rc=$?
expect_eq "validate of the good snapshot exits 0" "$rc" 0
bad=$(tamper scope applications.json 's/"admin.all"/"Admin.all"/')
check "tampered file differs" sh -c "! cmp -s '$bad/applications.json' '$snap/applications.json'"
"$AMG" validate --snapshot "$bad" >/dev/null 2>"$AMG_TMP/v1.err"; rc=$?
expect_eq "validate: bad scope name exits 4" "$rc" 4
check "the problem names the scope" grep -q "scope 'Admin.all' may hold only" "$AMG_TMP/v1.err"
bad=$(tamper dup roles.json 's/"name":"writer"/"name":"reader"/')
"$AMG" validate --snapshot "$bad" >/dev/null 2>"$AMG_TMP/v2.err"; rc=$?
expect_eq "validate: duplicate role name exits 4" "$rc" 4
check "the problem names the role" grep -q "role name 'reader' is also used" "$AMG_TMP/v2.err"
bad=$(tamper noname roles.json 's/"application_name":"[^"]*",//')
"$AMG" validate --snapshot "$bad" >/dev/null 2>"$AMG_TMP/v3.err"; rc=$?
expect_eq "validate: missing application_name exits 4" "$rc" 4
check "the problem names the field" \
  grep -q "roles\[0\].access\[0\].*'application_name' is missing" "$AMG_TMP/v3.err"
run fourth-bad import --instance fourth --snapshot "$bad" >/dev/null 2>&1; rc=$?
expect_eq "import of the broken snapshot exits 4" "$rc" 4
expect_eq "and writes nothing" "$(on fourth GET /applications)" '{"applications":[]}'

amg_finish
