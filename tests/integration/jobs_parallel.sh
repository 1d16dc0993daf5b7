#!/usr/bin/env bash
# parallel_targets and the job report: a backup fanned out to two targets
# at once (one process each, their output collected per target), then
# with one target down (the other completes, exit 1, the report says
# which); one job report with a section per target, each embedding the
# target's own run report; `run --all` ends with a summary per job.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
ops_start
ops_configure_source
sim_start DR2 tenant-dr2 key-dr2 || exit 99
export DR2_KEY=key-dr2
r2base="$DR2_URL/management/v4/tenant-dr2"
r2tok=$(iam_token "$DR2_URL" key-dr2)
jconf="$AMG_TMP/parallel.conf"
{
    sed '/^};$/,$d' "$conf"
    echo "  dr2 = { endpoint = \"$DR2_URL\"; iam_endpoint = \"$DR2_URL/identity/token\";"
    echo "          tenant_id = \"tenant-dr2\"; api_key_env = \"DR2_KEY\"; };"
    sed -n '/^};$/,$p' "$conf"
    cat <<'CONF'
jobs = {
  fan = {
    action = "backup";
    from = "src";
    to = [ "dst", "dr2" ];
    parallel_targets = true;
  };
  check = { action = "verify"; from = "src"; to = "dst"; };
};
CONF
} >"$jconf"
job_report() {  # the newest job report of job $1
    ls -t "$AMG_TMP"/snapshots/reports/job-"$1"-*.json | head -n 1
}

"$AMG" -c "$jconf" jobs >"$AMG_TMP/jobs.out" 2>&1
expect_eq "jobs exits 0" "$?" 0
check "jobs: the fan-out is parallel" grep -q "restore into dst, dr2 (in parallel)" \
  "$AMG_TMP/jobs.out"

# ---- both targets up ----
"$AMG" -q -c "$jconf" run fan >"$AMG_TMP/fan.out" 2>&1
rc=$?
expect_eq "parallel fan-out: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 40 "$AMG_TMP/fan.out"
out=$(cat "$AMG_TMP/fan.out")
expect_contains "one process per target" "$out" "job fan: 2 targets in parallel, one process each"
expect_contains "dst's output is collected under its name" "$out" "[dst] job fan: restoring"
expect_contains "dr2's output is collected under its name" "$out" "[dr2] job fan: restoring"
expect_contains "dst ok" "$out" "job fan: restore into dst: ok"
expect_contains "dr2 ok" "$out" "job fan: restore into dr2: ok"
expect_eq "dst has the source's tokens" "$(api GET "$dbase/config/tokens" "$dtok")" \
  "$(api GET "$sbase/config/tokens" "$stok")"
expect_eq "dr2 has the source's tokens" "$(api GET "$r2base/config/tokens" "$r2tok")" \
  "$(api GET "$sbase/config/tokens" "$stok")"
rep=$(job_report fan)
check "one job report" test -f "$rep"
expect_contains "the output names the job report" "$out" "job fan: report $rep"
expect_eq "job report: format" "$("$JT" get "$rep" .format)" appid-migrate-job-report
expect_eq "job report: result" "$("$JT" get "$rep" .result)" ok
expect_eq "job report: parallel" "$("$JT" get "$rep" .parallel_targets)" true
expect_eq "job report: first section is dst" "$("$JT" get "$rep" '.targets[0].target')" dst
expect_eq "job report: second section is dr2" "$("$JT" get "$rep" '.targets[1].target')" dr2
expect_eq "job report: dr2's own report embedded" \
  "$("$JT" get "$rep" '.targets[1].run.instance')" dr2
expect_eq "job report: dr2's import counted the tokens" \
  "$("$JT" get "$rep" '.targets[1].run.totals.updated')" \
  "$("$JT" get "$("$JT" get "$rep" '.targets[1].report')" .totals.updated)"
check "job report: the export's report is named" \
  test -f "$("$JT" get "$rep" .export_report)"
check "job report: mode 0600" test "$(stat -c %a "$rep")" = 600
check "job report matches docs/job-report.schema.json" "$JT" schema \
  "$top_srcdir/docs/job-report.schema.json" "$rep"
check "its embedded target report matches docs/report.schema.json" sh -c \
  "'$JT' get '$rep' '.targets[1].run' >'$AMG_TMP/embedded.json' &&
   '$JT' schema '$top_srcdir/docs/report.schema.json' '$AMG_TMP/embedded.json'"
check "the schema check can fail" sh -c "! '$JT' schema '$top_srcdir/docs/job-report.schema.json' \
  '$AMG_TMP/embedded.json'"

# ---- one target down ----
sim_stop DR2
api PUT "$sbase/config/tokens" "$stok" '{"access":{"expires_in":1500},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
"$AMG" -q -c "$jconf" run fan >"$AMG_TMP/down.out" 2>&1
expect_eq "parallel fan-out with a target down: exit 1" "$?" 1
out=$(cat "$AMG_TMP/down.out")
expect_contains "the live target completed" "$out" "job fan: restore into dst: ok"
expect_contains "the dead one is named" "$out" "job fan: restore into dr2: FAILED"
expect_contains "1 of 2 failed" "$out" "job fan: 1 of 2 targets failed"
expect_contains "dst restored although dr2 is down" \
  "$(api GET "$dbase/config/tokens" "$dtok")" '"expires_in":1500'
rep=$(job_report fan)
expect_eq "job report: partial" "$("$JT" get "$rep" .result)" partial
expect_eq "job report: exit status 1" "$("$JT" get "$rep" .exit_status)" 1
expect_eq "job report: the failed target" "$("$JT" get "$rep" '.failed_targets[0]')" dr2
expect_eq "job report: dst ok" "$("$JT" get "$rep" '.targets[0].result')" ok
expect_eq "job report: dr2 failed" "$("$JT" get "$rep" '.targets[1].result')" failed
expect_eq "job report: dr2's run failed" "$("$JT" get "$rep" '.targets[1].run.result')" failed
check "failed job report matches the schema" "$JT" schema \
  "$top_srcdir/docs/job-report.schema.json" "$rep"

# ---- run --all: a summary per job ----
"$AMG" -q -c "$jconf" run --all --on-conflict update >"$AMG_TMP/all.out" 2>&1
expect_eq "run --all with a target down: exit 1" "$?" 1
out=$(cat "$AMG_TMP/all.out")
expect_contains "--on-conflict for the backup" "$out" \
  "job fan: --on-conflict \"update\" from the command line"
expect_contains "--on-conflict is no matter for the verify" "$out" \
  "job check: --on-conflict does not apply to a verify"
expect_contains "summary header" "$out" "summary:"
check "summary: fan partial with its report" \
  grep -qE "^  fan +backup +partial +$AMG_TMP/snapshots/reports/job-fan-" "$AMG_TMP/all.out"
check "summary: check ok with its report" \
  grep -qE "^  check +verify +ok +$AMG_TMP/snapshots/reports/job-check-" "$AMG_TMP/all.out"
expect_contains "summary: count" "$out" "1 of 2 jobs failed"
rep=$(job_report check)
expect_eq "verify job report: the target's verify report" \
  "$("$JT" get "$rep" '.targets[0].run.command')" verify

amg_finish
