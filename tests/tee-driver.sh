#!/bin/sh
# Automake test driver that copies each test's output to stdout as well as
# to its .log file, so that `make check` shows CUnit's summary lines (the
# stock driver hides them in the log). Exit 0 = PASS, 77 = SKIP, 99 =
# ERROR, anything else FAIL.
name= log= trs=
while test $# -gt 0; do
  case $1 in
    --test-name) name=$2; shift ;;
    --log-file) log=$2; shift ;;
    --trs-file) trs=$2; shift ;;
    --color-tests|--expect-failure|--enable-hard-errors|--collect-skipped-logs) shift ;;
    --) shift; break ;;
    *) break ;;
  esac
  shift
done
rcfile="$log.rc"
rm -f "$rcfile"
{ "$@" 2>&1; echo $? > "$rcfile"; } | tee "$log"
rc=$(cat "$rcfile" 2>/dev/null || echo 99)
rm -f "$rcfile"
case $rc in
  0) res=PASS ;;
  77) res=SKIP ;;
  99) res=ERROR ;;
  *) res=FAIL ;;
esac
echo "$res: $name (exit $rc)"
printf ':test-result: %s\n:global-test-result: %s\n:recheck: %s\n:copy-in-global-log: %s\n' \
  "$res" "$res" "$(test $res = PASS && echo no || echo yes)" "$(test $res = PASS && echo no || echo yes)" > "$trs"
exit 0
