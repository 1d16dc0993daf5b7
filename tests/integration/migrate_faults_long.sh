#!/usr/bin/env bash
# The long fault run: 10,000 Cloud Directory users, applications, roles and
# a non-default value for every configuration endpoint migrate between two
# sims that fail 10 % of the requests (5xx), drop 5 % before and 5 % after
# processing them, enforce the 50 requests/s limit (its block shortened to
# 1 s) and issue IAM tokens that live 15 s (appid-migrate renews a token
# 10 s before it expires, so each is used for 5 s) and must be refreshed
# several times during the run. The target must then hold exactly the source's
# records: users by e-mail (none missing, none twice), applications and
# roles by name, every configuration document. A second part gives the
# client too few retries against a sim failing half of its requests: the
# run must exit non-zero and name what was not done.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/users_lib.sh"
. "$top_srcdir/tests/integration/config_lib.sh"
amg_setup

amg_use_built_plugins
export SRC_KEY=long-src-key-0001 DST_KEY=long-dst-key-0002
N=10000
SRC_STATE="$AMG_TMP/src.json"
DST_STATE="$AMG_TMP/dst.json"
FAULTS="--fail-rate 0.1 --drop-rate 0.05 --drop-after-rate 0.05 --rate-limit 50
--block-seconds 1 --token-ttl 15 --pbkdf2-iterations 1 -v"
t_start=$(date +%s)

# --- the source, built on a reliable sim -------------------------------------
check "clean source starts" sim_start SRC tenant-src "$SRC_KEY" --pbkdf2-iterations 1 \
  --state "$SRC_STATE"
sbase="$SRC_URL/management/v4/tenant-src"
stok=$(iam_token "$SRC_URL" "$SRC_KEY")
t0=$(date +%s)
"$SEED" --url "$SRC_URL" --tenant tenant-src --api-key-env SRC_KEY --users "$N" --seed 21 \
  --parallel 16 >"$AMG_TMP/seed.log" 2>&1
expect_eq "$N users seeded" "$?" 0
echo "# seeding $N users took $(($(date +%s) - t0)) s: $(tail -n 1 "$AMG_TMP/seed.log")"
config_source "$sbase" "$stok"
for i in 1 2 3 4 5; do
  api POST "$sbase/applications" "$stok" "{\"name\":\"long-app-$i\",\"type\":\"regularwebapp\"}" \
    >/dev/null
  api POST "$sbase/roles" "$stok" "{\"name\":\"long-role-$i\",\"access\":[]}" >/dev/null
done
expect_eq "the last source role was created" "$HTTP_STATUS" 201
check "clean source stops" sim_stop SRC

# --- the faulty run ---------------------------------------------------------
# shellcheck disable=SC2086 # FAULTS is a list of options
check "faulty source starts" sim_start SRC tenant-src "$SRC_KEY" --state "$SRC_STATE" \
  --seed 101 $FAULTS
# shellcheck disable=SC2086
check "faulty target starts" sim_start DST tenant-dst "$DST_KEY" --state "$DST_STATE" \
  --seed 202 $FAULTS
cat >"$AMG_TMP/test.conf" <<CONF
instances = {
  src = { endpoint = "$SRC_URL"; iam_endpoint = "$SRC_URL/identity/token";
          tenant_id = "tenant-src"; api_key_env = "SRC_KEY"; };
  dst = { endpoint = "$DST_URL"; iam_endpoint = "$DST_URL/identity/token";
          tenant_id = "tenant-dst"; api_key_env = "DST_KEY"; };
};
snapshot_dir = "$AMG_TMP/snapshots";
# Above the sims' 50/s on purpose, so that they throttle (429 + block).
http = { retries = 10; concurrency = 16; max_requests_per_second = 120; };
CONF
t0=$(date +%s)
"$AMG" -c "$AMG_TMP/test.conf" migrate --from src --to dst >"$AMG_TMP/migrate.out" \
  2>"$AMG_TMP/migrate.err"
rc=$?
echo "# the faulty migration took $(($(date +%s) - t0)) s"
expect_eq "migrate through faults, throttling and token expiry exits 0" "$rc" 0
[ "$rc" -eq 0 ] && true || grep -e error -e warning "$AMG_TMP/migrate.err" | head -20
check "faulty source stops" sim_stop SRC
check "faulty target stops" sim_stop DST

count_log() {  # count_log FILE PATTERN
  grep -c -e "$2" "$1"
}
for s in SRC DST; do
  grants=$(count_log "$AMG_TMP/$s.err" 'POST /identity/token -> 200')
  check "$s: IAM issued more than one token ($grants): the 15 s token was refreshed" \
    test "$grants" -gt 1
  fails=$(count_log "$AMG_TMP/$s.err" '-> 50[023]$')
  drops=$(count_log "$AMG_TMP/$s.err" 'connection dropped (--drop-rate)')
  after=$(count_log "$AMG_TMP/$s.err" 'then connection dropped (--drop-after-rate)')
  check "$s: the faults happened ($fails 5xx, $drops drops, $after drops after)" \
    test "$fails" -gt 0 -a "$drops" -gt 0 -a "$after" -gt 0
done
unauth=$(count_log "$AMG_TMP/DST.err" '-> 401$')
throttled=$(($(count_log "$AMG_TMP/SRC.err" '-> 429$') + $(count_log "$AMG_TMP/DST.err" '-> 429$')))
echo "# target answered 401 $unauth times; the sims answered 429 $throttled times"
check "the sims' rate limit throttled the run ($throttled answers 429)" test "$throttled" -gt 0

# --- compare through the API, on reliable sims ------------------------------
check "clean source restarts" sim_start SRC tenant-src "$SRC_KEY" --state "$SRC_STATE"
check "clean target restarts" sim_start DST tenant-dst "$DST_KEY" --state "$DST_STATE"
sbase="$SRC_URL/management/v4/tenant-src"
dbase="$DST_URL/management/v4/tenant-dst"
stok=$(iam_token "$SRC_URL" "$SRC_KEY")
dtok=$(iam_token "$DST_URL" "$DST_KEY")

emails "$sbase" "$stok" >"$AMG_TMP/src.emails"
emails "$dbase" "$dtok" >"$AMG_TMP/dst.emails"
expect_eq "the source has $N users" "$(wc -l <"$AMG_TMP/src.emails")" "$N"
expect_eq "target users: no e-mail twice" "$(uniq -d "$AMG_TMP/dst.emails" | head -n 5)" ""
expect_eq "target users: none missing" \
  "$(comm -23 "$AMG_TMP/src.emails" "$AMG_TMP/dst.emails" | head -n 5)" ""
expect_eq "target users: none extra" \
  "$(comm -13 "$AMG_TMP/src.emails" "$AMG_TMP/dst.emails" | head -n 5)" ""
names() {  # names BASE TOKEN COLLECTION: sorted names, space-separated
  api GET "$1/$3" "$2" | grep -o '"name":"[^"]*"' | sort | tr '\n' ' '
}
for c in applications roles; do
  expect_eq "target $c: each source name once" "$(names "$dbase" "$dtok" "$c")" \
    "$(names "$sbase" "$stok" "$c")"
done
for p in $CONFIG_PATHS; do
  expect_eq "target $p equals the source" "$(config_get "$dbase" "$dtok" "$p")" \
    "$(config_get "$sbase" "$stok" "$p")"
done
check "clean source stops" sim_stop SRC
check "clean target stops" sim_stop DST

# --- too few retries: the run must fail and say what was not done ------------
check "very faulty source starts" sim_start SRC tenant-src "$SRC_KEY" --state "$SRC_STATE" \
  --fail-rate 0.6 --seed 5
cat >"$AMG_TMP/fail.conf" <<CONF
instances = {
  src = { endpoint = "$SRC_URL"; iam_endpoint = "$SRC_URL/identity/token";
          tenant_id = "tenant-src"; api_key_env = "SRC_KEY"; };
};
snapshot_dir = "$AMG_TMP/snapshots-fail";
http = { retries = 1; };
CONF
"$AMG" -c "$AMG_TMP/fail.conf" export --instance src >"$AMG_TMP/fail.out" 2>"$AMG_TMP/fail.err"
rc=$?
check "export that runs out of retries exits non-zero (rc $rc)" test "$rc" -ge 1 -a "$rc" -lt 128
check "it says a request was given up" grep -q -e 'after 2 attempts' "$AMG_TMP/fail.err"
check "it names the plugin that was not exported" \
  grep -q -e 'error: [a-z_]*: export failed' "$AMG_TMP/fail.err"
check "no finished snapshot" \
  test -z "$(find "$AMG_TMP/snapshots-fail" -name manifest.json 2>/dev/null)"
check "very faulty source stops" sim_stop SRC
snap=$(sed -n 's/^snapshot: //p' "$AMG_TMP/migrate.out")
check "very faulty target starts" sim_start BAD tenant-bad "$DST_KEY" --fail-rate 0.6 --seed 6
cat >"$AMG_TMP/fail-import.conf" <<CONF
instances = {
  bad = { endpoint = "$BAD_URL"; iam_endpoint = "$BAD_URL/identity/token";
          tenant_id = "tenant-bad"; api_key_env = "DST_KEY"; };
};
snapshot_dir = "$AMG_TMP/snapshots-fail";
http = { retries = 1; };
CONF
"$AMG" -c "$AMG_TMP/fail-import.conf" import --instance bad --snapshot "$snap" \
  >"$AMG_TMP/fail-import.out" 2>"$AMG_TMP/fail-import.err"
rc=$?
check "import that runs out of retries exits non-zero (rc $rc)" test "$rc" -ge 1 -a "$rc" -lt 128
check "it says a request was given up" \
  grep -q -e 'after 2 attempts' -e 'not retried' -e 'could not be created' \
  "$AMG_TMP/fail-import.err"
check "it names what was not restored" \
  grep -q -e 'error: [a-z_]*: import finished with failures' -e 'error: [a-z_]*: import failed' \
  "$AMG_TMP/fail-import.err"
check "it names what was skipped" grep -q -e "error: [a-z_]*: skipped because" \
  "$AMG_TMP/fail-import.err"
check "very faulty target stops" sim_stop BAD

echo "# migrate_faults_long.sh took $(($(date +%s) - t_start)) s in all"
amg_finish
