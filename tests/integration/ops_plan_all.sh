#!/usr/bin/env bash
# Dry runs with every bundled plugin: a source with applications, roles,
# application roles, 120 Cloud Directory users, 3 SAML profiles, MFA
# channels and extensions, templates in three languages and a logo;
# `migrate --dry-run` into an empty target plans every object without one
# write request (counted in the target's -v log); then a real migrate,
# and a dry run again that finds everything unchanged or already there.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins
KEY=plan-all-key-0001
export IT_KEY=$KEY
N=120

sim_start SRC src "$KEY" --pbkdf2-iterations 1 || exit 99
sim_start DST dst "$KEY" --pbkdf2-iterations 1 -v || exit 99
conf="$AMG_TMP/c.conf"
write_conf() {  # write_conf NAME... (sims started as upper-case NAME, tenant NAME)
  local n url
  {
    echo "instances = {"
    for n in "$@"; do
      eval "url=\$$(printf '%s' "$n" | tr a-z A-Z)_URL"
      echo "  $n = { endpoint = \"$url\"; iam_endpoint = \"$url/identity/token\";"
      echo "         tenant_id = \"$n\"; api_key_env = \"IT_KEY\"; };"
    done
    echo "};"
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
    echo "http = { concurrency = 8; retries = 3; };"
  } >"$conf"
}
write_conf src dst

writes_in() {  # writes_in LOGFILE [FROM_LINE]
  tail -n "+${2:-1}" "$1" | grep -cE '(PUT|POST|DELETE|PATCH) /management/'
}
# Counts of one plugin in a plan JSON: plan_count FILE PLUGIN ACTION
plan_count() {
  local i=0 name
  while name=$("$JT" get "$1" ".plugins[$i].plugin" 2>/dev/null); do
    if [ "$name" = "$2" ]; then
      "$JT" get "$1" ".plugins[$i].counts.$3"
      return
    fi
    i=$((i + 1))
  done
  echo "no plugin $2"
}
plan_status() {  # plan_status FILE PLUGIN
  local i=0 name
  while name=$("$JT" get "$1" ".plugins[$i].plugin" 2>/dev/null); do
    if [ "$name" = "$2" ]; then
      "$JT" get "$1" ".plugins[$i].status"
      return
    fi
    i=$((i + 1))
  done
  echo "no plugin $2"
}

# ---- the source ----
"$SEED" --url "$SRC_URL" --tenant src --api-key-env IT_KEY --users "$N" --seed 5 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "source seeded" "$?" 0
stok=$(iam_token "$SRC_URL" "$KEY")
dtok=$(iam_token "$DST_URL" "$KEY")
sbase="$SRC_URL/management/v4/src"
dbase="$DST_URL/management/v4/dst"
CD=config/cloud_directory

# A second application with its own scope, a role granting it, and
# roles given to both applications (client-credentials flow).
api POST "$sbase/applications" "$stok" '{"name":"batch-jobs","type":"regularwebapp"}' >/dev/null
batch=$(printf '%s' "$HTTP_BODY" | grep -o '"clientId":"[^"]*"' | cut -d'"' -f4)
api PUT "$sbase/applications/$batch/scopes" "$stok" '{"scopes":["jobs.run"]}' >/dev/null
expect_eq "batch-jobs scopes set" "$HTTP_STATUS" 200
api POST "$sbase/roles" "$stok" \
  "{\"name\":\"job-runner\",\"description\":\"Runs jobs\",\"access\":[{\"application_id\":\"$batch\",\"scopes\":[\"jobs.run\"]}]}" >/dev/null
expect_eq "job-runner role created" "$HTTP_STATUS" 201
runner=$(printf '%s' "$HTTP_BODY" | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4)
api GET "$sbase/roles" "$stok" >/dev/null
viewer=$(printf '%s' "$HTTP_BODY" | grep -o '"id":"[^"]*","name":"seed-viewer"' | cut -d'"' -f4)
[ -n "$viewer" ] || viewer=$(printf '%s' "$HTTP_BODY" | sed 's/},{/}\n{/g' | grep '"seed-viewer"' |
  grep -o '"id":"[^"]*"' | cut -d'"' -f4)
check "the seed made role seed-viewer" test -n "$viewer"
api GET "$sbase/applications" "$stok" >/dev/null
web=$(printf '%s' "$HTTP_BODY" | sed 's/},{/}\n{/g' | grep '"seed-demo-web"' |
  grep -o '"clientId":"[^"]*"' | cut -d'"' -f4)
api PUT "$sbase/applications/$batch/roles" "$stok" "{\"roles\":{\"ids\":[\"$runner\",\"$viewer\"]}}" >/dev/null
expect_eq "batch-jobs given two roles" "$HTTP_STATUS" 200
api PUT "$sbase/applications/$web/roles" "$stok" "{\"roles\":{\"ids\":[\"$viewer\"]}}" >/dev/null
expect_eq "seed-demo-web given a role" "$HTTP_STATUS" 200
for i in 1 2 3; do
  api POST "$sbase/users" "$stok" \
    "{\"idp\":\"saml\",\"idp-identity\":\"saml-user-$i@corp.example\",\"profile\":{\"attributes\":{\"dept\":\"d$i\"}}}" >/dev/null
done
expect_eq "SAML profiles pre-registered" "$HTTP_STATUS" 201
api PUT "$sbase/$CD/mfa/channels/nexmo" "$stok" \
  '{"isActive":true,"config":{"provider":"nexmo","from":"+12223334444","key":"nx-key","secret":"nexmo-secret-123"}}' >/dev/null
expect_eq "nexmo channel active" "$HTTP_STATUS" 200
api PUT "$sbase/$CD/mfa/extensions/premfa" "$stok" \
  '{"isActive":true,"config":{"url":"https://ext.example/pre"}}' >/dev/null
expect_eq "premfa extension set" "$HTTP_STATUS" 200
api PUT "$sbase/$CD/templates/WELCOME/de" "$stok" \
  '{"subject":"Willkommen","html_body":"<p>Hallo</p>"}' >/dev/null
expect_eq "a German template" "$HTTP_STATUS" 200
printf '\211PNG\r\n\032\n\000\000\000\rIHDR--plan-all-logo\r\n' >"$AMG_TMP/logo.png"
printf 'Authorization: Bearer %s\n' "$stok" >"$AMG_TMP/src.hdr"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "@$AMG_TMP/src.hdr" \
  -F "file=@$AMG_TMP/logo.png;type=image/png" "$sbase/config/ui/media?mediaType=logo")
expect_eq "source logo uploaded" "$status" 204

# ---- dry run into an empty target ----
"$AMG" -c "$conf" migrate --from src --to dst --dry-run --plan-out "$AMG_TMP/plan1.json" \
  >"$AMG_TMP/plan1.out" 2>"$AMG_TMP/plan1.err"; rc=$?
expect_eq "migrate --dry-run into an empty target exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/plan1.err"
expect_eq "the dry run sent no write request" "$(writes_in "$AMG_TMP/DST.err")" 0
check "plan JSON matches docs/plan.schema.json" "$JT" schema \
  "$top_srcdir/docs/plan.schema.json" "$AMG_TMP/plan1.json"
check "nothing refused: every plugin plans" \
  sh -c "! grep -q 'dry run: refused' '$AMG_TMP/plan1.err'"
for p in applications roles application_roles cloud_directory_users user_profiles themes \
         idps mfa cloud_directory_settings instance_settings tokens redirect_uris; do
  expect_eq "$p: planned" "$(plan_status "$AMG_TMP/plan1.json" "$p")" planned
done
expect_eq "plan: no failure" "$("$JT" get "$AMG_TMP/plan1.json" .totals.fail)" 0
expect_eq "applications: 2 to create" "$(plan_count "$AMG_TMP/plan1.json" applications create)" 2
expect_eq "roles: 4 to create" "$(plan_count "$AMG_TMP/plan1.json" roles create)" 4
expect_eq "application roles: 2 to create (their applications are new)" \
  "$(plan_count "$AMG_TMP/plan1.json" application_roles create)" 2
expect_eq "users: $N to create" \
  "$(plan_count "$AMG_TMP/plan1.json" cloud_directory_users create)" "$N"
expect_eq "users: none to skip" "$(plan_count "$AMG_TMP/plan1.json" cloud_directory_users skip)" 0
expect_eq "profiles: 3 to create" "$(plan_count "$AMG_TMP/plan1.json" user_profiles create)" 3
out=$(cat "$AMG_TMP/plan1.out")
expect_contains "plan: an application with its scopes" "$out" \
  "create     application batch-jobs (new clientId and secret; scopes: jobs.run)"
expect_contains "plan: a role and the applications it names" "$out" \
  "create     role job-runner (access to: batch-jobs)"
expect_contains "plan: roles given to an application created by this import" "$out" \
  "create     roles of application batch-jobs (roles to add: job-runner, seed-viewer)"
# Users are listed in the snapshot's order, which is the source's.
expect_contains "plan: users by e-mail" "$out" "create     user user0000"
expect_eq "plan: the first 100 users are listed" \
  "$(grep -c '^  create     user user[0-9]*@seed5.example$' "$AMG_TMP/plan1.out")" 100
expect_contains "plan: the users not listed are counted" "$out" \
  "  ... and 20 more not listed: 20 create"
check "the plugin logs its summary" grep -q \
  "\.\.\. and 20 more users: 20 to create, 0 already in the target" "$AMG_TMP/plan1.err"
expect_contains "plan: a SAML profile" "$out" \
  "create     profile saml:saml-user-1@corp.example"
expect_contains "plan: a template in a language the target lacks" "$out" \
  "create     template WELCOME/de (language de is added first by this import; unchanged"
expect_contains "plan: the logo" "$out" "update     logo (upload"
# The target's email channel is active; the import switches nexmo on,
# which switches email off: both channels change, each once.
expect_contains "plan: MFA channel email" "$out" \
  "update     MFA channel email (at App ID's default; fields: isActive"
expect_contains "plan: MFA channel nexmo" "$out" \
  "update     MFA channel nexmo (at App ID's default; fields: "
expect_contains "plan: MFA extension" "$out" \
  "update     MFA extension premfa (at App ID's default; fields: "
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-dst-*.json | head -n 1)
expect_eq "dry run report: dry_run" "$("$JT" get "$report" .dry_run)" true
expect_eq "dry run report: users counted as created" \
  "$("$JT" get "$report" .totals.created)" "$("$JT" get "$AMG_TMP/plan1.json" .totals.create)"
check "dry run report: placeholder ids for what the plan creates" grep -q '"(planned) ' "$report"
expect_eq "target still has no application" "$(api GET "$dbase/applications" "$dtok")" \
  '{"applications":[]}'

# ---- the real migration, then a dry run again ----
"$AMG" -c "$conf" migrate --from src --to dst >"$AMG_TMP/m.out" 2>"$AMG_TMP/m.err"; rc=$?
expect_eq "migrate exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/m.err"
check "the migration wrote to the target" test "$(writes_in "$AMG_TMP/DST.err")" -gt 10
check "users export reports its progress" grep -q \
  "\[export cloud_directory_users\] done in .* ($N/$N)" "$AMG_TMP/m.err"
check "users import reports its progress" grep -q \
  "\[import cloud_directory_users\] done in .* ($N/$N)" "$AMG_TMP/m.err"
check "profiles import reports its progress" grep -q \
  "\[import user_profiles\] done in .* (3/3)" "$AMG_TMP/m.err"
from=$(($(wc -l <"$AMG_TMP/DST.err") + 1))
"$AMG" -c "$conf" migrate --from src --to dst --dry-run --plan-out "$AMG_TMP/plan2.json" \
  >"$AMG_TMP/plan2.out" 2>"$AMG_TMP/plan2.err"; rc=$?
expect_eq "second dry run exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/plan2.err"
expect_eq "the second dry run sent no write request" "$(writes_in "$AMG_TMP/DST.err" "$from")" 0
check "the second dry run read the target's users" grep -q \
  "GET /management/v4/dst/cloud_directory/Users" "$AMG_TMP/DST.err"
expect_eq "after the migration: nothing to create" \
  "$("$JT" get "$AMG_TMP/plan2.json" .totals.create)" 0
expect_eq "after the migration: nothing to update" \
  "$("$JT" get "$AMG_TMP/plan2.json" .totals.update)" 0
expect_eq "after the migration: nothing failing" "$("$JT" get "$AMG_TMP/plan2.json" .totals.fail)" 0
expect_eq "users: all $N already there" \
  "$(plan_count "$AMG_TMP/plan2.json" cloud_directory_users skip)" "$N"
expect_eq "profiles: all 3 already there" "$(plan_count "$AMG_TMP/plan2.json" user_profiles skip)" 3
expect_eq "applications unchanged" "$(plan_count "$AMG_TMP/plan2.json" applications unchanged)" 2
expect_eq "roles unchanged" "$(plan_count "$AMG_TMP/plan2.json" roles unchanged)" 4
expect_eq "application roles unchanged" \
  "$(plan_count "$AMG_TMP/plan2.json" application_roles unchanged)" 2
out=$(cat "$AMG_TMP/plan2.out")
skip_line='^  skip       user user[0-9]*@seed5.example (already in the target (same e-mail)'
expect_eq "plan: 100 users listed as already there" \
  "$(grep -c "$skip_line: the import skips it)\$" "$AMG_TMP/plan2.out")" 100
expect_contains "plan: the logo is unchanged" "$out" "unchanged  logo"
expect_contains "plan: the users not listed" "$out" "  ... and 20 more not listed: 20 skip"

# ---- a target that has part of it: the plan predicts the import ----
sim_start PART part "$KEY" --pbkdf2-iterations 1 -v || exit 99
write_conf src dst part
ptok=$(iam_token "$PART_URL" "$KEY")
pbase="$PART_URL/management/v4/part"
api POST "$pbase/applications" "$ptok" '{"name":"seed-demo-web","type":"regularwebapp"}' >/dev/null
pweb=$(printf '%s' "$HTTP_BODY" | grep -o '"clientId":"[^"]*"' | cut -d'"' -f4)
api PUT "$pbase/applications/$pweb/scopes" "$ptok" '{"scopes":["orders.read"]}' >/dev/null
api POST "$pbase/roles" "$ptok" \
  "{\"name\":\"seed-viewer\",\"description\":\"old text\",\"access\":[{\"application_id\":\"$pweb\",\"scopes\":[\"orders.read\"]}]}" >/dev/null
expect_eq "part: a role of the same name" "$HTTP_STATUS" 201
# E-mail addresses are unique without regard to case.
api POST "$pbase/cloud_directory/Users" "$ptok" \
  '{"emails":[{"value":"USER000003@Seed5.example","primary":true}],"password":"Part-pw-1"}' >/dev/null
expect_eq "part: one of the users exists" "$HTTP_STATUS" 201
api POST "$pbase/users" "$ptok" \
  '{"idp":"saml","idp-identity":"saml-user-2@corp.example","profile":{"attributes":{}}}' >/dev/null
expect_eq "part: one of the profiles exists" "$HTTP_STATUS" 201
snap=$(ls -d "$AMG_TMP"/snapshots/src-* | tail -n 1)
from=$(($(wc -l <"$AMG_TMP/PART.err") + 1))
"$AMG" -c "$conf" import --instance part --snapshot "$snap" --dry-run \
  --plan-out "$AMG_TMP/plan3.json" >"$AMG_TMP/plan3.out" 2>"$AMG_TMP/plan3.err"; rc=$?
expect_eq "dry run into a partial target exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/plan3.err"
expect_eq "no write request to the partial target" "$(writes_in "$AMG_TMP/PART.err" "$from")" 0
out=$(cat "$AMG_TMP/plan3.out")
expect_contains "plan: the scope the target lacks" "$out" \
  "update     application seed-demo-web (scopes to add: orders.write)"
expect_contains "plan: the role whose description differs" "$out" \
  "update     role seed-viewer (fields: description)"
expect_contains "plan: the role that references an application created by this import" "$out" \
  "create     role job-runner (access to: batch-jobs)"
expect_contains "plan: the user already there" "$out" \
  "skip       user user000003@seed5.example (already in the target (same e-mail)"
expect_contains "plan: the profile already there" "$out" \
  "skip       profile saml:saml-user-2@corp.example (already in the target (same identity)"
"$AMG" -c "$conf" -q import --instance part --snapshot "$snap" >"$AMG_TMP/i3.out" \
  2>"$AMG_TMP/i3.err"; rc=$?
expect_eq "import into the partial target exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/i3.err"
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-part-*.json | head -n 1)
# The report's plugins in run order: counts as the plan predicted them.
i=0
while p=$("$JT" get "$report" ".plugins[$i].plugin" 2>/dev/null); do
  case $p in
  applications|roles|application_roles|cloud_directory_users|user_profiles)
    for a in create:created update:updated unchanged:unchanged skip:skipped fail:failed; do
      expect_eq "$p: the import did what the plan said (${a#*:})" \
        "$("$JT" get "$report" ".plugins[$i].counts.${a#*:}")" \
        "$(plan_count "$AMG_TMP/plan3.json" "$p" "${a%%:*}")"
    done ;;
  esac
  i=$((i + 1))
done
expect_eq "part: users created as planned" "$(plan_count "$AMG_TMP/plan3.json" \
  cloud_directory_users create)" $((N - 1))

# ---- a plan needs what the import needs: the encryption secret ----
APPID_CD_ENCRYPTION_SECRET= "$AMG" -c "$conf" import --instance part --snapshot "$snap" \
  --dry-run --only cloud_directory_users --plan-out "$AMG_TMP/plan4.json" \
  >"$AMG_TMP/plan4.out" 2>"$AMG_TMP/plan4.err"; rc=$?
# Checked before the first request, as for the import itself.
expect_eq "a plan without the secret exits 2" "$rc" 2
check "the missing secret is named" grep -q \
  "cloud_directory.encryption_secret_env: environment variable APPID_CD_ENCRYPTION_SECRET is not set" \
  "$AMG_TMP/plan4.err"

# ---- per-user failures: every one in the report, the first ten logged ----
sim_start WRONG wrong "$KEY" --pbkdf2-iterations 1 || exit 99
write_conf src dst part wrong
APPID_CD_ENCRYPTION_SECRET=another-secret-entirely "$AMG" -c "$conf" import --instance wrong \
  --snapshot "$snap" --only applications,roles,cloud_directory_users \
  >"$AMG_TMP/wrong.out" 2>"$AMG_TMP/wrong.err"; rc=$?
expect_eq "wrong secret: exit 1" "$rc" 1
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-wrong-*.json | head -n 1)
expect_eq "wrong secret: every user failed" "$("$JT" get "$report" .totals.failed)" "$N"
i=0
while p=$("$JT" get "$report" ".plugins[$i].plugin" 2>/dev/null); do
  [ "$p" = cloud_directory_users ] && break
  i=$((i + 1))
done
expect_eq "wrong secret: the report lists each user" \
  "$("$JT" len "$report" ".plugins[$i].failures")" "$N"
expect_eq "wrong secret: a failure names the user" \
  "$("$JT" get "$report" ".plugins[$i].failures[0].object" | grep -c '^user user[0-9]*@seed5')" 1
expect_contains "wrong secret: and the reason" \
  "$("$JT" get "$report" ".plugins[$i].failures[0].reason")" "not imported: cannot decrypt"
expect_eq "wrong secret: ten users logged one by one" "$(grep -c \
  '\[cloud_directory_users\] user user[0-9]*@seed5.example: not imported' "$AMG_TMP/wrong.err")" 10
expect_eq "wrong secret: then one line for the rest" "$(grep -c \
  '\[cloud_directory_users\] more failures: not logged one by one' "$AMG_TMP/wrong.err")" 1
check "wrong secret: the count per reason" grep -q "$N users failed: .*decrypt" "$AMG_TMP/wrong.err"

amg_finish
