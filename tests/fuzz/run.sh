#!/bin/sh
# Build the fuzz targets and run each for SECONDS (default 60) on a copy
# of its seed corpus (tests/fuzz/corpus/<target>/ stays unchanged), then
# run every input the fuzzer kept once more with leak detection. Fails on
# any crash, sanitizer report, leak, timeout (10 s per input) or RSS
# above 2048 MB; the input that did it is kept in the artifact directory
# printed. FUZZ_TARGETS limits the targets (e.g. "iam config").
#
#   tests/fuzz/run.sh [SECONDS]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-60}
targets=${FUZZ_TARGETS:-"config manifest ndjson iam"}

case $secs in
    ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

bin=$("$here/build.sh")
# Third-party leaks only; see the file.
LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
work=$(mktemp -d "${TMPDIR:-/tmp}/amg-fuzz-XXXXXX")
failed=
for t in $targets; do
    if [ ! -x "$bin/fuzz_$t" ]; then
        echo "run.sh: no fuzz target '$t'" >&2
        exit 2
    fi
    dir=$work/$t
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$here/corpus/$t/"* "$dir/corpus/"
    # libconfig leaks on most syntax errors (lsan.supp), and every leak,
    # suppressed or not, costs libFuzzer a full leak scan: 600 instead of
    # 30000 inputs a second. So config fuzzes without leak checks and
    # relies on the replay below, which checks every input kept.
    leaks=1
    [ "$t" = config ] && leaks=0
    set -- -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$dir/artifacts/"
    echo "fuzz_$t: ${secs}s"
    if "$bin/fuzz_$t" "$@" -max_total_time="$secs" -detect_leaks=$leaks \
            -print_final_stats=1 "$dir/corpus" > "$dir/log" 2>&1 &&
        "$bin/fuzz_$t" "$@" -runs=0 -detect_leaks=1 "$dir/corpus" > "$dir/replay.log" 2>&1
    then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
        kept=$(ls "$dir/corpus" | wc -l)
        echo "fuzz_$t: ok, $runs runs, $rate exec/s, $kept inputs kept and replayed"
    else
        echo "fuzz_$t: FAILED; logs in $dir, input in $dir/artifacts/" >&2
        cat "$dir/log" "$dir/replay.log" 2>/dev/null |
            grep -E '^(==[0-9]+==ERROR|SUMMARY)|runtime error' | head -5 >&2 || :
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "run.sh: failed:$failed (work directory $work kept)" >&2
    exit 1
fi
rm -rf "$work"
