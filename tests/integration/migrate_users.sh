#!/usr/bin/env bash
# Cloud Directory users and user profiles from one appid-sim "region" to
# another: counts, sign-in with the original passwords in the target,
# idempotent re-runs, a wrong encryption secret, page edges, the bulk
# export path, selective restore of one user, and an import killed half
# way and run again.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins
KEY=users-it-key-0001
export IT_KEY=$KEY
N=120
USERS="applications,roles,cloud_directory_users,user_profiles"

sim_start SRC src "$KEY" --pbkdf2-iterations 1
sim_start DST dst "$KEY" --pbkdf2-iterations 1
sim_start ONE one "$KEY" --pbkdf2-iterations 1
sim_start KILL kill "$KEY" --pbkdf2-iterations 1 --latency-ms 100
sim_start E50 e50 "$KEY" --pbkdf2-iterations 1
sim_start E51 e51 "$KEY" --pbkdf2-iterations 1
sim_start EMPTY empty "$KEY"

inst() {  # inst NAME URL TENANT
  echo "  $1 = { endpoint = \"$2\"; iam_endpoint = \"$2/identity/token\"; tenant_id = \"$3\";"
  echo "         api_key_env = \"IT_KEY\"; };"
}
conf() {  # conf FILE [PLUGIN OPTIONS]
  {
    echo "instances = {"
    inst src "$SRC_URL" src
    inst dst "$DST_URL" dst
    inst one "$ONE_URL" one
    inst kill "$KILL_URL" kill
    inst e50 "$E50_URL" e50
    inst e51 "$E51_URL" e51
    inst empty "$EMPTY_URL" empty
    echo "};"
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
    echo "http = { concurrency = 8; retries = 3; };"
    [ -n "${2:-}" ] && echo "plugins = { $2 };"
  } > "$1"
}
conf "$AMG_TMP/c.conf"

seed() {  # seed URL TENANT N SEED
  "$SEED" --url "$1" --tenant "$2" --api-key-env IT_KEY --users "$3" --seed "$4" \
    >"$AMG_TMP/seed-$2.log" 2>&1
}
seed "$SRC_URL" src "$N" 7
expect_eq "source seeded" "$?" 0
seed "$E50_URL" e50 50 8
seed "$E51_URL" e51 51 9
stok=$(iam_token "$SRC_URL" "$KEY")
dtok=$(iam_token "$DST_URL" "$KEY")
# Three profiles of other identity providers, pre-registered.
for i in 1 2 3; do
  api POST "$SRC_URL/management/v4/src/users" "$stok" \
    "{\"idp\":\"saml\",\"idp-identity\":\"saml-user-$i@corp.example\",\"profile\":{\"attributes\":{\"dept\":\"d$i\"}}}" >/dev/null
done
expect_eq "a SAML profile pre-registered" "$HTTP_STATUS" 201

cd_count() {  # cd_count URL TENANT TOKEN
  api GET "$1/management/v4/$2/cloud_directory/Users?startIndex=0&count=1" "$3" >/dev/null
  printf '%s' "$HTTP_BODY" | grep -o '"totalResults":[0-9]*' | grep -o '[0-9]*$'
}
profile_count() {  # profile_count URL TENANT TOKEN
  api GET "$1/management/v4/$2/users/export?startIndex=0&count=1" "$3" >/dev/null
  printf '%s' "$HTTP_BODY" | grep -o '"totalResults":[0-9]*' | grep -o '[0-9]*$'
}

# ---- full migration ----
"$AMG" -c "$AMG_TMP/c.conf" migrate --from src --to dst >"$AMG_TMP/m.out" 2>"$AMG_TMP/m.err"
rc=$?
expect_eq "migrate exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -20 "$AMG_TMP/m.err"
expect_eq "target has every Cloud Directory user" "$(cd_count "$DST_URL" dst "$dtok")" "$N"
expect_eq "target has the other profiles" "$(profile_count "$DST_URL" dst "$dtok")" 3
snap=$(sed -n 's/^snapshot: //p' "$AMG_TMP/m.out")
expect_eq "snapshot counts the users" \
  "$(grep -o '"records": [0-9]*' <(grep -A3 cloud_directory_users.ndjson "$snap/manifest.json") | grep -o '[0-9]*$')" "$N"
check "no secret in logs" sh -c "! grep -q -e '$KEY' -e '$APPID_CD_ENCRYPTION_SECRET' '$AMG_TMP/m.err' '$AMG_TMP/m.out'"
check "the encryption secret is not in the snapshot" \
  sh -c "! grep -rq '$APPID_CD_ENCRYPTION_SECRET' '$snap'"
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-dst-*.json | head -n 1)
check "the id map has every user" test "$(grep -c '"[0-9a-f-]\{36\}": "[0-9a-f-]\{36\}"' "$report")" -ge "$N"
check "count check logged" grep -q "count check: $N users selected in the snapshot, $N found" "$AMG_TMP/m.err"

# ---- verify: equal after the migration, then a missing role and an extra user ----
"$AMG" -c "$AMG_TMP/c.conf" -q verify --instance src --instance dst --only "$USERS" \
  >"$AMG_TMP/v1.out" 2>&1
expect_eq "verify after the migration: equal (exit 0)" "$?" 0
api GET "$DST_URL/management/v4/dst/roles" "$dtok" >/dev/null
viewer=$(printf '%s' "$HTTP_BODY" | grep -o '"id":"[^"]*","name":"seed-viewer"' | cut -d'"' -f4)
check "the target has role seed-viewer" test -n "$viewer"
api DELETE "$DST_URL/management/v4/dst/roles/$viewer" "$dtok" >/dev/null
api POST "$DST_URL/management/v4/dst/cloud_directory/Users" "$dtok" \
  '{"emails":[{"value":"intruder@extra.example","primary":true}],"password":"Intruder-1","userName":"intruder"}' >/dev/null
expect_eq "an extra user created in the target" "$HTTP_STATUS" 201
"$AMG" -c "$AMG_TMP/c.conf" -q verify --instance src --instance dst --only "$USERS" \
  >"$AMG_TMP/v2.out" 2>&1
expect_eq "verify with differences exits 1" "$?" 1
check "verify names the missing role" grep -q "seed-viewer" "$AMG_TMP/v2.out"
check "verify names the extra user" grep -q "extra in dst: .*intruder" "$AMG_TMP/v2.out"
# Put the target back as it was for what follows.
"$AMG" -c "$AMG_TMP/c.conf" -q import --instance dst --snapshot "$(sed -n 's/^snapshot: //p' "$AMG_TMP/m.out")" \
  --only roles >/dev/null 2>&1
api GET "$DST_URL/management/v4/dst/cloud_directory/Users?query=intruder@extra.example" "$dtok" >/dev/null
intruder=$(printf '%s' "$HTTP_BODY" | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4)
api DELETE "$DST_URL/management/v4/dst/cloud_directory/remove/$intruder" "$dtok" >/dev/null

# ---- sign-in in the other region with the original passwords ----
api GET "$DST_URL/management/v4/dst/applications" "$dtok" >/dev/null
client=$(printf '%s' "$HTTP_BODY" | grep -o '"clientId":"[^"]*"' | head -n 1 | cut -d'"' -f4)
secret=$(printf '%s' "$HTTP_BODY" | grep -o '"secret":"[^"]*"' | head -n 1 | cut -d'"' -f4)
check "the target has the migrated application" test -n "$client"
signin() {  # signin INDEX PASSWORD -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' -u "$client:$secret" \
    --data-urlencode grant_type=password \
    --data-urlencode "username=$(printf 'user%06d@seed7.example' "$1")" \
    --data-urlencode "password=$2" "$DST_URL/oauth/v4/dst/token"
}
# Source and target must agree for every user: the seed deactivates some
# users on purpose, and those must stay unable to sign in.
ssecret=$(api GET "$SRC_URL/management/v4/src/applications" "$stok" | grep -o '"secret":"[^"]*"' | head -n 1 | cut -d'"' -f4)
sclient=$(api GET "$SRC_URL/management/v4/src/applications" "$stok" | grep -o '"clientId":"[^"]*"' | head -n 1 | cut -d'"' -f4)
signin_src() {
  curl -s -o /dev/null -w '%{http_code}' -u "$sclient:$ssecret" \
    --data-urlencode grant_type=password \
    --data-urlencode "username=$(printf 'user%06d@seed7.example' "$1")" \
    --data-urlencode "password=$2" "$SRC_URL/oauth/v4/src/token"
}
ok_signins=0
for i in 0 1 2 3 59 118 119; do
  pw=$(printf 'Pw-7-%06d' "$i")
  want=$(signin_src "$i" "$pw")
  [ "$want" = 200 ] && ok_signins=$((ok_signins + 1))
  expect_eq "user $i: sign-in with the old password in the target as in the source" \
    "$(signin "$i" "$pw")" "$want"
done
check "most sampled users can sign in ($ok_signins of 7)" test "$ok_signins" -ge 4
expect_eq "a wrong password is refused" "$(signin 5 wrong-password)" 400

# ---- a second import creates nothing ----
"$AMG" -c "$AMG_TMP/c.conf" import --instance dst --snapshot "$snap" --only "$USERS" \
  >/dev/null 2>"$AMG_TMP/again.err"
expect_eq "second import exits 0" "$?" 0
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-dst-*.json | head -n 1)
expect_eq "second import: nothing created" "$("$JT" get "$report" .totals.created)" 0
expect_eq "second import: every user and profile skipped" \
  "$("$JT" get "$report" .totals.skipped)" $((N + 3))
expect_eq "still exactly the source's users" "$(cd_count "$DST_URL" dst "$dtok")" "$N"

# ---- a wrong encryption secret: clear per-user failures, exit 1 ----
APPID_CD_ENCRYPTION_SECRET=another-secret-entirely "$AMG" -c "$AMG_TMP/c.conf" \
  import --instance one --snapshot "$snap" --only applications,roles,cloud_directory_users \
  >/dev/null 2>"$AMG_TMP/wrong.err"
expect_eq "wrong secret: exit 1" "$?" 1
check "wrong secret: the reason is named" grep -q "cannot decrypt passwordHash" "$AMG_TMP/wrong.err"
check "wrong secret: the count is given" grep -q "$N users: 0 created, 0 skipped.*$N failed" "$AMG_TMP/wrong.err"

# ---- one user back, nothing else ----
otok=$(iam_token "$ONE_URL" "$KEY")
"$AMG" -c "$AMG_TMP/c.conf" import --instance one --snapshot "$snap" \
  --only "applications,roles,cloud_directory_users:email=user000042@seed7.example" >/dev/null 2>&1
expect_eq "selective restore of one user exits 0" "$?" 0
expect_eq "exactly one user restored" "$(cd_count "$ONE_URL" one "$otok")" 1
api GET "$ONE_URL/management/v4/one/cloud_directory/Users?startIndex=0&count=5" "$otok" >/dev/null
check "it is the one asked for" sh -c "printf '%s' '$HTTP_BODY' | grep -q user000042@seed7.example"

# ---- page edges: 0, 50 and 51 users, exported whole ----
for t in empty e50 e51; do
  out=$("$AMG" -c "$AMG_TMP/c.conf" -q export --instance $t --only cloud_directory_users)
  want=${t#e}; [ "$t" = empty ] && want=0
  expect_eq "export of $want users writes $want records" \
    "$(wc -l < "$out/cloud_directory_users.ndjson")" "$want"
done

# ---- the bulk export path (threshold lowered) gives the same users ----
conf "$AMG_TMP/async.conf" "cloud_directory_users = { async_threshold = 100; async_email = \"dr@example.com\"; };"
conf "$AMG_TMP/noemail.conf" "cloud_directory_users = { async_threshold = 100; };"
"$AMG" -c "$AMG_TMP/noemail.conf" -q export --instance src --only cloud_directory_users \
  >/dev/null 2>"$AMG_TMP/noemail.err"
expect_eq "bulk export without a notification address: configuration error" "$?" 2
check "the message names the option" grep -q async_email "$AMG_TMP/noemail.err"
out=$("$AMG" -c "$AMG_TMP/async.conf" export --instance src --only cloud_directory_users \
  2>"$AMG_TMP/async.err" | tail -n 1)
check "bulk export used" grep -q "using the bulk export" "$AMG_TMP/async.err"
expect_eq "bulk export: every user" "$(wc -l < "$out/cloud_directory_users.ndjson")" "$N"
expect_eq "bulk and paged exports hold the same users" \
  "$(sed 's/"passwordHash":"[^"]*"//; s/"lastLogin":"[^"]*",//' "$out/cloud_directory_users.ndjson" | sort | sha256sum)" \
  "$(sed 's/"passwordHash":"[^"]*"//; s/"lastLogin":"[^"]*",//' "$snap/cloud_directory_users.ndjson" | sort | sha256sum)"

# ---- page edges on the bulk path too: 50 and 51 users (0 is below any threshold) ----
conf "$AMG_TMP/bulk1.conf" "cloud_directory_users = { async_threshold = 1; async_email = \"dr@example.com\"; };"
for t in e50 e51; do
  out=$("$AMG" -c "$AMG_TMP/bulk1.conf" export --instance $t --only cloud_directory_users \
    2>"$AMG_TMP/bulk-$t.err" | tail -n 1)
  check "bulk path used for ${t#e} users" grep -q "using the bulk export" "$AMG_TMP/bulk-$t.err"
  expect_eq "bulk export of ${t#e} users writes ${t#e} records" \
    "$(wc -l < "$out/cloud_directory_users.ndjson")" "${t#e}"
done

# ---- an import killed half way, then run again ----
ktok=$(iam_token "$KILL_URL" "$KEY")
# One user a request, so that the import takes long enough to be killed.
conf "$AMG_TMP/slow.conf" "cloud_directory_users = { batch_size = 1; };"
"$AMG" -c "$AMG_TMP/slow.conf" -q import --instance kill --snapshot "$snap" --only "$USERS" \
  >/dev/null 2>&1 &
victim=$!
# The sim answers after 100 ms: wait (bounded) until some users arrived.
for _ in $(seq 1 200); do
  n=$(cd_count "$KILL_URL" kill "$ktok")
  [ "${n:-0}" -gt 0 ] && break
  sleep 0.05
done
kill -9 "$victim" 2>/dev/null
wait "$victim" 2>/dev/null
partial=$(cd_count "$KILL_URL" kill "$ktok")
check "the killed import left part of the users ($partial)" test "$partial" -lt "$N"
"$AMG" -c "$AMG_TMP/c.conf" -q import --instance kill --snapshot "$snap" --only "$USERS" \
  >/dev/null 2>&1
expect_eq "re-run after the kill exits 0" "$?" 0
expect_eq "re-run ends with exactly the source's users" "$(cd_count "$KILL_URL" kill "$ktok")" "$N"

amg_finish
