#!/usr/bin/env bash
# No secret leaks at the most verbose log level: a full migration (users,
# applications, roles and every configuration endpoint) with snapshot
# encryption on, run with -v -v, then a dry run with --plan-out and a
# verify. Neither the API keys, nor any IAM token the two sims issued
# (appid-sim --token-log), nor the Cloud Directory encryption secret (also
# percent-encoded: it travels in a query string), nor the snapshot
# encryption key, nor the configuration's own secrets (IdP, e-mail
# dispatcher, SMS provider), nor base64 forms of the keys may appear in
# anything appid-migrate wrote: standard output and error, the reports,
# the plan, the snapshot files.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/config_lib.sh"
amg_setup

amg_use_built_plugins
export SRC_KEY=vv-src-api-key-7f3a91c2 DST_KEY=vv-dst-api-key-0b8e44d5
export APPID_CD_ENCRYPTION_SECRET='vv-cd/secret+Q7=z&x'
export IT_SEAL='vv seal passphrase 91d3e0aa'
OUT="$AMG_TMP/client"   # everything appid-migrate writes, and nothing else
mkdir -p "$OUT"

check "source starts" sim_start SRC tenant-src "$SRC_KEY" --pbkdf2-iterations 1 \
  --token-log "$AMG_TMP/src.tokens"
check "target starts" sim_start DST tenant-dst "$DST_KEY" --pbkdf2-iterations 1 \
  --token-log "$AMG_TMP/dst.tokens" --token-ttl 15
sbase="$SRC_URL/management/v4/tenant-src"
stok=$(iam_token "$SRC_URL" "$SRC_KEY")
"$SEED" --url "$SRC_URL" --tenant tenant-src --api-key-env SRC_KEY --users 200 --seed 9 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "source seeded" "$?" 0
config_source "$sbase" "$stok"

cat >"$AMG_TMP/vv.conf" <<CONF
instances = {
  src = { endpoint = "$SRC_URL"; iam_endpoint = "$SRC_URL/identity/token";
          tenant_id = "tenant-src"; api_key_env = "SRC_KEY"; };
  dst = { endpoint = "$DST_URL"; iam_endpoint = "$DST_URL/identity/token";
          tenant_id = "tenant-dst"; api_key_env = "DST_KEY"; };
};
snapshot_dir = "$OUT/snapshots";
snapshot_encryption = { key_env = "IT_SEAL"; };
http = { retries = 2; };
CONF

"$AMG" -v -v -c "$AMG_TMP/vv.conf" migrate --from src --to dst >"$OUT/migrate.out" \
  2>"$OUT/migrate.err"
rc=$?
expect_eq "migrate at -vv exits 0" "$rc" 0
[ "$rc" -eq 0 ] || grep -e error "$OUT/migrate.err" | head -n 10
check "the log is at debug level" grep -q 'debug' "$OUT/migrate.err"
snap=$(sed -n 's/^snapshot: //p' "$OUT/migrate.out")
check "an encrypted snapshot was written" grep -q 'xchacha20poly1305' "$snap/manifest.json"
dtok=$(iam_token "$DST_URL" "$DST_KEY")
expect_eq "the target got the users" \
  "$(api GET "$DST_URL/management/v4/tenant-dst/cloud_directory/Users?count=1" "$dtok" |
    grep -o '"totalResults":[0-9]*')" '"totalResults":200'
"$AMG" -v -v -c "$AMG_TMP/vv.conf" import --instance dst --snapshot "$snap" --dry-run \
  --plan-out "$OUT/plan.json" >"$OUT/plan.out" 2>"$OUT/plan.err"
expect_eq "dry run at -vv exits 0" "$?" 0
check "the plan was written" test -s "$OUT/plan.json"
"$AMG" -v -v -c "$AMG_TMP/vv.conf" verify --instance src --instance dst >"$OUT/verify.out" \
  2>"$OUT/verify.err"
check "verify at -vv ran (exit $?)" test -s "$OUT/verify.err"
check "source stops" sim_stop SRC
check "target stops" sim_stop DST

# --- the secrets ------------------------------------------------------------
S="$AMG_TMP/secrets.txt"
pct() {  # pct TEXT: percent-encoded the way a query value is
  printf '%s' "$1" | od -An -tx1 -v | tr -s ' \n' '\n\n' | grep . | while read -r b; do
      case $b in
      2d | 2e | 5f | 7e | 3[0-9] | 4[1-9a-f] | 5[0-9a] | 6[1-9a-f] | 7[0-9a])
        printf "\\x$b" ;;
      *) printf '%%%s' "$(printf '%s' "$b" | tr a-f A-F)" ;;
      esac
    done
}
{
  for v in "$SRC_KEY" "$DST_KEY" "$APPID_CD_ENCRYPTION_SECRET" "$IT_SEAL"; do
    printf '%s\n' "$v"
    printf '%s' "$v" | base64 -w0
    echo
  done
  pct "$APPID_CD_ENCRYPTION_SECRET"
  echo
  printf '%s\n' fb-secret-123 dispatch-pw-123 nexmo-secret-123 ext-secret-123
  # Every token, and its signature alone.
  cat "$AMG_TMP/src.tokens" "$AMG_TMP/dst.tokens"
  cut -d. -f3 "$AMG_TMP/src.tokens" "$AMG_TMP/dst.tokens"
} | grep -v '^$' >"$S"
ntok=$(cat "$AMG_TMP/src.tokens" "$AMG_TMP/dst.tokens" | grep -c .)
check "the sims issued tokens to look for ($ntok)" test "$ntok" -ge 3
check "the 15 s target token was renewed during the run" \
  test "$(grep -c . "$AMG_TMP/dst.tokens")" -ge 2
expect_eq "the percent-encoded CD secret differs from the secret" \
  "$(pct "$APPID_CD_ENCRYPTION_SECRET")" 'vv-cd%2Fsecret%2BQ7%3Dz%26x'
files=$(find "$OUT" -type f | wc -l)
check "there are files to search ($files)" test "$files" -ge 10
check "the reports are among them" test -n "$(find "$OUT/snapshots/reports" -name '*.json')"

# The search itself can fail: a planted secret is found.
cp -r "$OUT" "$AMG_TMP/control"
cat "$AMG_TMP/dst.tokens" | tail -n 1 >>"$AMG_TMP/control/plan.json"
check "control: a token planted in the plan is found" grep -rqF -f "$S" "$AMG_TMP/control"
rm -rf "$AMG_TMP/control"

found=$(grep -rlF -f "$S" "$OUT")
expect_eq "no secret in any output, report, plan or snapshot file" "$found" ""
i=0
for v in "$SRC_KEY" "$DST_KEY" "$APPID_CD_ENCRYPTION_SECRET" "$IT_SEAL"; do
  i=$((i + 1))
  check "key $i of 4: not even without its first two characters" \
    sh -c "! grep -rqF -e '${v#??}' '$OUT'"
done

amg_finish
