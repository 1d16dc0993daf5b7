#!/usr/bin/env bash
# conf/examples/nightly-dr.conf, as shipped, against four appid-sim
# instances and s3rver for the Object Storage bucket: only the regions
# (-> the sims' and s3rver's endpoints), tenant ids and snapshot_dir are
# substituted. The nightly backup goes to the store and reaches both
# standbys at once from one export; the monthly rehearsal restores the
# newest stored backup into scratch and its verify finds scratch equal to
# the snapshot.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/s3rver.sh"
amg_setup
trap 's3rver_stop; amg_cleanup' EXIT
. "$top_srcdir/tests/integration/ops_lib.sh"
if ! s3rver_install; then
    echo "example_nightly_dr: CANNOT RUN: s3rver could not be installed with npm" >&2
    exit 99
fi
if ! s3rver_start "$AMG_TMP/s3" appid-dr-backups; then
    echo "example_nightly_dr: CANNOT RUN: s3rver did not start" >&2
    exit 99
fi
export APPID_DR_COS_ACCESS_KEY=S3RVER APPID_DR_COS_SECRET_KEY=S3RVER
example="$top_srcdir/conf/examples/nightly-dr.conf"
conf="$AMG_TMP/nightly-dr.conf"

sim_start PROD tenant-prod key-prod || exit 99
sim_start FRA tenant-fra key-fra || exit 99
sim_start LON tenant-lon key-lon || exit 99
sim_start SCRATCH tenant-scratch key-scratch || exit 99
export APPID_PRODUCTION_APIKEY=key-prod APPID_STANDBY_FRANKFURT_APIKEY=key-fra
export APPID_STANDBY_LONDON_APIKEY=key-lon APPID_SCRATCH_APIKEY=key-scratch
at() {  # endpoint and IAM endpoint of a sim, in place of a region
    echo "endpoint = \"$1\"; iam_endpoint = \"$1/identity/token\";"
}
sed -e "s|region = \"us-south\";|$(at "$PROD_URL")|" \
    -e "s|region = \"eu-de\";|$(at "$FRA_URL")|" \
    -e "s|region = \"eu-gb\";|$(at "$LON_URL")|" \
    -e "s|region = \"us-east\";|$(at "$SCRATCH_URL")|" \
    -e 's|TENANT-ID-OF-production|tenant-prod|' \
    -e 's|TENANT-ID-OF-standby_frankfurt|tenant-fra|' \
    -e 's|TENANT-ID-OF-standby_london|tenant-lon|' \
    -e 's|TENANT-ID-OF-scratch|tenant-scratch|' \
    -e "s|\"https://s3.eu-es.cloud-object-storage.appdomain.cloud\"|\"$S3RVER_ENDPOINT\"|" \
    -e 's|region = "eu-es";|region = "us-east-1";|' \
    -e "s|\"/var/lib/appid-migrate/snapshots\"|\"$AMG_TMP/snapshots\"|" "$example" >"$conf"
check "every placeholder substituted" \
  sh -c "! grep -qE 'region = \"[a-z]+-[a-z]+\";|TENANT-ID|/var/lib|appdomain' '$conf'"

ptok=$(iam_token "$PROD_URL" key-prod)
pbase="$PROD_URL/management/v4/tenant-prod"
api PUT "$pbase/config/tokens" "$ptok" '{"access":{"expires_in":2400},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
[ "$HTTP_STATUS" = 200 ] || { echo "cannot configure production: $HTTP_BODY" >&2; exit 99; }
api PUT "$pbase/config/redirect_uris" "$ptok" '{"redirectUris":["https://app.example/cb"]}' >/dev/null

"$AMG" -c "$conf" jobs >"$AMG_TMP/jobs.out" 2>&1
expect_eq "jobs exits 0" "$?" 0
expect_eq "three jobs listed" "$(grep -c '^[a-z_]* (' "$AMG_TMP/jobs.out")" 3
check "nightly: two standbys at once, 14 kept" grep -q \
  "restore into standby_frankfurt, standby_london (in parallel); existing objects: update; keep the 14 newest" \
  "$AMG_TMP/jobs.out"

"$AMG" -q -c "$conf" run nightly >"$AMG_TMP/nightly.out" 2>&1
expect_eq "nightly exits 0" "$?" 0
expect_eq "nightly: one export" "$(grep -c '^job nightly: snapshot ' "$AMG_TMP/nightly.out")" 1
for s in FRA:fra LON:lon; do
    name=${s%%:*}
    eval "url=\$${name}_URL"
    tok=$(iam_token "$url" "key-${s#*:}")
    for p in config/tokens config/redirect_uris; do
        expect_eq "standby $name: $p equals production" \
          "$(api GET "$url/management/v4/tenant-${s#*:}/$p" "$tok")" "$(api GET "$pbase/$p" "$ptok")"
    done
done
check "nightly pruned to 14" grep -q "job nightly: keeping the 14 newest snapshots of production" \
  "$AMG_TMP/nightly.out"
check "nightly: stored off-site" grep -q \
  "job nightly: stored as s3://appid-dr-backups/production/production-" "$AMG_TMP/nightly.out"
check "nightly: both standbys at once" grep -q "job nightly: 2 targets in parallel" \
  "$AMG_TMP/nightly.out"
rep=$(ls "$AMG_TMP"/snapshots/reports/job-nightly-*.json)
expect_eq "nightly: one job report, a section per standby" \
  "$("$JT" get "$rep" '.targets[0].target') $("$JT" get "$rep" '.targets[1].target')" \
  "standby_frankfurt standby_london"
# The rehearsal reads the store: the local copies may be gone with the
# machine.
rm -rf "$AMG_TMP"/snapshots/production-*

"$AMG" -q -c "$conf" run rehearsal >"$AMG_TMP/rehearsal.out" 2>&1
expect_eq "rehearsal exits 0" "$?" 0
check "rehearsal restored the newest backup" grep -q "job rehearsal: restore into scratch: ok" \
  "$AMG_TMP/rehearsal.out"
check "rehearsal: from the store" grep -q \
  "job rehearsal: fetching s3://appid-dr-backups/production/production-" "$AMG_TMP/rehearsal.out"
"$AMG" -q -c "$conf" run rehearsal_check >"$AMG_TMP/check.out" 2>&1
expect_eq "rehearsal check exits 0" "$?" 0
check "scratch equals the snapshot" grep -q "are equal" "$AMG_TMP/check.out"

# The check can fail: change scratch, and the verify job says so.
stok=$(iam_token "$SCRATCH_URL" key-scratch)
api PUT "$SCRATCH_URL/management/v4/tenant-scratch/config/redirect_uris" "$stok" \
  '{"redirectUris":["https://other.example/cb"]}' >/dev/null
"$AMG" -q -c "$conf" run rehearsal_check >"$AMG_TMP/check2.out" 2>&1
expect_eq "rehearsal check of a changed scratch exits 1" "$?" 1
check "the difference is reported" grep -q "differ" "$AMG_TMP/check2.out"

amg_finish
