#!/usr/bin/env bash
# Progress on stderr: on a terminal (a pseudo-terminal from script(1)) a
# live line per running plugin redrawn in place; in a pipe plain log lines
# and no terminal control characters; -q shows none of it. Every plugin
# ends with a "done in" line.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
ops_start
ops_configure_source
esc=$(printf '\033')
cr=$(printf '\r')

check "script(1) from util-linux is installed" command -v script
# On a pseudo-terminal: stdout and stderr both land in the typescript.
script -qec "'$AMG' -c '$conf' export --instance src" /dev/null </dev/null \
  >"$AMG_TMP/tty.out" 2>&1; rc=$?
expect_eq "export on a terminal exits 0" "$rc" 0
check "terminal: live line of the themes plugin (1/2)" \
  grep -qF "${cr}${esc}[K[export themes] 1/2 50%" "$AMG_TMP/tty.out"
check "terminal: live line redrawn in place (2/2)" \
  grep -qF "${cr}${esc}[K[export themes] 2/2 100%" "$AMG_TMP/tty.out"
check "terminal: the live line is cleared before the done line" \
  grep -qF "${cr}${esc}[Kappid-migrate: info: [export themes] done in" "$AMG_TMP/tty.out"
check "terminal: a done line for a plugin without progress" \
  grep -qF "appid-migrate: info: [export tokens] done in" "$AMG_TMP/tty.out"

# In a pipe (cron, CI): no control characters, a done line per plugin.
"$AMG" -c "$conf" export --instance src >"$AMG_TMP/pipe.out" 2>"$AMG_TMP/pipe.err"; rc=$?
expect_eq "export into a pipe exits 0" "$rc" 0
check "pipe: no carriage return" sh -c "! grep -q '$cr' '$AMG_TMP/pipe.err'"
check "pipe: no escape sequence" sh -c "! grep -q '$esc' '$AMG_TMP/pipe.err'"
expect_eq "pipe: one done line per plugin" "$(grep -c '\] done in ' "$AMG_TMP/pipe.err")" 3
check "pipe: done line with the plugin's count" \
  grep -qE '^appid-migrate: info: \[export themes\] done in [0-9.]+ s \(2/2\)$' "$AMG_TMP/pipe.err"
expect_eq "pipe: stdout is only the snapshot path" "$(wc -l <"$AMG_TMP/pipe.out")" 1

# Quiet: no progress at all, on a terminal or not.
script -qec "'$AMG' -q -c '$conf' export --instance src" /dev/null </dev/null \
  >"$AMG_TMP/tty-q.out" 2>&1; rc=$?
expect_eq "quiet export on a terminal exits 0" "$rc" 0
check "quiet terminal: no live line" sh -c "! grep -q '$esc' '$AMG_TMP/tty-q.out'"
check "quiet terminal: no done line" sh -c "! grep -q 'done in' '$AMG_TMP/tty-q.out'"
"$AMG" -q -c "$conf" export --instance src >/dev/null 2>"$AMG_TMP/q.err"; rc=$?
expect_eq "quiet export exits 0" "$rc" 0
expect_eq "quiet pipe: stderr empty" "$(cat "$AMG_TMP/q.err")" ""

# Import shows progress too.
snap=$(ls -d "$AMG_TMP"/snapshots/src-* | head -n 1)
script -qec "'$AMG' -c '$conf' import --instance dst --snapshot '$snap'" /dev/null </dev/null \
  >"$AMG_TMP/tty-i.out" 2>&1; rc=$?
expect_eq "import on a terminal exits 0" "$rc" 0
check "terminal: import live line" grep -qF "${cr}${esc}[K[import themes] 2/2 100%" \
  "$AMG_TMP/tty-i.out"

amg_finish
