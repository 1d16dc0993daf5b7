#!/usr/bin/env bash
# Extensibility proof: install the SDK with DESTDIR, build the example
# plugin out of tree with pkg-config, drop the .so into a plugin directory
# and let the unchanged appid-migrate load it, order it after its declared
# dependency, and run its hooks against appid-sim.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

dest="$AMG_TMP/destdir"
make -s -C "$top_builddir/core" install-sdkincludeHEADERS install-pkgconfigDATA \
  DESTDIR="$dest" >/dev/null 2>&1
check "SDK header installed" test -f "$(find "$dest" -path '*/appid-migrate/plugin.h' | head -n 1)"
pcdir=$(dirname "$(find "$dest" -name appid-migrate-plugin.pc | head -n 1)")
check "pkg-config file installed" test -f "$pcdir/appid-migrate-plugin.pc"

cp "$top_srcdir/docs/examples/audit_status.c" "$top_srcdir/docs/examples/Makefile" "$AMG_TMP/"
PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest" \
  make -s -C "$AMG_TMP" >"$AMG_TMP/build.log" 2>&1
rc=$?
expect_eq "example plugin builds out of tree" "$rc" 0
[ $rc -eq 0 ] || cat "$AMG_TMP/build.log"
mkdir -p "$AMG_TMP/extra"
cp "$AMG_TMP/audit_status.so" "$AMG_TMP/extra/"

AMG="$top_builddir/core/appid-migrate"
dirs=()
for d in "$top_builddir"/plugins/*/.libs; do dirs+=(--plugin-dir "$d"); done
dirs+=(--plugin-dir "$AMG_TMP/extra")

list=$("$AMG" "${dirs[@]}" plugins 2>&1); rc=$?
expect_eq "plugins command exits 0" "$rc" 0
check "the new plugin is listed" sh -c "printf '%s\n' \"\$1\" | grep -q '^audit_status '" _ "$list"
order=$(printf '%s\n' "$list" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')
check "audit_status runs after its dependency tokens ($order)" \
  sh -c "printf '%s' '$order' | grep -q 'tokens.*audit_status'"

sim_start A tenant-a key-a
sim_start B tenant-b key-b
cat > "$AMG_TMP/c.conf" <<CONF
instances = {
  a = { endpoint = "$A_URL"; iam_endpoint = "$A_URL/identity/token"; tenant_id = "tenant-a"; api_key_env = "KEY_A"; };
  b = { endpoint = "$B_URL"; iam_endpoint = "$B_URL/identity/token"; tenant_id = "tenant-b"; api_key_env = "KEY_B"; };
};
snapshot_dir = "$AMG_TMP/snapshots";
CONF
export KEY_A=key-a KEY_B=key-b
atok=$(iam_token "$A_URL" key-a)
btok=$(iam_token "$B_URL" key-b)
api PUT "$A_URL/management/v4/tenant-a/config/capture_runtime_activity" "$atok" '{"isActive":true}' >/dev/null
expect_eq "source audit switched on" "$HTTP_STATUS" 204
"$AMG" "${dirs[@]}" -c "$AMG_TMP/c.conf" migrate --from a --to b --only audit_status \
  >"$AMG_TMP/m.out" 2>"$AMG_TMP/m.err"; rc=$?
expect_eq "migrate with the out-of-tree plugin exits 0" "$rc" 0
check "tokens was pulled in as a dependency on export" grep -q "pulled in 'tokens'" "$AMG_TMP/m.err"
expect_eq "target audit switch restored" \
  "$(api GET "$B_URL/management/v4/tenant-b/config/capture_runtime_activity" "$btok")" '{"isActive":true}'
snap=$(ls -d "$AMG_TMP"/snapshots/a-* | head -n 1)
check "snapshot holds audit_status.json" test -f "$snap/audit_status.json"
"$AMG" "${dirs[@]}" validate --snapshot "$snap" >/dev/null 2>&1; rc=$?
expect_eq "validate runs the plugin's hook" "$rc" 0
# Without the plugin the snapshot cannot be fully checked: exit 4.
nodirs=()
for d in "$top_builddir"/plugins/*/.libs; do nodirs+=(--plugin-dir "$d"); done
"$AMG" "${nodirs[@]}" validate --snapshot "$snap" >/dev/null 2>"$AMG_TMP/v.err"; rc=$?
expect_eq "validate without the plugin exits 4" "$rc" 4
check "the message names the unhandled plugin" grep -q "audit_status" "$AMG_TMP/v.err"

# The example plans a dry run: switch the source off, plan, nothing changes.
api PUT "$A_URL/management/v4/tenant-a/config/capture_runtime_activity" "$atok" '{"isActive":false}' >/dev/null
snap2=$("$AMG" "${dirs[@]}" -c "$AMG_TMP/c.conf" -q export --instance a --only audit_status)
"$AMG" "${dirs[@]}" -c "$AMG_TMP/c.conf" import --instance b --snapshot "$snap2" \
  --only audit_status --dry-run >"$AMG_TMP/plan.out" 2>&1; rc=$?
expect_eq "dry run with the example plugin exits 0" "$rc" 0
check "the example plans an update of isActive" \
  grep -q "update     audit switch (fields: isActive)" "$AMG_TMP/plan.out"
expect_eq "the dry run left the target alone" \
  "$(api GET "$B_URL/management/v4/tenant-b/config/capture_runtime_activity" "$btok")" '{"isActive":true}'

amg_finish
