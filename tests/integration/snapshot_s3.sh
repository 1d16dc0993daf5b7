#!/usr/bin/env bash
# Snapshots in an S3 store (snapshot_store) against s3rver on loopback:
# export uploads (manifest last) and prints the s3:// reference; import
# and validate take it; an upload killed half way leaves no manifest, so
# the snapshot is ignored, and the next export works; encryption and S3
# together; credentials never printed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/s3rver.sh"
amg_setup
trap 's3rver_stop; amg_cleanup' EXIT

if ! s3rver_install; then
  echo "snapshot_s3: cannot install s3rver with npm (see above)"
  exit 99
fi
s3rver_start "$AMG_TMP/s3" snaps || exit 99

amg_use_built_plugins
KEY=s3-it-key-0001
export IT_KEY=$KEY
export IT_S3_AK=S3RVER IT_S3_SK=S3RVER
export IT_SEAL="s3 and seal together, please"

sim_start SRC src "$KEY" --pbkdf2-iterations 1
sim_start DST dst "$KEY" --pbkdf2-iterations 1
sim_start DST2 dst2 "$KEY" --pbkdf2-iterations 1
sim_start BIG big "$KEY" --pbkdf2-iterations 1

conf() {  # conf FILE PREFIX [EXTRA]
  {
    echo "instances = {"
    for n in src dst dst2 big; do
      eval "u=\$$(echo "$n" | tr a-z A-Z)_URL"
      echo "  $n = { endpoint = \"$u\"; iam_endpoint = \"$u/identity/token\";"
      echo "         tenant_id = \"$n\"; api_key_env = \"IT_KEY\"; };"
    done
    echo "};"
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
    echo "snapshot_store = \"s3://snaps/$2\";"
    echo "s3 = { endpoint = \"$S3RVER_ENDPOINT\"; region = \"us-east-1\";"
    echo "       access_key_env = \"IT_S3_AK\"; secret_key_env = \"IT_S3_SK\"; };"
    [ -n "${3:-}" ] && echo "$3"
  } > "$1"
}
conf "$AMG_TMP/s3.conf" backups
conf "$AMG_TMP/enc.conf" sealed 'snapshot_encryption = { key_env = "IT_SEAL"; };'

"$SEED" --url "$SRC_URL" --tenant src --api-key-env IT_KEY --users 25 --seed 3 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "source seeded" "$?" 0
users() {  # users URL TENANT
  tok=$(iam_token "$1" "$KEY")
  api GET "$1/management/v4/$2/cloud_directory/Users?startIndex=0&count=1" "$tok" >/dev/null
  printf '%s' "$HTTP_BODY" | grep -o '"totalResults":[0-9]*' | grep -o '[0-9]*$'
}

# ---- round trip local -> S3 -> second instance ----
"$AMG" -c "$AMG_TMP/s3.conf" export --instance src >"$AMG_TMP/e.out" 2>"$AMG_TMP/e.err"
rc=$?
expect_eq "export to S3 exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -20 "$AMG_TMP/e.err"
ref=$(tail -n 1 "$AMG_TMP/e.out")
expect_contains "last stdout line is the s3:// reference" "$ref" "s3://snaps/backups/src-"
local_snap=$(head -n 1 "$AMG_TMP/e.out")
check "local copy kept" test -f "$local_snap/manifest.json"
"$AMG" -c "$AMG_TMP/s3.conf" validate --snapshot "$ref" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "validate s3:// exits 0" "$?" 0
"$AMG" -c "$AMG_TMP/s3.conf" import --instance dst --snapshot "$ref" \
  >"$AMG_TMP/i.out" 2>"$AMG_TMP/i.err"
rc=$?
expect_eq "import from S3 exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -20 "$AMG_TMP/i.err"
expect_eq "second instance has every user" "$(users "$DST_URL" dst)" 25
check "no download directory left behind" \
  sh -c "! ls -a '$AMG_TMP/snapshots' | grep -q '^\\.fetch-'"
check "credentials never printed" \
  sh -c "! grep -q -e S3RVER '$AMG_TMP/e.out' '$AMG_TMP/e.err' '$AMG_TMP/i.err' '$AMG_TMP/v.err'"
"$AMG" -c "$AMG_TMP/s3.conf" validate --snapshot "s3://snaps/backups/src-19990101T000000Z" \
  >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "absent snapshot: exit 4" "$?" 4
expect_contains "absent snapshot: no manifest" "$(cat "$AMG_TMP/v.err")" "no manifest in the store"

# ---- wrong credentials ----
IT_S3_SK=wrong-secret "$AMG" -c "$AMG_TMP/s3.conf" validate --snapshot "$ref" \
  >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "wrong S3 secret: exit 3" "$?" 3
check "wrong secret not printed" sh -c "! grep -q wrong-secret '$AMG_TMP/v.err'"

# ---- upload killed half way ----
"$SEED" --url "$BIG_URL" --tenant big --api-key-env IT_KEY --users 2000 --seed 4 \
  >"$AMG_TMP/seed-big.log" 2>&1
expect_eq "big source seeded" "$?" 0
mkfifo "$AMG_TMP/kill.fifo"
"$AMG" -v -c "$AMG_TMP/s3.conf" export --instance big >"$AMG_TMP/k.out" 2>"$AMG_TMP/kill.fifo" &
kpid=$!
killed=0
# Killed as soon as it starts on the users file: the manifest comes last.
while IFS= read -r line; do
  case $line in
    *"uploading big-"*"/cloud_directory_users.ndjson"*)
      kill -9 "$kpid"; killed=1; break ;;
  esac
done <"$AMG_TMP/kill.fifo"
wait "$kpid" 2>/dev/null
expect_eq "export killed during the upload" "$killed" 1
kname=$(basename "$(head -n 1 "$AMG_TMP/k.out")")
check "the killed upload left objects" test -d "$AMG_TMP/s3/data/snaps"
"$AMG" -c "$AMG_TMP/s3.conf" validate --snapshot "s3://snaps/backups/$kname" \
  >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "killed upload: no manifest, exit 4" "$?" 4
expect_contains "killed upload: named incomplete" "$(cat "$AMG_TMP/v.err")" "incomplete upload"
"$AMG" -c "$AMG_TMP/s3.conf" export --instance big >"$AMG_TMP/k2.out" 2>"$AMG_TMP/k2.err"
expect_eq "next export works" "$?" 0
"$AMG" -c "$AMG_TMP/s3.conf" validate --snapshot "$(tail -n 1 "$AMG_TMP/k2.out")" \
  >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "next export validates" "$?" 0

# ---- listing and prune in the store ----
"$AMG" -c "$AMG_TMP/s3.conf" snapshots --instance big >"$AMG_TMP/l.out" 2>"$AMG_TMP/l.err"
expect_eq "snapshots exits 0" "$?" 0
expect_eq "the store lists the complete big snapshot only" \
  "$(grep -c '^s3://snaps/backups/big-' "$AMG_TMP/l.out")" 1
check "the killed upload is not listed in the store" sh -c "! grep -q '^s3://snaps/backups/$kname' '$AMG_TMP/l.out'"
"$AMG" -c "$AMG_TMP/s3.conf" export --instance src >"$AMG_TMP/e2.out" 2>"$AMG_TMP/e2.err"
expect_eq "second export of src exits 0" "$?" 0
ref2=$(tail -n 1 "$AMG_TMP/e2.out")
"$AMG" -c "$AMG_TMP/s3.conf" snapshots --instance src >"$AMG_TMP/l.out" 2>"$AMG_TMP/l.err"
expect_eq "two src snapshots in the store" "$(grep -c '^s3://snaps/backups/src-' "$AMG_TMP/l.out")" 2
expect_eq "newest first" "$(grep '^s3://' "$AMG_TMP/l.out" | head -n 1 | cut -d' ' -f1)" "$ref2"
"$AMG" -c "$AMG_TMP/s3.conf" prune --instance src --keep 1 --dry-run >"$AMG_TMP/p.out" 2>&1
expect_contains "prune --dry-run names the store snapshot" "$(cat "$AMG_TMP/p.out")" \
  "would remove $ref"
"$AMG" -c "$AMG_TMP/s3.conf" prune --instance src --keep 1 >"$AMG_TMP/p.out" 2>&1
expect_eq "prune exits 0" "$?" 0
expect_contains "prune removed the older store snapshot" "$(cat "$AMG_TMP/p.out")" "removed $ref"
"$AMG" -c "$AMG_TMP/s3.conf" snapshots --instance src >"$AMG_TMP/l.out" 2>"$AMG_TMP/l.err"
expect_eq "one src snapshot left in the store" "$(grep -c '^s3://snaps/backups/src-' "$AMG_TMP/l.out")" 1
check "no object of the pruned snapshot left" \
  sh -c "! find '$AMG_TMP/s3/data' -path '*$(basename "$ref")*' -type f | grep -q ."
"$AMG" -c "$AMG_TMP/s3.conf" validate --snapshot "$ref2" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "the kept snapshot still validates" "$?" 0

# ---- encryption and S3 together ----
"$AMG" -c "$AMG_TMP/enc.conf" export --instance src >"$AMG_TMP/x.out" 2>"$AMG_TMP/x.err"
expect_eq "encrypted export to S3 exits 0" "$?" 0
xref=$(tail -n 1 "$AMG_TMP/x.out")
check "no user e-mail in clear in the store" \
  sh -c "! grep -rq 'seed3.example' '$AMG_TMP/s3/data/snaps/sealed'"
"$AMG" -c "$AMG_TMP/s3.conf" validate --snapshot "$xref" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "encrypted S3 snapshot without the key: checksums only, exit 0" "$?" 0
expect_contains "says content validation needs the key" "$(cat "$AMG_TMP/v.err")" \
  "content validation needs the key"
"$AMG" -c "$AMG_TMP/enc.conf" import --instance dst2 --snapshot "$xref" \
  >"$AMG_TMP/i.out" 2>"$AMG_TMP/i.err"
expect_eq "encrypted import from S3 exits 0" "$?" 0
expect_eq "third instance has every user" "$(users "$DST2_URL" dst2)" 25

amg_finish
