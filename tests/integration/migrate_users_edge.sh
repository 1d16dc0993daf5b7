#!/usr/bin/env bash
# Cloud Directory users that are hard to carry, from one appid-sim "region"
# to another, in both identityField modes: unicode names (accents, emoji,
# right-to-left), profile attributes just under App ID's 100 KB, roles with
# non-ASCII names. Exported through the bulk path (export/all) with the
# client's answer cap lowered far below the download, so the download must
# stream; imported into another sim; compared field by field; every user
# signs in with the original password in the target. Dry runs that name
# the users whose roles the target lacks (Cloud Directory users and
# profiles). Page edges: one user and an empty directory with both
# thresholds.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/users_lib.sh"
amg_setup

amg_use_built_plugins
KEY=users-edge-key-0001
export IT_KEY=$KEY
DEPS=applications,roles,idps
# 150 KiB: room for one of these users (the plugin reads the directory's
# size from a one-user page) but not for a page of them (two users hold
# about 100 KB each), nor for the bulk download.
CAP=153600

sim_start ESRC esrc "$KEY" --pbkdf2-iterations 1
sim_start EDST edst "$KEY" --pbkdf2-iterations 1
sim_start USRC usrc "$KEY" --pbkdf2-iterations 1
sim_start UDST udst "$KEY" --pbkdf2-iterations 1
sim_start ONE one "$KEY" --pbkdf2-iterations 1
sim_start EMPTY empty "$KEY"

conf() {  # conf FILE [CD_USERS OPTIONS]
  {
    echo "instances = {"
    for i in esrc edst usrc udst one empty; do
      u=$(eval "echo \$$(echo $i | tr a-z A-Z)_URL")
      echo "  $i = { endpoint = \"$u\"; iam_endpoint = \"$u/identity/token\"; tenant_id = \"$i\";"
      echo "         api_key_env = \"IT_KEY\"; };"
    done
    echo "};"
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
    echo "http = { concurrency = 4; retries = 3; };"
    echo "plugins = { cloud_directory_users = { async_email = \"dr@example.com\"; ${2:-} }; };"
  } > "$1"
}
conf "$AMG_TMP/paged.conf"
conf "$AMG_TMP/bulk.conf" "async_threshold = 1;"

# A string of N bytes: "x" repeated.
filler() { head -c "$1" /dev/zero | tr '\0' x; }

# add_user URL TENANT TOKEN USER_JSON ATTRIBUTES_FILE ROLE_IDS_JSON
add_user() {
  local m="$1/management/v4/$2" id sub
  api POST "$m/cloud_directory/sign_up?shouldCreateProfile=true" "$3" "$4" >/dev/null
  [ "$HTTP_STATUS" = 201 ] || { echo "sign_up: $HTTP_STATUS $HTTP_BODY" >&2; return 1; }
  id=$(jstr id)
  api GET "$m/cloud_directory/$id/userinfo" "$3" >/dev/null
  sub=$(jstr sub)
  api_file PUT "$m/users/$sub/profile" "$3" "$5" >/dev/null
  [ "$HTTP_STATUS" = 200 ] || { echo "profile: $HTTP_STATUS $HTTP_BODY" >&2; return 1; }
  api PUT "$m/users/$sub/roles" "$3" "{\"roles\":{\"ids\":$6}}" >/dev/null
  [ "$HTTP_STATUS" = 200 ] || { echo "roles: $HTTP_STATUS $HTTP_BODY" >&2; return 1; }
}

# The users of one source; the login is the e-mail or the userName.
# Names: accents, CJK, emoji (outside the BMP), Hebrew and Arabic (RTL).
NAMES=("Zoë Ålström" "李 小龙" "Emoji 😀🚀 Person" "שלום עליכם" "مرحبا بالعالم" "Ñandú Çağrı")
PASSWORDS=("Pw-ä-0001" "密码-0002" "Pw-😀-0003" "סיסמה-0004" "Pw-0005" "Pw-ñ-0006")

populate() {  # populate URL TENANT
  local tok m i given family attrs r1 r2 n
  tok=$(iam_token "$1" "$KEY")
  m="$1/management/v4/$2"
  api POST "$m/applications" "$tok" '{"name":"edge-app"}' >/dev/null
  api POST "$m/roles" "$tok" '{"name":"rédacteur ✍","description":"é","access":[]}' >/dev/null
  r1=$(jstr id)
  api POST "$m/roles" "$tok" '{"name":"viewer","access":[]}' >/dev/null
  r2=$(jstr id)
  for i in 0 1 2 3 4 5; do
    given=${NAMES[$i]% *}
    family=${NAMES[$i]#* }
    attrs="$AMG_TMP/attrs-$2-$i.json"
    # Users 0 and 3 carry attributes just under the 100 KB (102,400 bytes
    # of compact JSON) the sim enforces; the others some unicode values.
    case $i in
    0 | 3)
      n=$((102400 - 200))
      printf '{"attributes":{"blob":"%s","note":"ünïcödé 😀 עברית","n":%d}}' \
        "$(filler "$n")" "$i" >"$attrs"
      ;;
    *)
      printf '{"attributes":{"city":"Zürich","greeting":"%s","n":%d,"tags":["α","β"]}}' \
        "${NAMES[$i]}" "$i" >"$attrs"
      ;;
    esac
    case $i in
    0 | 1) roles="[\"$r1\",\"$r2\"]" ;;
    2) roles="[\"$r1\"]" ;;
    *) roles="[]" ;;
    esac
    add_user "$1" "$2" "$tok" \
      "{\"emails\":[{\"value\":\"user$i@edge.example\",\"primary\":true}],\"userName\":\"usér-$i-名\",\"password\":\"${PASSWORDS[$i]}\",\"status\":\"CONFIRMED\",\"displayName\":\"${NAMES[$i]}\",\"name\":{\"givenName\":\"$given\",\"familyName\":\"$family\",\"formatted\":\"${NAMES[$i]}\"}}" \
      "$attrs" "$roles" || return 1
  done
}

# The user attributes the target must have as in the source: every field
# but the ids, times and the re-sealed hash.
normalized() {  # normalized NDJSON
  "$JT" strip "$1" .passwordHash .scimUser.originalId .scimUser.id .scimUser.meta \
    .scimUser.passwordUpdatedTimestamp | sort
}

# round_trip MODE SRC DST: MODE email or userName.
round_trip() {
  local mode=$1 src=$2 dst=$3 su du stok dtok out snap i login client secret want
  su=$(eval "echo \$$(echo "$src" | tr a-z A-Z)_URL")
  du=$(eval "echo \$$(echo "$dst" | tr a-z A-Z)_URL")
  stok=$(iam_token "$su" "$KEY")
  dtok=$(iam_token "$du" "$KEY")
  if [ "$mode" = userName ]; then
    api PUT "$su/management/v4/$src/config/idps/cloud_directory" "$stok" \
      '{"isActive":true,"config":{"selfServiceEnabled":true,"signupEnabled":true,"identityField":"userName","interactions":{"identityConfirmation":{"accessMode":"OFF","methods":["email"]},"welcomeEnabled":false,"resetPasswordEnabled":true,"resetPasswordNotificationEnable":true}}}' >/dev/null
    expect_eq "$mode: source identityField set" "$HTTP_STATUS" 200
  fi
  populate "$su" "$src"
  expect_eq "$mode: source populated" "$?" 0

  # The cap is in force: one page of these users is larger than it.
  APPID_MIGRATE_MAX_RESPONSE_BYTES=$CAP "$AMG" -c "$AMG_TMP/paged.conf" -q export \
    --instance "$src" --only cloud_directory_users >/dev/null 2>"$AMG_TMP/capped-$mode.err"
  check "$mode: the paged export fails under the lowered cap" \
    test "$?" -ne 0
  check "$mode: it says the answer was larger than the cap" \
    grep -q "answer larger than $CAP bytes" "$AMG_TMP/capped-$mode.err"

  # The bulk path streams its download past the cap.
  APPID_MIGRATE_MAX_RESPONSE_BYTES=$CAP "$AMG" -c "$AMG_TMP/bulk.conf" -v -v export \
    --instance "$src" --only "$DEPS,cloud_directory_users" >"$AMG_TMP/bulk-$mode.out" \
    2>"$AMG_TMP/bulk-$mode.err"
  expect_eq "$mode: bulk export under the lowered cap exits 0" "$?" 0
  report=$(sed -n 's/^report: //p' "$AMG_TMP/bulk-$mode.out" "$AMG_TMP/bulk-$mode.err" | head -n 1)
  out=$("$JT" get "$report" .snapshot)
  check "$mode: bulk export wrote a snapshot" test -d "$out"
  [ -n "$out" ] || grep -i -m5 "error" "$AMG_TMP/bulk-$mode.err" | cut -c1-300
  check "$mode: the bulk path was used" grep -q "using the bulk export" "$AMG_TMP/bulk-$mode.err"
  dl=$(sed -n 's/.*bulk export download: \([0-9]*\) bytes.*/\1/p' "$AMG_TMP/bulk-$mode.err")
  check "$mode: the download ($dl bytes) was larger than the cap" test "${dl:-0}" -gt "$CAP"
  expect_eq "$mode: bulk export holds every user" \
    "$(wc -l <"$out/cloud_directory_users.ndjson")" 6
  eval "SNAP_$mode=\$out"
  check "$mode: no temporary file left in the snapshot" \
    sh -c "! ls -A '$out' | grep -q amg-download"

  "$AMG" -c "$AMG_TMP/paged.conf" import --instance "$dst" --snapshot "$out" \
    --only "$DEPS,cloud_directory_users" >/dev/null 2>"$AMG_TMP/import-$mode.err"
  expect_eq "$mode: import exits 0" "$?" 0
  grep -i error "$AMG_TMP/import-$mode.err" | head -5

  # Field by field: export the target (paged path) and compare.
  snap=$("$AMG" -c "$AMG_TMP/paged.conf" -q export --instance "$dst" \
    --only cloud_directory_users 2>"$AMG_TMP/back-$mode.err")
  normalized "$out/cloud_directory_users.ndjson" >"$AMG_TMP/src-$mode.txt"
  normalized "$snap/cloud_directory_users.ndjson" >"$AMG_TMP/dst-$mode.txt"
  check "$mode: target users equal the source's field by field" \
    cmp -s "$AMG_TMP/src-$mode.txt" "$AMG_TMP/dst-$mode.txt"
  cmp -s "$AMG_TMP/src-$mode.txt" "$AMG_TMP/dst-$mode.txt" ||
    diff "$AMG_TMP/src-$mode.txt" "$AMG_TMP/dst-$mode.txt" | cut -c1-300 | head -8
  expect_eq "$mode: both attributes near 100 KB arrived whole" \
    "$(grep -c "\"blob\":\"$(filler $((102400 - 200)))\"" "$AMG_TMP/dst-$mode.txt")" 2
  check "$mode: emoji names arrived" grep -q 'Emoji 😀🚀 Person' "$AMG_TMP/dst-$mode.txt"
  check "$mode: right-to-left names arrived" grep -q 'שלום עליכם' "$AMG_TMP/dst-$mode.txt"
  check "$mode: roles with non-ASCII names arrived" \
    grep -q '"roles":\["rédacteur ✍","viewer"\]' "$AMG_TMP/dst-$mode.txt"
  api GET "$du/management/v4/$dst/config/idps/cloud_directory" "$dtok" >/dev/null
  expect_eq "$mode: target identityField" "$(jstr identityField)" "$mode"

  # Every user signs in with the original password in the target.
  api GET "$du/management/v4/$dst/applications" "$dtok" >/dev/null
  client=$(jstr clientId)
  secret=$(jstr secret)
  for i in 0 1 2 3 4 5; do
    if [ "$mode" = userName ]; then login="usér-$i-名"; else login="user$i@edge.example"; fi
    password_grant "$du" "$dst" "$client" "$secret" "$login" "${PASSWORDS[$i]}"
    expect_eq "$mode: user $i signs in to the target with the old password" "$HTTP_STATUS" 200
  done
  password_grant "$du" "$dst" "$client" "$secret" "$login" "not-the-password"
  expect_eq "$mode: a wrong password is refused" "$HTTP_STATUS" 400
}

round_trip email esrc edst
round_trip userName usrc udst

# ---- dry run: users whose roles are missing in the target ----
# The target "empty" has neither role: without the roles plugin in the
# run, the users that refer to them would be refused.
"$AMG" -c "$AMG_TMP/paged.conf" import --instance empty --snapshot "$SNAP_email" \
  --only cloud_directory_users --dry-run --plan-out "$AMG_TMP/plan1.json" \
  >"$AMG_TMP/plan1.out" 2>"$AMG_TMP/plan1.err"
expect_eq "plan with missing roles exits 1" "$?" 1
expect_eq "plan: 3 users would fail" "$("$JT" get "$AMG_TMP/plan1.json" .totals.fail)" 3
expect_eq "plan: 3 users to create" "$("$JT" get "$AMG_TMP/plan1.json" .totals.create)" 3
expect_eq "plan names the user and both missing roles" \
  "$("$JT" get "$AMG_TMP/plan1.json" '.plugins[0].actions[0].object') | $("$JT" get \
    "$AMG_TMP/plan1.json" '.plugins[0].actions[0].detail')" \
  "user user0@edge.example | roles 'rédacteur ✍', 'viewer' neither in the target nor created by this run: the import would refuse the user"
expect_eq "plan: user 2 misses one role" "$("$JT" get "$AMG_TMP/plan1.json" \
  '.plugins[0].actions[2].detail')" \
  "role 'rédacteur ✍' neither in the target nor created by this run: the import would refuse the user"
check "plan: a user without roles is created" grep -q "create *user user3@edge.example" \
  "$AMG_TMP/plan1.out"
check "plan: the log says which users refer to each missing role" grep -q \
  "role 'viewer' is neither in the target nor created by this run: 2 users refer to it and would fail (user0@edge.example, user1@edge.example)" \
  "$AMG_TMP/plan1.err"
# With the roles plugin in the run, the roles of the snapshot will exist.
"$AMG" -c "$AMG_TMP/paged.conf" import --instance empty --snapshot "$SNAP_email" \
  --only roles,cloud_directory_users --dry-run --plan-out "$AMG_TMP/plan2.json" \
  >"$AMG_TMP/plan2.out" 2>"$AMG_TMP/plan2.err"
expect_eq "plan with the roles in the run exits 0" "$?" 0
expect_eq "plan with the roles in the run: no failure" \
  "$("$JT" get "$AMG_TMP/plan2.json" .totals.fail)" 0
expect_eq "plan with the roles in the run: 2 roles and 6 users to create" \
  "$("$JT" get "$AMG_TMP/plan2.json" .totals.create)" 8
# A role the target already has is not missing.
etok=$(iam_token "$EMPTY_URL" "$KEY")
api POST "$EMPTY_URL/management/v4/empty/roles" "$etok" '{"name":"viewer","access":[]}' >/dev/null
expect_eq "role viewer created in the target" "$HTTP_STATUS" 201
"$AMG" -c "$AMG_TMP/paged.conf" import --instance empty --snapshot "$SNAP_email" \
  --only cloud_directory_users --dry-run --plan-out "$AMG_TMP/plan3.json" \
  >"$AMG_TMP/plan3.out" 2>"$AMG_TMP/plan3.err"
expect_eq "plan with one role in the target: user 0 misses only the other" \
  "$("$JT" get "$AMG_TMP/plan3.json" '.plugins[0].actions[0].detail')" \
  "role 'rédacteur ✍' neither in the target nor created by this run: the import would refuse the user"
check "plan with one role in the target: viewer is not reported" \
  sh -c "! grep -q \"role 'viewer' is neither\" '$AMG_TMP/plan3.err'"
# The same for the profiles of other identity providers.
stok=$(iam_token "$ESRC_URL" "$KEY")
api POST "$ESRC_URL/management/v4/esrc/users" "$stok" \
  '{"idp":"saml","idp-identity":"ünï@corp.example","profile":{"attributes":{"a":1}}}' >/dev/null
expect_eq "a SAML profile pre-registered" "$HTTP_STATUS" 201
pid=$(jstr id)
api GET "$ESRC_URL/management/v4/esrc/roles" "$stok" >/dev/null
rid=$(printf '%s' "$HTTP_BODY" | grep -o '"id":"[^"]*","name":"rédacteur' | cut -d'"' -f4)
api PUT "$ESRC_URL/management/v4/esrc/users/$pid/roles" "$stok" "{\"roles\":{\"ids\":[\"$rid\"]}}" \
  >/dev/null
expect_eq "the profile has role rédacteur" "$HTTP_STATUS" 200
psnap=$("$AMG" -c "$AMG_TMP/paged.conf" -q export --instance esrc --only user_profiles)
"$AMG" -c "$AMG_TMP/paged.conf" import --instance empty --snapshot "$psnap" \
  --only user_profiles --dry-run --plan-out "$AMG_TMP/plan4.json" \
  >"$AMG_TMP/plan4.out" 2>"$AMG_TMP/plan4.err"
expect_eq "profiles plan with a missing role exits 1" "$?" 1
expect_eq "profiles plan names the profile and the role" \
  "$("$JT" get "$AMG_TMP/plan4.json" '.plugins[0].actions[0].object') | $("$JT" get \
    "$AMG_TMP/plan4.json" '.plugins[0].actions[0].detail')" \
  "profile saml:ünï@corp.example | role 'rédacteur ✍' neither in the target nor created by this run: the import would refuse the profile"
check "the dry runs wrote no user" test "$(api GET \
  "$EMPTY_URL/management/v4/empty/cloud_directory/Users" "$etok" | grep -c user0@edge)" -eq 0

# ---- page edges on both paths: one user, and none ----
"$SEED" --url "$ONE_URL" --tenant one --api-key-env IT_KEY --users 1 --seed 3 \
  >"$AMG_TMP/seed-one.log" 2>&1
expect_eq "one user seeded" "$?" 0
# With async_threshold = 1 one user goes through the bulk path; an empty
# directory is below any threshold and is read page by page.
for c in paged bulk; do
  for t in one empty; do
    want=1; [ "$t" = empty ] && want=0
    out=$("$AMG" -c "$AMG_TMP/$c.conf" export --instance $t --only cloud_directory_users \
      2>"$AMG_TMP/edge-$c-$t.err" | tail -n 1)
    expect_eq "$c.conf: export of $want users writes $want records" \
      "$(cat "$out/cloud_directory_users.ndjson" 2>/dev/null | wc -l)" "$want"
  done
done
check "one user through the bulk path" grep -q "using the bulk export" "$AMG_TMP/edge-bulk-one.err"
check "no bulk path for an empty directory" \
  sh -c "! grep -q 'using the bulk export' '$AMG_TMP/edge-bulk-empty.err'"
check "no bulk path with the default threshold" \
  sh -c "! grep -q 'using the bulk export' '$AMG_TMP/edge-paged-one.err'"

amg_finish
