#!/usr/bin/env bash
# Creates whose answer is lost are not duplicated: applications, roles,
# application roles and Cloud Directory users migrate into a target that
# processes a share of the requests in full and then drops the connection
# (--drop-after-rate). The migration must succeed and the target must hold
# each application and role name once and each user e-mail once, exactly
# the source's.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/users_lib.sh"
amg_setup

amg_use_built_plugins
KEY=drop-after-key-0001
export IT_KEY=$KEY
N=300

check "source starts" sim_start SRC src "$KEY" --pbkdf2-iterations 1
check "target starts with --drop-after-rate 0.25" sim_start DST dst "$KEY" \
  --pbkdf2-iterations 1 --drop-after-rate 0.25 --seed 11 -v --state "$AMG_TMP/dst.json"
stok=$(iam_token "$SRC_URL" "$KEY")
sbase="$SRC_URL/management/v4/src"
"$SEED" --url "$SRC_URL" --tenant src --api-key-env IT_KEY --users "$N" --seed 5 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "source seeded with $N users" "$?" 0

field() { printf '%s' "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p"; }
apps=
for i in 1 2 3 4 5 6 7 8; do
  api POST "$sbase/applications" "$stok" "{\"name\":\"app-$i\",\"type\":\"regularwebapp\"}" \
    >/dev/null
  id=$(field "$HTTP_BODY" clientId)
  api PUT "$sbase/applications/$id/scopes" "$stok" "{\"scopes\":[\"s$i.read\",\"s$i.write\"]}" \
    >/dev/null
  apps="$apps $id"
done
# appid-sim-seed made one application (seed-demo-web) and three roles.
expect_eq "9 source applications" "$(api GET "$sbase/applications" "$stok" |
  grep -o '"clientId"' | wc -l)" 9
set -- $apps
for i in 1 2 3 4 5 6 7 8; do
  eval "app=\${$i}"
  api POST "$sbase/roles" "$stok" \
    "{\"name\":\"role-$i\",\"access\":[{\"application_id\":\"$app\",\"scopes\":[\"s$i.read\"]}]}" \
    >/dev/null
done
expect_eq "the last source role was created" "$HTTP_STATUS" 201

cat >"$AMG_TMP/c.conf" <<CONF
instances = {
  src = { endpoint = "$SRC_URL"; iam_endpoint = "$SRC_URL/identity/token";
          tenant_id = "src"; api_key_env = "IT_KEY"; };
  dst = { endpoint = "$DST_URL"; iam_endpoint = "$DST_URL/identity/token";
          tenant_id = "dst"; api_key_env = "IT_KEY"; };
};
snapshot_dir = "$AMG_TMP/snapshots";
http = { concurrency = 4; retries = 8; };
CONF
"$AMG" -c "$AMG_TMP/c.conf" migrate --from src --to dst \
  --only applications,roles,application_roles,cloud_directory_users \
  >"$AMG_TMP/m.out" 2>"$AMG_TMP/m.err"
rc=$?
expect_eq "migrate into the dropping target exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -20 "$AMG_TMP/m.err"
check "target stops" sim_stop DST
lost=$(grep -c 'then connection dropped' "$AMG_TMP/DST.err")
created_lost=$(grep -c 'POST /management/v4/dst/[a-z_/A-Z]* -> 20[01], then connection dropped' \
  "$AMG_TMP/DST.err")
check "answers were lost ($lost), creates among them ($created_lost)" \
  test "$lost" -gt 10 -a "$created_lost" -gt 0
grep 'then connection dropped' "$AMG_TMP/DST.err" | sed 's/.*: //' | sort | uniq -c \
  >"$AMG_TMP/lost.txt"
check "an application create lost its answer" \
  grep -q 'POST /management/v4/dst/applications -> 200, then' "$AMG_TMP/lost.txt"
check "a role create lost its answer" \
  grep -q 'POST /management/v4/dst/roles -> 201, then' "$AMG_TMP/lost.txt"

check "an import of users lost its answer" \
  grep -q 'POST /management/v4/dst/cloud_directory/import -> [0-9]*, then' "$AMG_TMP/lost.txt"

# Read the target back without faults.
check "target restarts without faults" sim_start DST dst "$KEY" --state "$AMG_TMP/dst.json"
dtok=$(iam_token "$DST_URL" "$KEY")
dbase="$DST_URL/management/v4/dst"
names() {  # names BASE TOKEN COLLECTION: sorted "name" values of a list
  api GET "$1/$3" "$2" | grep -o '"name":"[^"]*"' | sort
}
for c in applications roles; do
  expect_eq "target $c: each source name once" "$(names "$dbase" "$dtok" "$c" | tr '\n' ' ')" \
    "$(names "$sbase" "$stok" "$c" | tr '\n' ' ')"
done
emails "$sbase" "$stok" >"$AMG_TMP/src.emails"
emails "$dbase" "$dtok" >"$AMG_TMP/dst.emails"
expect_eq "the source has $N users" "$(wc -l <"$AMG_TMP/src.emails")" "$N"
expect_eq "target users: no e-mail twice" "$(uniq -d "$AMG_TMP/dst.emails")" ""
expect_eq "target users: exactly the source's e-mails" \
  "$(cmp "$AMG_TMP/src.emails" "$AMG_TMP/dst.emails" && echo same)" same
src_apps=$(api GET "$sbase/applications" "$stok")
for i in 1 2 3 4 5 6 7 8; do
  sid=$(printf '%s' "$src_apps" | grep -o "\"clientId\":\"[^\"]*\",[^}]*\"name\":\"app-$i\"" |
    sed 's/"clientId":"\([^"]*\)".*/\1/')
  did=$(api GET "$dbase/applications" "$dtok" |
    grep -o "\"clientId\":\"[^\"]*\",[^}]*\"name\":\"app-$i\"" | sed 's/"clientId":"\([^"]*\)".*/\1/')
  check "app-$i is in the target once" test "$(printf '%s\n' "$did" | grep -c .)" -eq 1
  expect_eq "app-$i scopes" "$(api GET "$dbase/applications/$did/scopes" "$dtok" | cut -c1-200)" \
    "$(api GET "$sbase/applications/$sid/scopes" "$stok")"
done
check "target stops again" sim_stop DST

amg_finish
