#!/usr/bin/env bash
# Jobs that restore from object storage, against appid-sim and s3rver: a
# backup job uploads to the snapshot_store; a restore job with
# from = "latest:src" takes the newest snapshot in the store (the local
# copies are gone), one with from = "s3://..." a given one; a verify job
# compares with it; no download is left behind; a job reading s3:// with
# no `s3` settings, or a reference that does not exist, is refused.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/s3rver.sh"
amg_setup
trap 's3rver_stop; amg_cleanup' EXIT

if ! s3rver_install; then
    echo "jobs_s3: CANNOT RUN: s3rver could not be installed with npm (see above)" >&2
    exit 99
fi
if ! s3rver_start "$AMG_TMP/s3" snaps; then
    echo "jobs_s3: CANNOT RUN: s3rver did not start (see above)" >&2
    exit 99
fi

AMG="$top_builddir/core/appid-migrate"
JT="$top_builddir/tests/jsontool"
plugin_path=""
for d in tokens redirect_uris; do
    plugin_path="$plugin_path${plugin_path:+:}$top_builddir/plugins/$d/.libs"
done
export APPID_MIGRATE_PLUGIN_PATH="$plugin_path"
export IT_S3_AK=S3RVER IT_S3_SK=S3RVER

instances() {
    echo "instances = {"
    for n in src dst dr; do
        eval "u=\$${n}_URL"
        echo "  $n = { endpoint = \"$u\"; iam_endpoint = \"$u/identity/token\";"
        echo "         tenant_id = \"tenant-$n\"; api_key_env = \"KEY_$n\"; };"
    done
    echo "};"
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
}
for n in src dst dr; do
    sim_start "$n" "tenant-$n" "key-$n" || exit 99
    export "KEY_$n=key-$n"
done
stok=$(iam_token "$src_URL" key-src)
sbase="$src_URL/management/v4/tenant-src"
tokens_of() {  # tokens_of INSTANCE
    local u
    eval "u=\$${1}_URL"
    api GET "$u/management/v4/tenant-$1/config/tokens" "$(iam_token "$u" "key-$1")"
}
conf="$AMG_TMP/s3jobs.conf"
{
    instances
    echo "snapshot_store = \"s3://snaps/nightly\";"
    echo "s3 = { endpoint = \"$S3RVER_ENDPOINT\"; region = \"us-east-1\";"
    echo "       access_key_env = \"IT_S3_AK\"; secret_key_env = \"IT_S3_SK\"; };"
    cat <<'CONF'
jobs = {
  backup = { action = "backup"; from = "src"; keep = 2; };
  rehearse = { action = "restore"; from = "latest:src"; to = "dst"; };
  check = { action = "verify"; from = "latest:src"; to = "dst"; };
};
CONF
} >"$conf"

api PUT "$sbase/config/tokens" "$stok" '{"access":{"expires_in":1111},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
expect_eq "source configured" "$HTTP_STATUS" 200

"$AMG" -q -c "$conf" run backup >"$AMG_TMP/backup.out" 2>&1
rc=$?
expect_eq "backup job to the store: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/backup.out"
ref=$(sed -n 's/^job backup: stored as //p' "$AMG_TMP/backup.out")
expect_contains "the backup is in the store" "$ref" "s3://snaps/nightly/src-"
# The local copies go: what follows can only come from the store.
rm -rf "$AMG_TMP"/snapshots/src-*

"$AMG" -q -c "$conf" run rehearse >"$AMG_TMP/rehearse.out" 2>&1
rc=$?
expect_eq "restore job from latest:src in the store: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/rehearse.out"
expect_contains "latest:src is the stored snapshot" "$(cat "$AMG_TMP/rehearse.out")" \
  "job rehearse: latest:src is $ref"
expect_contains "it is fetched" "$(cat "$AMG_TMP/rehearse.out")" "job rehearse: fetching $ref"
expect_contains "dst has the source's tokens" "$(tokens_of dst)" '"expires_in":1111'
rep=$(ls -t "$AMG_TMP"/snapshots/reports/job-rehearse-*.json | head -n 1)
expect_eq "job report: the snapshot is the s3:// reference" "$("$JT" get "$rep" .snapshot)" "$ref"
check "no download directory left behind" \
  sh -c "! ls -a '$AMG_TMP/snapshots' | grep -q '^\\.fetch-'"

"$AMG" -q -c "$conf" run check >"$AMG_TMP/check.out" 2>&1
expect_eq "verify job against the stored snapshot: exit 0" "$?" 0
check "verify job: equal" grep -q "are equal" "$AMG_TMP/check.out"

# from = "s3://..." names one snapshot: what it held then, not what the
# source holds now.
api PUT "$sbase/config/tokens" "$stok" '{"access":{"expires_in":2222},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
pinned="$AMG_TMP/pinned.conf"
{
    sed '/^jobs = {$/,$d' "$conf"
    echo "jobs = { pinned = { action = \"restore\"; from = \"$ref\"; to = \"dr\"; }; };"
} >"$pinned"
"$AMG" -q -c "$pinned" jobs >"$AMG_TMP/pinned.jobs" 2>&1
check "jobs: the s3:// job is described" grep -q "restore $ref into dr" "$AMG_TMP/pinned.jobs"
"$AMG" -q -c "$pinned" run pinned >"$AMG_TMP/pinned.out" 2>&1
rc=$?
expect_eq "restore job from an s3:// reference: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/pinned.out"
expect_contains "dr has the stored snapshot's tokens" "$(tokens_of dr)" '"expires_in":1111'

# A reference that does not exist fails the job, after no write.
{
    sed '/^jobs = {$/,$d' "$conf"
    echo "jobs = { gone = { action = \"restore\"; to = \"dr\";"
    echo "                  from = \"s3://snaps/nightly/src-19990101T000000Z\"; }; };"
} >"$AMG_TMP/gone.conf"
"$AMG" -q -c "$AMG_TMP/gone.conf" run gone >"$AMG_TMP/gone.out" 2>&1
rc=$?
expect_eq "a missing s3:// snapshot fails the job: exit 4 (invalid snapshot)" "$rc" 4
expect_contains "dr unchanged" "$(tokens_of dr)" '"expires_in":1111'

# s3:// without the `s3` settings: refused with FILE:LINE, before any request.
nos3="$AMG_TMP/nos3.conf"
{
    instances
    echo "jobs = { r = { action = \"restore\"; from = \"$ref\"; to = \"dr\"; }; };"
} >"$nos3"
"$AMG" -c "$nos3" run r >/dev/null 2>"$AMG_TMP/nos3.err"
expect_eq "s3:// without an s3 group: exit 2" "$?" 2
line=$(grep -n 'jobs = ' "$nos3" | cut -d: -f1)
check "refusal names the line" grep -q "$nos3:$line: jobs.r.from: reading s3://" \
  "$AMG_TMP/nos3.err"

amg_finish
