#!/usr/bin/env bash
# Defective plugins at the command line: every kind is refused before any
# request, with the plugin named and exit 5; a hook that fails part-way
# (or returns a status that is no AMG_E* code) exits 5 and never leaves a
# finished snapshot, nor a run that says it succeeded.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
ops_start
ops_configure_source

T="$top_builddir/tests/plugins/.libs"
requests_in() {
    grep -cE '(GET|PUT|POST|DELETE|PATCH) /management/' "$1"
}

# plugin_dir NAME PLUGIN...: a directory holding copies of the test plugins.
plugin_dir() {
    local d="$AMG_TMP/pd-$1" p
    shift
    mkdir -p "$d"
    for p in "$@"; do cp "$T/$p.so" "$d/" || exit 99; done
    echo "$d"
}

# refused CASE DIR MESSAGE: `plugins`, `export` and `import` all exit 5
# naming the defect, and the target sees no request.
snap0=$("$AMG" -c "$conf" -q export --instance src); rc=$?
expect_eq "baseline export exits 0" "$rc" 0
refused() {
    local what=$1 dir=$2 msg=$3 before cmd
    before=$(requests_in "$AMG_TMP/DST.err")
    for cmd in "plugins" "export --instance src" "import --instance dst --snapshot $snap0"; do
        # shellcheck disable=SC2086
        "$AMG" --plugin-dir "$dir" -c "$conf" $cmd >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
        expect_eq "$what: '${cmd%% *}' exits 5" "$rc" 5
        check "$what: '${cmd%% *}' says why" grep -qF "$msg" "$AMG_TMP/err"
    done
    expect_eq "$what: no request reached the target" "$(requests_in "$AMG_TMP/DST.err")" "$before"
    expect_eq "$what: no new snapshot" "$(ls "$AMG_TMP/snapshots" | grep -c '^src-')" 1
}

refused "wrong ABI" "$(plugin_dir abi bad_abi)" "bad_abi.so: plugin ABI 2.0"
refused "missing entry symbol" "$(plugin_dir entry no_entry)" \
    "no_entry.so: not an appid-migrate plugin (no amg_plugin_entry symbol)"
refused "dependency cycle" "$(plugin_dir cycle cycle_x cycle_y)" \
    "dependency cycle: cycle_x -> cycle_y -> cycle_x"
refused "missing dependency" "$(plugin_dir missing good_b)" \
    "plugin 'good_b' depends on 'good_a', which is not loaded"
refused "invalid dependency name" "$(plugin_dir depname bad_dep)" \
    "plugin 'bad_dep': dependency 'Apps!' is not a valid plugin name"

# ---- hooks that fail part-way ----
broken=$(plugin_dir broken broken_hook)
snaps_before=$(ls "$AMG_TMP/snapshots" | grep -c '^src-')
AMG_TEST_BROKEN_HOOK=export "$AMG" --plugin-dir "$broken" -c "$conf" export --instance src \
    >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
expect_eq "export hook fails after writing: exit 5" "$rc" 5
check "the failure names the plugin" \
    grep -q "broken_hook: export failed: plugin error" "$AMG_TMP/err"
check "and says no snapshot was written" grep -q "no snapshot was written" "$AMG_TMP/err"
expect_eq "no new snapshot after the failed export" \
    "$(ls "$AMG_TMP/snapshots" | grep -c '^src-')" "$snaps_before"
expect_eq "no partial snapshot directory left behind" \
    "$(find "$AMG_TMP/snapshots" -maxdepth 1 -name '*.partial' | wc -l)" 0

AMG_TEST_BROKEN_HOOK=bogus "$AMG" --plugin-dir "$broken" -c "$conf" export --instance src \
    >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
expect_eq "a hook returning -99: exit 5" "$rc" 5
check "the unknown status is named" \
    grep -q "broken_hook: export hook returned -99, which is no appid-migrate status" \
    "$AMG_TMP/err"

snap=$("$AMG" --plugin-dir "$broken" -c "$conf" -q export --instance src); rc=$?
expect_eq "with working hooks the export exits 0" "$rc" 0

AMG_TEST_BROKEN_HOOK=validate "$AMG" --plugin-dir "$broken" -c "$conf" validate \
    --snapshot "$snap" >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
expect_eq "validate hook fails: exit 5, not 'invalid snapshot'" "$rc" 5
check "validate names the plugin" grep -q "broken_hook: validate failed" "$AMG_TMP/err"
before=$(writes_in "$AMG_TMP/DST.err")
AMG_TEST_BROKEN_HOOK=validate "$AMG" --plugin-dir "$broken" -c "$conf" import --instance dst \
    --snapshot "$snap" >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
expect_eq "import with a failing validate hook: exit 5" "$rc" 5
expect_eq "and nothing was written" "$(writes_in "$AMG_TMP/DST.err")" "$before"

AMG_TEST_BROKEN_HOOK=import "$AMG" --plugin-dir "$broken" -c "$conf" import --instance dst \
    --snapshot "$snap" >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
expect_eq "import hook fails after a write: exit 5" "$rc" 5
check "the import failure names the plugin" \
    grep -q "broken_hook: import failed: plugin error" "$AMG_TMP/err"
report=$(ls -t "$AMG_TMP"/snapshots/reports/*.json 2>/dev/null | head -1)
check "a report was written" test -n "$report"
expect_eq "report: result failed" "$("$JT" get "$report" .result)" failed
expect_eq "report: exit_status 5" "$("$JT" get "$report" .exit_status)" 5
check "the output does not claim success" sh -c "! grep -qiE 'import (complete|succeeded)' \"\$1\"" \
    sh "$AMG_TMP/err"

amg_finish
