#!/usr/bin/env bash
# The man page renders without warnings and covers what the program has:
# every command, every option of every command's --help, every
# configuration key of the sample, every environment variable the code
# reads, every exit status. The README starts with the two quick-start
# commands and its links resolve.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
AMG="$top_builddir/core/appid-migrate"
man1="$top_srcdir/docs/appid-migrate.1"

# Rendered text, and the renderer's warnings.
if command -v man >/dev/null 2>&1; then
  warnings=$(MANWIDTH=80 man -l "$man1" 2>&1 >"$AMG_TMP/man.txt")
  renderer=man
elif command -v groff >/dev/null 2>&1; then
  warnings=$(groff -man -Tutf8 -ww "$man1" 2>&1 >"$AMG_TMP/man.txt")
  renderer=groff
else
  renderer=none
  warnings=
  # Plain source: the coverage checks below still apply.
  sed -e 's/\\-/-/g' -e 's/\\f[BIR]//g' "$man1" >"$AMG_TMP/man.txt"
  echo "# neither man nor groff is installed: rendering not checked"
fi
expect_eq "the man page renders without warnings ($renderer)" "$warnings" ""
check "the rendered page has an EXIT STATUS section" grep -q "^EXIT STATUS" "$AMG_TMP/man.txt"
# Rendered text hyphenates and may use Unicode hyphens; compare without them.
tr -d '\n' <"$AMG_TMP/man.txt" | sed 's/‐ *//g; s/  */ /g' >"$AMG_TMP/man.flat"
in_man() {
  grep -qF -- "$1" "$AMG_TMP/man.flat"
}

commands=$("$AMG" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 { print $1 }')
check "the help lists commands" test -n "$commands"
for c in $commands; do
  # A tagged paragraph in COMMANDS: the name at the indent, text after it.
  check "man page: command $c" grep -qE "^ {7}$c( |\$)" "$AMG_TMP/man.txt"
  for opt in $("$AMG" "$c" --help | grep -o -- '--[a-z-]*' | sort -u); do
    check "man page: $c option $opt" in_man "$opt"
  done
done
for opt in $("$AMG" --help | grep -o -- '--[a-z-]*' | sort -u); do
  check "man page: global option $opt" in_man "$opt"
done
for key in $(grep -oE '^ *#? *[a-z_]+ = ' "$top_srcdir/conf/appid-migrate.conf.sample" |
             sed -E 's/^ *#? *//; s/ = $//' | sort -u); do
  case $key in primary|secondary|rehearsal|tokens) continue ;; esac
  check "man page: configuration key $key" in_man "$key"
done
for var in $(grep -ho 'getenv("[A-Z_]*")' "$top_srcdir"/core/*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
  check "man page: environment variable $var" in_man "$var"
done
for code in 0 1 2 3 4 5; do
  check "man page: exit status $code" grep -qE "^ {7}$code( |\$)" "$AMG_TMP/man.txt"
done

# README: the two quick-start commands come first.
first=$(grep -m 2 '^\./quickstart\.sh' "$top_srcdir/README.md" | awk '{ print $1, $2 }' | tr '\n' ';')
expect_eq "README starts with the quick-start commands" "$first" "./quickstart.sh demo;./quickstart.sh check;"
check "README: quick start before the first section" sh -c \
  "awk '/^## /{ exit 1 } /quickstart.sh demo/{ exit 0 }' '$top_srcdir/README.md'"
for link in $(grep -o '](docs/[^)]*)' "$top_srcdir/README.md" | sed 's/](\(.*\))/\1/' | sort -u); do
  check "README link $link resolves" test -f "$top_srcdir/$link"
done
for section in "verify" "--dry-run" "--plan-out" "selective\|--only" "prune"; do
  check "README tour mentions $section" grep -q -- "$section" "$top_srcdir/README.md"
done
check "runbook: post-restore actions" grep -q "Post-restore actions" "$top_srcdir/docs/disaster-recovery.md"
check "runbook: cron" grep -q "^### cron" "$top_srcdir/docs/disaster-recovery.md"
check "runbook: rehearsal with appid-sim" grep -q "Rehearse it with appid-sim" \
  "$top_srcdir/docs/disaster-recovery.md"

amg_finish
