#!/usr/bin/env bash
# Every run writes a report: export, import, a failed import and a failed
# export; each matches docs/report.schema.json (required keys and types),
# and a report with a key missing does not.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
ops_start
ops_configure_source
schema="$top_srcdir/docs/report.schema.json"
reports="$AMG_TMP/snapshots/reports"

snap=$("$AMG" -c "$conf" export --instance src 2>"$AMG_TMP/export.err"); rc=$?
expect_eq "export exits 0" "$rc" 0
export_report=$(ls "$reports"/export-src-*.json 2>/dev/null | head -n 1)
check "export wrote a report" test -f "$export_report"
check "export report matches the schema" "$JT" schema "$schema" "$export_report"
expect_eq "export report: command" "$("$JT" get "$export_report" .command)" export
expect_eq "export report: snapshot" "$("$JT" get "$export_report" .snapshot)" "$snap"
expect_eq "export report: result" "$("$JT" get "$export_report" .result)" ok
expect_eq "export report: records of redirect_uris" \
  "$("$JT" get "$export_report" '.plugins[0].records')" 2
# theme text, theme colour, the logo's URL and the logo's bytes
expect_eq "export report: requests of themes" \
  "$("$JT" get "$export_report" '.plugins[1].http.requests')" 4
check "export report: a duration per plugin" "$JT" get "$export_report" '.plugins[2].duration_ms'
check "export summary on stderr" grep -q "^requests: " "$AMG_TMP/export.err"

"$AMG" -c "$conf" import --instance dst --snapshot "$snap" >"$AMG_TMP/import.out" 2>&1; rc=$?
expect_eq "import exits 0" "$rc" 0
import_report=$(ls -t "$reports"/import-dst-*.json | head -n 1)
check "import report matches the schema" "$JT" schema "$schema" "$import_report"
expect_eq "import report: updated" "$("$JT" get "$import_report" .totals.updated)" 3
# the untouched theme colour and the logo, the default on both sides
expect_eq "import report: unchanged" "$("$JT" get "$import_report" .totals.unchanged)" 2
expect_eq "import report: exit status" "$("$JT" get "$import_report" .exit_status)" 0
expect_eq "import report: dry_run" "$("$JT" get "$import_report" .dry_run)" false
check "import report: request totals" "$JT" get "$import_report" .http.requests
check "import summary table" grep -qE '^tokens +ok +0 +1 +0 +0 +0$' "$AMG_TMP/import.out"
check "import summary: report path" grep -q "^report: $import_report\$" "$AMG_TMP/import.out"

# A snapshot the validator accepts but the service refuses: an empty
# redirect URI (appid-sim answers 400). Resealed so the checksums match.
bad="$AMG_TMP/bad-uri"
cp -a "$snap" "$bad"
old=$(sha256sum "$bad/redirect_uris.json" | cut -d' ' -f1)
printf '%s\n' '{"redirectUris":[""]}' >"$bad/redirect_uris.json"
new=$(sha256sum "$bad/redirect_uris.json" | cut -d' ' -f1)
size=$(stat -c %s "$bad/redirect_uris.json")
awk -v n="$size" '/"bytes":/ { b = $0; getline; if ($0 ~ /"redirect_uris.json"/) sub(/[0-9]+/, n, b); print b; print; next } { print }' \
  "$bad/manifest.json" | sed "s/$old/$new/" >"$AMG_TMP/manifest.json"
cat "$AMG_TMP/manifest.json" >"$bad/manifest.json"
"$AMG" validate --snapshot "$bad" >/dev/null 2>&1; rc=$?
expect_eq "the resealed snapshot validates" "$rc" 0
"$AMG" -c "$conf" import --instance dst --snapshot "$bad" >"$AMG_TMP/fail.out" 2>"$AMG_TMP/fail.err"; rc=$?
expect_eq "an import with a refused object exits 1" "$rc" 1
fail_report=$(ls -t "$reports"/import-dst-*.json | head -n 1)
check "failed import report matches the schema" "$JT" schema "$schema" "$fail_report"
expect_eq "failed import: result" "$("$JT" get "$fail_report" .result)" partial
expect_eq "failed import: exit status" "$("$JT" get "$fail_report" .exit_status)" 1
expect_eq "failed import: plugin status" "$("$JT" get "$fail_report" '.plugins[0].status')" failed
expect_eq "failed import: failed count" "$("$JT" get "$fail_report" '.plugins[0].counts.failed')" 1
expect_eq "failed import: failure object" \
  "$("$JT" get "$fail_report" '.plugins[0].failures[0].object')" "redirect URIs"
expect_contains "failed import: failure reason" \
  "$("$JT" get "$fail_report" '.plugins[0].failures[0].reason')" "PUT /config/redirect_uris: HTTP 400"
check "failed import: the summary lists the failure" \
  grep -q "^  redirect_uris: redirect URIs: PUT /config/redirect_uris: HTTP 400" "$AMG_TMP/fail.out"
check "failed import: the other plugins still ran" grep -qE '^tokens +ok' "$AMG_TMP/fail.out"

# A failed export still leaves a report, without a snapshot.
SRC_KEY=wrong-key-1 "$AMG" -c "$conf" -q export --instance src >/dev/null 2>&1; rc=$?
expect_eq "export with a wrong key exits 3" "$rc" 3
auth_report=$(ls -t "$reports"/export-src-*.json | head -n 1)
check "failed export report matches the schema" "$JT" schema "$schema" "$auth_report"
expect_eq "failed export: result" "$("$JT" get "$auth_report" .result)" failed
expect_eq "failed export: exit status" "$("$JT" get "$auth_report" .exit_status)" 3
expect_eq "failed export: error" "$("$JT" get "$auth_report" .error)" "authentication error"
check "failed export: no snapshot in the report" sh -c "! '$JT' get '$auth_report' .snapshot | grep -q /"
check "no report holds a secret" sh -c "! grep -rq -e key-src -e key-dst -e wrong-key-1 '$reports'"

# The schema check can fail: a report without exit_status, one with a
# count of the wrong type.
sed 's/"exit_status"/"exit_statuz"/' "$import_report" >"$AMG_TMP/broken1.json"
check "a report without exit_status fails the schema" sh -c "! '$JT' schema '$schema' '$AMG_TMP/broken1.json'"
sed 's/"updated": 1/"updated": "1"/' "$import_report" >"$AMG_TMP/broken2.json"
check "a count that is a string fails the schema" sh -c "! '$JT' schema '$schema' '$AMG_TMP/broken2.json'"

amg_finish
