#!/usr/bin/env bash
# The systemd units that run a job of the configuration (run %i): the
# keys that matter, the hardening of the backup unit, `make install`, and
# `systemd-analyze verify` where the analyzer can run.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

mk() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s "$@"
}
service="$top_builddir/conf/systemd/appid-migrate-job@.service"
timer="$top_srcdir/conf/systemd/appid-migrate-job@.timer"
mk -C "$top_builddir/conf" >/dev/null 2>&1
check "job service generated" test -f "$service"
check "job timer present" test -f "$timer"
has() {
  grep -qxF -- "$2" "$1"
}
bindir=$(printf 'print-bindir:\n\t@echo $(bindir)\n' | mk -C "$top_builddir/conf" -f Makefile -f - print-bindir)
unitdir=$(printf 'print-unitdir:\n\t@echo $(systemdsystemunitdir)\n' | mk -C "$top_builddir/conf" -f Makefile -f - print-unitdir)
check "runs the job named by the template argument" has "$service" \
  "ExecStart=$bindir/appid-migrate -c /etc/appid-migrate/appid-migrate.conf run %i"
expect_eq "one command only" "$(grep -c '^ExecStart=' "$service")" 1
check "keys of every instance from one file" has "$service" \
  "EnvironmentFile=/etc/appid-migrate/jobs.env"
for line in "Type=oneshot" "User=appid-migrate" "ProtectSystem=strict" \
            "ReadWritePaths=/var/lib/appid-migrate" "NoNewPrivileges=yes" "PrivateTmp=yes" \
            "ProtectHome=yes" "UMask=0077" "CapabilityBoundingSet="; do
  check "job service: $line" has "$service" "$line"
done
check "no unsubstituted @bindir@" sh -c "! grep -q '@bindir@' '$service'"
check "timer: persistent" has "$timer" "Persistent=true"
check "timer: enabled by timers.target" has "$timer" "WantedBy=timers.target"

# Every unit and every cron example runs a job, not a long command line.
for unit in "$top_srcdir"/conf/systemd/*.service.in; do
  u=$(basename "$unit")
  expect_eq "$u: one ExecStart" "$(grep -c '^ExecStart=' "$unit")" 1
  check "$u: runs the job named by the template argument" \
    grep -qx 'ExecStart=@bindir@/appid-migrate -c /etc/appid-migrate/appid-migrate.conf run %i' \
    "$unit"
done
cron=$(grep -hE '^[0-9*@][^#]* appid-migrate ' "$top_srcdir"/docs/*.md "$top_srcdir"/README.md \
       "$top_srcdir"/conf/examples/*.conf 2>/dev/null)
check "the docs have cron examples" test -n "$cron"
expect_eq "cron examples: every appid-migrate command is a run JOB" \
  "$(printf '%s\n' "$cron" | grep -oE 'appid-migrate( -q)?( -c [^ ]+)? [a-z]+' |
     grep -vE '^appid-migrate( -q)?( -c [^ ]+)? run$' | grep -v '^appid-migrate set$')" ""

dest="$AMG_TMP/dest"
mk -C "$top_builddir/conf" install DESTDIR="$dest" >"$AMG_TMP/install.log" 2>&1
expect_eq "make install exits 0" "$?" 0
check "job service installed" test -f "$dest$unitdir/appid-migrate-job@.service"
check "job timer installed" test -f "$dest$unitdir/appid-migrate-job@.timer"

units="$AMG_TMP/units"
mkdir -p "$units"
sed "s|^ExecStart=$bindir/|ExecStart=$top_builddir/core/|" "$service" >"$units/appid-migrate-job@.service"
cp "$timer" "$units/"
ln -s appid-migrate-job@.service "$units/appid-migrate-job@nightly.service"
ln -s appid-migrate-job@.timer "$units/appid-migrate-job@nightly.timer"
printf '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=/bin/true\n' >"$units/probe.service"
if command -v systemd-analyze >/dev/null 2>&1 &&
   timeout 60 systemd-analyze verify --man=no "$units/probe.service" >/dev/null 2>&1; then
  out=$(cd "$units" && timeout 120 systemd-analyze verify --man=no \
    "$units/appid-migrate-job@nightly.service" "$units/appid-migrate-job@nightly.timer" 2>&1)
  expect_eq "systemd-analyze verify exits 0" "$?" 0
  expect_eq "systemd-analyze verify has nothing to say" "$out" ""
else
  echo "# systemd-analyze is not available (or cannot run here): checked the unit keys only"
fi

amg_finish
