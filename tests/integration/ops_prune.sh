#!/usr/bin/env bash
# prune with fabricated snapshot directories from different days: keeps
# the N newest and those younger than D days, always the newest, never a
# run in progress (.partial), never another instance's snapshots or a
# file that merely has a snapshot's name. No network: the instance's
# endpoint is never contacted.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
snaps="$AMG_TMP/snapshots"
mkdir -p "$snaps"
cat >"$AMG_TMP/p.conf" <<CONF
instances = {
  prod = { endpoint = "http://127.0.0.1:9"; tenant_id = "t"; api_key_env = "UNUSED_KEY"; };
};
snapshot_dir = "$snaps";
CONF

stamp() {  # stamp DAYS_AGO HOURS_AGO
  date -u -d "@$(( $(date +%s) - $1 * 86400 - $2 * 3600 ))" +%Y%m%dT%H%M%SZ
}
d0=$(stamp 0 1); d1=$(stamp 1 0); d2=$(stamp 2 0); d3=$(stamp 3 0)
d10=$(stamp 10 0); d40=$(stamp 40 0)
for s in "$d0" "$d1" "$d2" "$d3" "$d10" "$d40"; do
  mkdir -p "$snaps/prod-$s"
  echo '{}' >"$snaps/prod-$s/manifest.json"
done
partial=".prod-$(stamp 0 0).partial"
notdir="prod-$(stamp 50 0)"
mkdir -p "$snaps/$partial"                             # an export in progress
mkdir -p "$snaps/stage-$d40"                           # another instance
touch "$snaps/$notdir"                                 # a file, not a snapshot
mkdir -p "$snaps/production-$d40"                      # a longer instance name

remaining() { ls -A "$snaps" | sort | tr '\n' ' '; }

out=$("$AMG" -c "$AMG_TMP/p.conf" snapshots --instance prod 2>/dev/null); rc=$?
expect_eq "snapshots exits 0" "$rc" 0
expect_eq "snapshots lists the six finished ones" "$(printf '%s\n' "$out" | grep -c '^prod-')" 6
expect_eq "newest first" "$(printf '%s\n' "$out" | sed -n 2p | cut -d' ' -f1)" "prod-$d0"
check "fabricated snapshots do not validate" sh -c "printf '%s\n' \"\$1\" | sed -n 2p | grep -q 'NO\$'" _ "$out"

before=$(remaining)
out=$("$AMG" -c "$AMG_TMP/p.conf" prune --instance prod --keep 2 --keep-days 7 --dry-run 2>/dev/null); rc=$?
expect_eq "prune --dry-run exits 0" "$rc" 0
expect_eq "prune --dry-run names the old ones" "$out" "would remove $snaps/prod-$d10
would remove $snaps/prod-$d40"
expect_eq "prune --dry-run removes nothing" "$(remaining)" "$before"

out=$("$AMG" -c "$AMG_TMP/p.conf" prune --instance prod --keep 2 --keep-days 7 2>/dev/null); rc=$?
expect_eq "prune --keep 2 --keep-days 7 exits 0" "$rc" 0
for s in "$d0" "$d1" "$d2" "$d3"; do
  check "kept prod-$s (young enough)" test -d "$snaps/prod-$s"
done
check "removed the 10-day-old one" test ! -e "$snaps/prod-$d10"
check "removed the 40-day-old one" test ! -e "$snaps/prod-$d40"
check "kept the export in progress" test -d "$snaps/$partial"
check "kept the other instance's snapshot" test -d "$snaps/stage-$d40"
check "kept the longer instance name's snapshot" test -d "$snaps/production-$d40"
check "kept the file with a snapshot's name" test -f "$snaps/$notdir"
check "no hidden .deleting directory left" sh -c "! ls -A '$snaps' | grep -q deleting"

out=$("$AMG" -c "$AMG_TMP/p.conf" prune --instance prod --keep 1 2>/dev/null); rc=$?
expect_eq "prune --keep 1 exits 0" "$rc" 0
expect_eq "prune --keep 1 keeps only the newest" "$(ls -A "$snaps" | grep -c '^prod-[0-9]')" 2
check "the newest is the one kept" test -d "$snaps/prod-$d0"
check "kept the export in progress after --keep 1" test -d "$snaps/$partial"

"$AMG" -c "$AMG_TMP/p.conf" prune --instance prod --keep 0 >/dev/null 2>&1; rc=$?
expect_eq "--keep 0 is a usage error (the newest is always kept)" "$rc" 2
"$AMG" -c "$AMG_TMP/p.conf" prune --instance prod >/dev/null 2>&1; rc=$?
expect_eq "prune without --keep is a usage error" "$rc" 2
"$AMG" -c "$AMG_TMP/p.conf" prune --instance prod --keep 1 --plan-out x >/dev/null 2>&1; rc=$?
expect_eq "prune rejects --plan-out" "$rc" 2

amg_finish
