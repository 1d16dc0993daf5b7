#!/usr/bin/env bash
# The systemd units for scheduled backups: the keys that matter, what
# `make install` puts where, and `systemd-analyze verify` when the
# analyzer can run here (containers often cannot; then the key checks
# stand alone and the output says so).
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

# Under make check, MAKEFLAGS would add "Entering directory" lines.
mk() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s "$@"
}
service="$top_builddir/conf/systemd/appid-migrate-backup@.service"
timer="$top_srcdir/conf/systemd/appid-migrate-backup@.timer"
mk -C "$top_builddir/conf" >/dev/null 2>&1
check "service unit generated" test -f "$service"
check "timer unit present" test -f "$timer"

has() {  # has FILE LINE: LINE is a whole line of FILE
  grep -qxF -- "$2" "$1"
}
bindir=$(printf 'print-bindir:\n\t@echo $(bindir)\n' | mk -C "$top_builddir/conf" -f Makefile -f - print-bindir)
unitdir=$(printf 'print-unitdir:\n\t@echo $(systemdsystemunitdir)\n' | mk -C "$top_builddir/conf" -f Makefile -f - print-unitdir)
conf=/etc/appid-migrate/appid-migrate.conf
check "oneshot service" has "$service" "Type=oneshot"
check "runs the backup job named by the template argument" has "$service" \
  "ExecStart=$bindir/appid-migrate -c $conf run %i"
expect_eq "one command only: retention is the job's keep" "$(grep -c '^ExecStart=' "$service")" 1
check "no retention on the command line" sh -c "! grep -q 'KEEP\|--keep' '$service'"
check "secrets from the instance's environment file" has "$service" \
  "EnvironmentFile=/etc/appid-migrate/%i.env"
check "its own user" has "$service" "User=appid-migrate"
for line in "ProtectSystem=strict" "ReadWritePaths=/var/lib/appid-migrate" "NoNewPrivileges=yes" \
            "PrivateTmp=yes" "ProtectHome=yes" "PrivateDevices=yes" "UMask=0077" \
            "CapabilityBoundingSet=" "StateDirectory=appid-migrate"; do
  check "hardening: $line" has "$service" "$line"
done
check "no unsubstituted @bindir@" sh -c "! grep -q '@bindir@' '$service'"
check "nightly" has "$timer" "OnCalendar=*-*-* 02:30:00"
check "catches up on missed runs" has "$timer" "Persistent=true"
check "enabled by timers.target" has "$timer" "WantedBy=timers.target"

# make install puts the units into the configured unit directory.
dest="$AMG_TMP/dest"
mk -C "$top_builddir/conf" install DESTDIR="$dest" >"$AMG_TMP/install.log" 2>&1; rc=$?
expect_eq "make install exits 0" "$rc" 0
check "unit directory is absolute ($unitdir)" sh -c "case '$unitdir' in /*) exit 0;; *) exit 1;; esac"
check "service installed into $unitdir" test -f "$dest$unitdir/appid-migrate-backup@.service"
check "timer installed into $unitdir" test -f "$dest$unitdir/appid-migrate-backup@.timer"
check "sysusers entry installed" sh -c "test -n \"\$(find '$dest' -path '*sysusers.d/appid-migrate.conf')\""
check "environment file sample installed" sh -c "test -n \"\$(find '$dest' -name instance.env.sample)\""

# systemd-analyze verify, on copies that point at the built binary (the
# installed one does not exist here), for an instance "primary".
units="$AMG_TMP/units"
mkdir -p "$units"
sed "s|^ExecStart=$bindir/|ExecStart=$top_builddir/core/|" "$service" >"$units/appid-migrate-backup@.service"
cp "$timer" "$units/"
ln -s appid-migrate-backup@.service "$units/appid-migrate-backup@primary.service"
ln -s appid-migrate-backup@.timer "$units/appid-migrate-backup@primary.timer"
printf '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=/bin/true\n' >"$units/probe.service"
analyzer=no
if command -v systemd-analyze >/dev/null 2>&1 &&
   timeout 60 systemd-analyze verify --man=no "$units/probe.service" >/dev/null 2>&1; then
  analyzer=yes
fi
if [ "$analyzer" = yes ]; then
  out=$(cd "$units" && timeout 120 systemd-analyze verify --man=no \
    "$units/appid-migrate-backup@primary.service" "$units/appid-migrate-backup@primary.timer" 2>&1); rc=$?
  expect_eq "systemd-analyze verify exits 0" "$rc" 0
  expect_eq "systemd-analyze verify has nothing to say" "$out" ""
  # The analyzer does catch mistakes: a misspelt key.
  sed 's/^Persistent=/Persistant=/' "$timer" >"$units/appid-migrate-backup@.timer"
  out=$(timeout 120 systemd-analyze verify --man=no "$units/appid-migrate-backup@primary.timer" 2>&1)
  expect_contains "systemd-analyze reports a misspelt key" "$out" "Persistant"
else
  echo "# systemd-analyze is not available (or cannot run here): checked the unit keys only"
fi

amg_finish
