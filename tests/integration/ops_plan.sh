#!/usr/bin/env bash
# import --dry-run and migrate --dry-run: a plan per resource kind and
# object, --plan-out JSON checked against docs/plan.schema.json, and not
# one write request at the target (counted in appid-sim's -v log). Also:
# plugins built for ABI 1.2 cannot plan, and a 1.3 plugin that writes
# anyway is refused by the core.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
ops_start
ops_configure_source

defaults=$(api GET "$dbase/config/tokens" "$dtok")
snap=$("$AMG" -c "$conf" -q export --instance src); rc=$?
expect_eq "export exits 0" "$rc" 0

"$AMG" -c "$conf" import --instance dst --snapshot "$snap" --dry-run \
  --plan-out "$AMG_TMP/plan.json" >"$AMG_TMP/plan.out" 2>"$AMG_TMP/plan.err"; rc=$?
expect_eq "import --dry-run exits 0" "$rc" 0
expect_eq "the dry run sent no write request" "$(writes_in "$AMG_TMP/DST.err")" 0
check "the dry run read the target" grep -q 'GET /management/v4/tenant-dst/config/tokens' \
  "$AMG_TMP/DST.err"
expect_eq "target tokens untouched" "$(api GET "$dbase/config/tokens" "$dtok")" "$defaults"
out=$(cat "$AMG_TMP/plan.out")
expect_contains "plan names the changed token fields" "$out" \
  "update     token configuration (at App ID's default; fields: access.expires_in, anonymousAccess.enabled, anonymousAccess.expires_in, refresh.enabled, refresh.expires_in)"
expect_contains "plan lists unchanged objects" "$out" "unchanged  theme text"
expect_contains "plan lists the redirect URIs" "$out" \
  "update     redirect URIs (at App ID's default; fields: redirectUris)"
expect_contains "plan has a resource kind heading" "$out" "
themes
"
expect_contains "plan lists the logo" "$out" "unchanged  logo"
expect_contains "plan totals" "$out" "Plan: 0 to create, 3 to update, 2 unchanged, 0 skipped, 0 failing."
check "plan JSON matches docs/plan.schema.json" "$JT" schema "$top_srcdir/docs/plan.schema.json" \
  "$AMG_TMP/plan.json"
expect_eq "plan JSON format" "$("$JT" get "$AMG_TMP/plan.json" .format)" appid-migrate-plan
expect_eq "plan JSON: third kind is tokens" "$("$JT" get "$AMG_TMP/plan.json" '.plugins[2].plugin')" tokens
expect_eq "plan JSON: tokens action" "$("$JT" get "$AMG_TMP/plan.json" '.plugins[2].actions[0].action')" update
expect_eq "plan JSON: totals.update" "$("$JT" get "$AMG_TMP/plan.json" .totals.update)" 3
expect_eq "plan JSON: totals.unchanged" "$("$JT" get "$AMG_TMP/plan.json" .totals.unchanged)" 2
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-dst-*.json | head -n 1)
expect_eq "the dry run's report says dry_run" "$("$JT" get "$report" .dry_run)" true
expect_eq "the dry run's report counts what would be updated" \
  "$("$JT" get "$report" .totals.updated)" 3

# The plan as JSON on stdout, the human plan on stderr.
"$AMG" -c "$conf" -q import --instance dst --snapshot "$snap" --dry-run --plan-out - \
  >"$AMG_TMP/plan2.json" 2>"$AMG_TMP/plan2.err"; rc=$?
expect_eq "--plan-out - exits 0" "$rc" 0
check "--plan-out - writes valid JSON to stdout" "$JT" schema \
  "$top_srcdir/docs/plan.schema.json" "$AMG_TMP/plan2.json"
check "--plan-out - puts the human plan on stderr" grep -q "^Plan: " "$AMG_TMP/plan2.err"

"$AMG" -c "$conf" import --instance dst --snapshot "$snap" --plan-out x >/dev/null 2>&1; rc=$?
expect_eq "--plan-out without --dry-run is a usage error" "$rc" 2

# migrate --dry-run: the export happens, the import is planned.
before=$(ls -d "$AMG_TMP"/snapshots/src-* | wc -l)
"$AMG" -c "$conf" migrate --from src --to dst --dry-run >"$AMG_TMP/mig.out" 2>&1; rc=$?
expect_eq "migrate --dry-run exits 0" "$rc" 0
expect_eq "migrate --dry-run took a new snapshot" "$(ls -d "$AMG_TMP"/snapshots/src-* | wc -l)" \
  $((before + 1))
check "migrate --dry-run printed a plan" grep -q "^Plan: 0 to create, 3 to update" "$AMG_TMP/mig.out"
expect_eq "migrate --dry-run sent no write request" "$(writes_in "$AMG_TMP/DST.err")" 0

# Plugins that cannot plan, or do not check: an extra plugin directory.
extra="$AMG_TMP/extra"
mkdir -p "$extra"
cp "$top_builddir/tests/plugins/.libs/legacy_audit.so" \
   "$top_builddir/tests/plugins/.libs/careless_audit.so" "$extra/"
api PUT "$sbase/config/capture_runtime_activity" "$stok" '{"isActive":true}' >/dev/null
snap2=$("$AMG" --plugin-dir "$extra" -c "$conf" -q export --instance src); rc=$?
expect_eq "export with the extra plugins exits 0" "$rc" 0
"$AMG" --plugin-dir "$extra" -c "$conf" import --instance dst --snapshot "$snap2" --dry-run \
  --plan-out "$AMG_TMP/plan3.json" >"$AMG_TMP/plan3.out" 2>"$AMG_TMP/plan3.err"; rc=$?
expect_eq "a dry run with a careless plugin exits 1" "$rc" 1
expect_eq "still no write request" "$(writes_in "$AMG_TMP/DST.err")" 0
check "ABI 1.2 plugin: cannot plan" grep -q \
  "legacy_audit (not planned: cannot plan: plugin built for ABI 1.2)" "$AMG_TMP/plan3.out"
expect_eq "ABI 1.2 plugin's status in the JSON plan" \
  "$("$JT" get "$AMG_TMP/plan3.json" '.plugins[1].status')" cannot_plan
expect_eq "refused writes: request, request_raw and pipeline" \
  "$(grep -c "\[careless_audit\] dry run: refused" "$AMG_TMP/plan3.err")" 3
check "the refusal names the plugin" grep -q \
  "refused PUT /config/capture_runtime_activity (plugin 'careless_audit' wrote while planning" \
  "$AMG_TMP/plan3.err"
check "the plan marks the careless plugin failed" grep -q \
  "careless_audit (failed: 3 write requests refused" "$AMG_TMP/plan3.out"
expect_eq "audit switch untouched" "$(api GET "$dbase/config/capture_runtime_activity" "$dtok")" \
  '{"isActive":false}'

# The counter can see writes: a real import makes some.
"$AMG" -c "$conf" -q import --instance dst --snapshot "$snap" >/dev/null 2>&1; rc=$?
expect_eq "real import exits 0" "$rc" 0
check "the real import's writes show in the log" test "$(writes_in "$AMG_TMP/DST.err")" -ge 3
"$AMG" -c "$conf" import --instance dst --snapshot "$snap" --dry-run >"$AMG_TMP/plan4.out" 2>&1
check "after the import the plan says unchanged" grep -q \
  "^Plan: 0 to create, 0 to update, 5 unchanged" "$AMG_TMP/plan4.out"

amg_finish
