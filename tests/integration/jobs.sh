#!/usr/bin/env bash
# Named jobs (`jobs` section, `run JOB`, `run --all`, `jobs`): each action
# against appid-sim, a fan-out with one target down, command-line
# overrides, and invalid definitions refused before any request.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
ops_start
ops_configure_source
sim_start DR2 tenant-dr2 key-dr2 -v || exit 99
export DR2_KEY=key-dr2
r2base="$DR2_URL/management/v4/tenant-dr2"
r2tok=$(iam_token "$DR2_URL" key-dr2)
{
    echo "instances = {"
    echo "  dr2 = { endpoint = \"$DR2_URL\"; iam_endpoint = \"$DR2_URL/identity/token\";"
    echo "          tenant_id = \"tenant-dr2\"; api_key_env = \"DR2_KEY\"; };"
    echo "};"
} >"$AMG_TMP/dr2.inc"
base="$AMG_TMP/base.conf"
# Merge dr2 into the instances group ops_start wrote.
awk -v inc="$(sed -n '2,3p' "$AMG_TMP/dr2.inc")" \
  '{ print } /^instances = \{$/ { print inc }' "$conf" >"$base"
requests() {  # requests a -v sim logged so far
    grep -c ' /management/\| /identity/' "$1"
}

jobs_conf="$AMG_TMP/jobs.conf"
{
    cat "$base"
    cat <<'CONF'
jobs = {
  nightly = {
    action = "backup";
    from = "src";
    to = [ "dst", "dr2" ];
    keep = 2;
  };
  tokens_only = {
    action = "migrate";
    from = "src";
    to = "dst";
    only = "tokens";
    dry_run = true;
  };
  rehearsal = {
    action = "restore";
    from = "latest:src";
    to = "dst";
  };
  check = {
    action = "verify";
    from = "latest:src";
    to = [ "dst", "dr2" ];
  };
};
CONF
} >"$jobs_conf"

line_of() {  # line of the first line of FILE that is exactly TEXT
    grep -nxF -- "$2" "$1" | head -n 1 | cut -d: -f1
}
"$AMG" -c "$jobs_conf" jobs >"$AMG_TMP/jobs.out" 2>&1
expect_eq "jobs exits 0" "$?" 0
expect_contains "jobs: the backup" "$(cat "$AMG_TMP/jobs.out")" \
  "nightly ($jobs_conf:$(line_of "$jobs_conf" "  nightly = {")): backup: export src, restore into dst, dr2 (one after another); keep the 2 newest snapshots of src"
expect_contains "jobs: the restore" "$(cat "$AMG_TMP/jobs.out")" \
  "rehearsal ($jobs_conf:$(line_of "$jobs_conf" "  rehearsal = {")): restore: restore the newest snapshot of src into dst"
expect_contains "jobs: the dry run" "$(cat "$AMG_TMP/jobs.out")" \
  "only tokens; dry run: imports planned, nothing written or pruned"

# backup with fan-out to two targets, then a verify of both.
"$AMG" -q -c "$jobs_conf" run nightly >"$AMG_TMP/nightly.out" 2>&1
expect_eq "run nightly exits 0" "$?" 0
expect_contains "nightly: dst restored" "$(cat "$AMG_TMP/nightly.out")" \
  "job nightly: restore into dst: ok"
expect_contains "nightly: dr2 restored" "$(cat "$AMG_TMP/nightly.out")" \
  "job nightly: restore into dr2: ok"
expect_eq "one export for both targets" "$(grep -c '^job nightly: snapshot ' "$AMG_TMP/nightly.out")" 1
expect_eq "dr2 has the source's tokens" "$(api GET "$r2base/config/tokens" "$r2tok")" \
  "$(api GET "$sbase/config/tokens" "$stok")"
reports=$(ls "$AMG_TMP/snapshots/reports"/import-*.json | wc -l)
expect_eq "one import report per target" "$reports" 2
"$AMG" -q -c "$jobs_conf" run check >"$AMG_TMP/check.out" 2>&1
expect_eq "verify job: both equal, exit 0" "$?" 0
expect_eq "verify job: two comparisons" "$(grep -c 'are equal' "$AMG_TMP/check.out")" 2

# Retention: the third backup leaves two snapshots.
"$AMG" -q -c "$jobs_conf" run nightly >/dev/null 2>&1
"$AMG" -q -c "$jobs_conf" run nightly >/dev/null 2>&1
expect_eq "keep = 2 leaves two snapshots" "$(ls -d "$AMG_TMP"/snapshots/src-* | wc -l)" 2

# migrate with dry_run: nothing written into dst.
api PUT "$sbase/config/tokens" "$stok" '{"access":{"expires_in":1200},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
w=$(writes_in "$AMG_TMP/DST.err")
"$AMG" -q -c "$jobs_conf" run tokens_only >"$AMG_TMP/dry.out" 2>&1
expect_eq "dry-run migrate job exits 0" "$?" 0
expect_eq "dry run: no write into dst" "$(writes_in "$AMG_TMP/DST.err")" "$w"
expect_contains "dry run: the plan names the change" "$(cat "$AMG_TMP/dry.out")" "tokens"

# Override precedence: --only on the command line beats the job's; the
# output says so. --dry-run turns a writing job into a plan.
"$AMG" -q -c "$jobs_conf" run rehearsal --only redirect_uris --dry-run \
  >"$AMG_TMP/over.out" 2>&1
expect_eq "overridden restore exits 0" "$?" 0
expect_contains "output names the --only override" "$(cat "$AMG_TMP/over.out")" \
  "job rehearsal: --only \"redirect_uris\" from the command line"
expect_contains "output names the --dry-run override" "$(cat "$AMG_TMP/over.out")" \
  "job rehearsal: --dry-run from the command line"
expect_eq "override dry run: no write into dst" "$(writes_in "$AMG_TMP/DST.err")" "$w"
"$AMG" -q -c "$jobs_conf" run tokens_only --only redirect_uris >"$AMG_TMP/over2.out" 2>&1
expect_contains "--only overrides the job's only" "$(cat "$AMG_TMP/over2.out")" \
  "--only \"redirect_uris\" from the command line overrides the job's \"tokens\""

# restore of the newest snapshot really writes (no override).
"$AMG" -q -c "$jobs_conf" run nightly >/dev/null 2>&1   # snapshot with 1200
"$AMG" -q -c "$jobs_conf" run rehearsal >"$AMG_TMP/rehearsal.out" 2>&1
expect_eq "restore job exits 0" "$?" 0
expect_contains "dst has the newest expiry" "$(api GET "$dbase/config/tokens" "$dtok")" \
  '"expires_in":1200' 

# Fan-out with one target down: the other completes, exit 1, the output
# says which failed.
sim_stop DR2
api PUT "$sbase/config/tokens" "$stok" '{"access":{"expires_in":1500},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
"$AMG" -q -c "$jobs_conf" run nightly >"$AMG_TMP/down.out" 2>&1
expect_eq "fan-out with a target down: exit 1" "$?" 1
expect_contains "the live target completed" "$(cat "$AMG_TMP/down.out")" \
  "job nightly: restore into dst: ok"
expect_contains "the report names the failed target" "$(cat "$AMG_TMP/down.out")" \
  "job nightly: restore into dr2: FAILED"
expect_contains "1 of 2 failed" "$(cat "$AMG_TMP/down.out")" "job nightly: 1 of 2 targets failed"
expect_contains "dst restored despite dr2 down" "$(api GET "$dbase/config/tokens" "$dtok")" \
  '"expires_in":1500' 

# run --all runs every job in file order.
"$AMG" -q -c "$jobs_conf" run --all >"$AMG_TMP/all.out" 2>&1
expect_eq "run --all with dr2 down exits 1" "$?" 1
expect_eq "run --all: file order" "$(grep -o '^job [a-z_]*: [a-z]* (' "$AMG_TMP/all.out" | tr '\n' ' ')" \
  "job nightly: backup ( job tokens_only: migrate ( job rehearsal: restore ( job check: verify ( "

# Invalid definitions: refused whole, with FILE:LINE, before any request.
bad="$AMG_TMP/bad.conf"
{
    cat "$base"
    cat <<'CONF'
jobs = {
  good = { action = "backup"; from = "src"; };
  typo = { action = "migrate"; from = "src"; to = "dts"; };
  noplugin = { action = "backup"; from = "src"; only = "tokens,nosuch"; };
  badfilter = { action = "restore"; from = "latest:src"; to = "dst"; only = "tokens:colour=x"; };
  empty = { action = "backup"; from = "src"; only = "tokens"; exclude = "tokens"; };
  nosnap = { action = "restore"; from = "src"; to = "dst"; };
};
CONF
} >"$bad"
top=$(($(wc -l <"$base") + 1))
before=$(requests "$AMG_TMP/DST.err")
"$AMG" -c "$bad" run good >"$AMG_TMP/bad.out" 2>"$AMG_TMP/bad.err"
expect_eq "invalid jobs: exit 2" "$?" 2
err=$(cat "$AMG_TMP/bad.err")
expect_contains "unknown instance with FILE:LINE" "$err" \
  "$bad:$((top + 2)): jobs.typo.to: no instance named 'dts'"
expect_contains "unknown plugin with FILE:LINE" "$err" "$bad:$((top + 3)): jobs.noplugin: only/exclude"
expect_contains "bad record filter with FILE:LINE" "$err" "$bad:$((top + 4)): jobs.badfilter: only/exclude"
expect_contains "empty selection with FILE:LINE" "$err" \
  "$bad:$((top + 5)): jobs.empty: only/exclude select no plugin"
expect_contains "restore from an instance name" "$err" \
  "$bad:$((top + 6)): jobs.nosnap.from: a restore reads a snapshot"
expect_contains "nothing was run" "$err" "5 problems in jobs: nothing was run"
expect_eq "no request before the refusal" "$(requests "$AMG_TMP/DST.err")" "$before"
check "the good job did not run either" test ! -s "$AMG_TMP/bad.out"

shape="$AMG_TMP/shape.conf"
{
    cat "$base"
    cat <<'CONF'
jobs = {
  a = { action = "copy"; from = "src"; };
  b = { action = "restore"; to = "dst"; colour = 1; };
  c = { action = "migrate"; from = "src"; to = "dst"; on_conflict = "merge"; keep = 3; };
};
CONF
} >"$shape"
"$AMG" -c "$shape" jobs >/dev/null 2>"$AMG_TMP/shape.err"
expect_eq "malformed jobs: exit 2" "$?" 2
err=$(cat "$AMG_TMP/shape.err")
expect_contains "unknown action" "$err" "$shape:$((top + 1)): jobs.a.action: 'copy' is not an action"
expect_contains "unknown key" "$err" "$shape:$((top + 2)): jobs.b.colour: unknown key"
expect_contains "missing from" "$err" "$shape:$((top + 2)): jobs.b: 'from' is required"
expect_contains "on_conflict: only skip, update or fail" "$err" \
  "$shape:$((top + 3)): jobs.c.on_conflict: 'merge' is not skip, update or fail"
expect_contains "keep only for backups" "$err" "jobs.c.keep: only backups keep snapshots"

"$AMG" -c "$jobs_conf" run nosuch 2>"$AMG_TMP/nosuch.err"
expect_eq "unknown job: exit 2" "$?" 2
check "unknown job named" grep -q "no job named 'nosuch'" "$AMG_TMP/nosuch.err"

amg_finish
