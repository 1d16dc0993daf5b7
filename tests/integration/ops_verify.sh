#!/usr/bin/env bash
# verify: two instances, or a snapshot and an instance. Equal after a
# migrate (exit 0); a changed token field, a missing redirect URI and a
# changed theme are each reported (exit 1); --only narrows; the temporary
# snapshots under $TMPDIR are removed; usage errors exit 2.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
ops_start
ops_configure_source
export TMPDIR="$AMG_TMP/tmp"
mkdir -p "$TMPDIR"

"$AMG" -c "$conf" -q verify --instance src --instance dst >"$AMG_TMP/v0.out" 2>&1; rc=$?
expect_eq "verify before the migration exits 1" "$rc" 1
"$AMG" -c "$conf" -q migrate --from src --to dst >/dev/null 2>&1; rc=$?
expect_eq "migrate exits 0" "$rc" 0
out=$("$AMG" -c "$conf" -q verify --instance src --instance dst 2>&1); rc=$?
expect_eq "verify after the migration exits 0" "$rc" 0
expect_eq "verify says equal" "$out" "verify: src and dst are equal (3 resource types compared)"
expect_eq "temporary snapshots removed" "$(ls -A "$TMPDIR")" ""
report=$(ls -t "$AMG_TMP"/snapshots/reports/verify-dst-*.json | head -n 1)
check "verify report matches docs/report.schema.json" "$JT" schema \
  "$top_srcdir/docs/report.schema.json" "$report"
expect_eq "verify report result" "$("$JT" get "$report" .result)" equal

# Change the target behind the tool's back.
api PUT "$dbase/config/tokens" "$dtok" '{"access":{"expires_in":1800},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
api PUT "$dbase/config/redirect_uris" "$dtok" '{"redirectUris":["https://a.example/cb"]}' >/dev/null
api PUT "$dbase/config/ui/theme_color" "$dtok" '{"headerColor":"#FFFFFF"}' >/dev/null
"$AMG" -c "$conf" -q verify --instance src --instance dst >"$AMG_TMP/v1.out" 2>"$AMG_TMP/v1.err"; rc=$?
expect_eq "verify of changed instances exits 1" "$rc" 1
out=$(cat "$AMG_TMP/v1.out")
expect_contains "changed token field" "$out" "tokens: changed access.expires_in: 900 (src) != 1800 (dst)"
expect_contains "missing redirect URI" "$out" \
  'redirect_uris: missing in dst: redirectUris[] "https://b.example/*"'
expect_contains "changed theme" "$out" \
  'themes: changed theme_color.headerColor: "#102030" (src) != "#FFFFFF" (dst)'
expect_contains "summary" "$out" "verify: src and dst differ: 3 differences in 3 resource types compared"
expect_eq "temporary snapshots removed after a difference" "$(ls -A "$TMPDIR")" ""
report=$(ls -t "$AMG_TMP"/snapshots/reports/verify-dst-*.json | head -n 1)
expect_eq "verify report counts the differences" "$("$JT" get "$report" .differences)" 3
expect_eq "verify report exit status" "$("$JT" get "$report" .exit_status)" 1

# Swapped sides: the URI is now extra in src.
"$AMG" -c "$conf" -q verify --instance dst --instance src >"$AMG_TMP/v2.out" 2>&1; rc=$?
expect_eq "swapped verify exits 1" "$rc" 1
check "swapped: extra URI" grep -qF 'redirect_uris: extra in src: redirectUris[] "https://b.example/*"' \
  "$AMG_TMP/v2.out"

# --only narrows the comparison.
out=$("$AMG" -c "$conf" -q verify --instance src --instance dst --only tokens 2>&1); rc=$?
expect_eq "verify --only tokens exits 1" "$rc" 1
expect_eq "verify --only tokens compares tokens only" "$out" \
  "tokens: changed access.expires_in: 900 (src) != 1800 (dst)
verify: src and dst differ: 1 difference in 1 resource type compared"
out=$("$AMG" -c "$conf" -q verify --instance src --instance dst --only themes \
  --exclude themes 2>&1); rc=$?
expect_eq "verify with nothing selected exits 0" "$rc" 0

# A snapshot against an instance.
snap=$(ls -d "$AMG_TMP"/snapshots/src-* | head -n 1)
"$AMG" -c "$conf" -q verify --snapshot "$snap" --instance dst >"$AMG_TMP/v3.out" 2>&1; rc=$?
expect_eq "verify --snapshot exits 1" "$rc" 1
check "verify --snapshot labels the snapshot" grep -qF \
  "tokens: changed access.expires_in: 900 ($snap) != 1800 (dst)" "$AMG_TMP/v3.out"
"$AMG" -c "$conf" -q verify --snapshot "$snap" --instance src >"$AMG_TMP/v4.out" 2>&1; rc=$?
expect_eq "the snapshot equals its own source" "$rc" 0
expect_eq "temporary snapshots removed (snapshot mode)" "$(ls -A "$TMPDIR")" ""

# Usage.
"$AMG" -c "$conf" verify --instance src >/dev/null 2>&1; rc=$?
expect_eq "one side only is a usage error" "$rc" 2
"$AMG" -c "$conf" verify --instance src --instance src >/dev/null 2>&1; rc=$?
expect_eq "the same instance twice is a usage error" "$rc" 2
"$AMG" -c "$conf" verify --instance src --instance nowhere >/dev/null 2>&1; rc=$?
expect_eq "an unknown instance is a configuration error" "$rc" 2
"$AMG" -c "$conf" verify --instance src --instance dst --instance src >/dev/null 2>&1; rc=$?
expect_eq "three instances is a usage error" "$rc" 2
"$AMG" -c "$conf" verify --snapshot "$snap" --instance dst --only 'tokens:x=y' >/dev/null 2>&1; rc=$?
expect_eq "record filters with --snapshot are a usage error" "$rc" 2
DST_KEY=wrong-key "$AMG" -c "$conf" -q verify --instance src --instance dst >/dev/null 2>&1; rc=$?
expect_eq "an authentication failure exits 3" "$rc" 3
expect_eq "temporary snapshots removed after a failure" "$(ls -A "$TMPDIR")" ""

amg_finish
