#!/usr/bin/env bash
# End to end: configure one appid-sim through the API, migrate into a
# second one, read both back and compare; then re-run (idempotent),
# validate, corrupt, select, and fail authentication on purpose.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins

sim_start SRC tenant-src key-src
sim_start DST tenant-dst key-dst
sim_start THIRD tenant-third key-third

write_conf() {  # write_conf FILE
  cat > "$1" <<CONF
instances = {
  src = { endpoint = "$SRC_URL"; iam_endpoint = "$SRC_URL/identity/token";
          tenant_id = "tenant-src"; api_key_env = "SRC_KEY"; };
  dst = { endpoint = "$DST_URL"; iam_endpoint = "$DST_URL/identity/token";
          tenant_id = "tenant-dst"; api_key_env = "DST_KEY"; };
  third = { endpoint = "$THIRD_URL"; iam_endpoint = "$THIRD_URL/identity/token";
          tenant_id = "tenant-third"; api_key_env = "THIRD_KEY"; };
};
snapshot_dir = "$AMG_TMP/snapshots";
http = { retries = 2; };
CONF
}
conf="$AMG_TMP/test.conf"
write_conf "$conf"
export SRC_KEY=key-src DST_KEY=key-dst THIRD_KEY=key-third

stok=$(iam_token "$SRC_URL" key-src)
dtok=$(iam_token "$DST_URL" key-dst)
ttok=$(iam_token "$THIRD_URL" key-third)
sbase="$SRC_URL/management/v4/tenant-src"
dbase="$DST_URL/management/v4/tenant-dst"
tbase="$THIRD_URL/management/v4/tenant-third"

api PUT "$sbase/config/tokens" "$stok" '{"access":{"expires_in":900},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000},"idTokenClaims":[{"source":"roles"}],"accessTokenClaims":[{"source":"attributes","sourceClaim":"a.b","destinationClaim":"ab"}]}' >/dev/null
expect_eq "source tokens configured" "$HTTP_STATUS" 200
api PUT "$sbase/config/redirect_uris" "$stok" '{"redirectUris":["https://a.example/cb","https://b.example/*"]}' >/dev/null
expect_eq "source redirect URIs configured" "$HTTP_STATUS" 204
api PUT "$sbase/config/ui/theme_text" "$stok" '{"tabTitle":"Tab ü","footnote":"Foot"}' >/dev/null
api PUT "$sbase/config/ui/theme_color" "$stok" '{"headerColor":"#102030"}' >/dev/null
expect_eq "source theme colour configured" "$HTTP_STATUS" 204

paths="config/tokens config/redirect_uris config/ui/theme_text config/ui/theme_color"
same_as_source() {  # same_as_source BASE TOKEN LABEL
  local p
  for p in $paths; do
    expect_eq "$3: $p equals the source" "$(api GET "$1/$p" "$2")" "$(api GET "$sbase/$p" "$stok")"
  done
}

# Before the migration the target differs (defaults).
check "target starts with defaults" \
  test "$(api GET "$dbase/config/tokens" "$dtok")" != "$(api GET "$sbase/config/tokens" "$stok")"

out=$("$AMG" -c "$conf" migrate --from src --to dst 2>"$AMG_TMP/migrate.err"); rc=$?
expect_eq "migrate exits 0" "$rc" 0
same_as_source "$dbase" "$dtok" "after migrate"
snap=$(printf '%s\n' "$out" | sed -n 's/^snapshot: //p')
check "migrate printed the snapshot path" test -f "$snap/manifest.json"
check "snapshot directory is 0700" test "$(stat -c %a "$snap")" = 700
check "snapshot files are 0600" test -z "$(find "$snap" -type f ! -perm 600)"
check "report written" test -n "$(ls "$AMG_TMP/snapshots/reports/"import-dst-*.json 2>/dev/null)"
check "no secret in the logs" sh -c "! grep -q -e key-src -e key-dst -e '$stok' '$AMG_TMP/migrate.err'"
check "no secret in the snapshot" sh -c "! grep -rq -e key-src -e '$stok' '$snap'"

# A second import changes nothing.
"$AMG" -c "$conf" import --instance dst --snapshot "$snap" >"$AMG_TMP/second.out" 2>&1; rc=$?
expect_eq "second import exits 0" "$rc" 0
report=$(ls -t "$AMG_TMP"/snapshots/reports/import-dst-*.json | head -n 1)
check "second import updated nothing" sh -c "! grep -q '\"updated\": [1-9]' '$report'"
check "second import counted unchanged objects" grep -q '"unchanged": [1-9]' "$report"

# Offline validation, then a flipped byte.
"$AMG" validate --snapshot "$snap" >/dev/null 2>&1; rc=$?
expect_eq "validate of a good snapshot exits 0" "$rc" 0
bad="$AMG_TMP/bad-snapshot"
cp -a "$snap" "$bad"
sed -i 's/"expires_in":900/"expires_in":901/' "$bad/tokens.json"
"$AMG" validate --snapshot "$bad" >/dev/null 2>"$AMG_TMP/validate.err"; rc=$?
expect_eq "validate of a corrupt snapshot exits 4" "$rc" 4
check "the error names the corrupt file" grep -q "tokens.json" "$AMG_TMP/validate.err"
"$AMG" -c "$conf" import --instance third --snapshot "$bad" >/dev/null 2>&1; rc=$?
expect_eq "import of a corrupt snapshot exits 4" "$rc" 4
check "nothing was written to the target" \
  test "$(api GET "$tbase/config/tokens" "$ttok")" != "$(api GET "$sbase/config/tokens" "$stok")"

# An out-of-range value with a matching checksum: validate hook catches it.
bad2="$AMG_TMP/bad-range"
cp -a "$snap" "$bad2"
sed -i 's/"expires_in":900/"expires_in":10/' "$bad2/tokens.json"
sum=$(sha256sum "$bad2/tokens.json" | cut -d' ' -f1)
size=$(stat -c %s "$bad2/tokens.json")
old=$(sha256sum "$snap/tokens.json" | cut -d' ' -f1)
oldsize=$(stat -c %s "$snap/tokens.json")
sed -i "s/$old/$sum/; s/\"bytes\": $oldsize,/\"bytes\": $size,/" "$bad2/manifest.json"
"$AMG" validate --snapshot "$bad2" >/dev/null 2>"$AMG_TMP/range.err"; rc=$?
expect_eq "validate rejects an out-of-range token lifetime" "$rc" 4
check "the problem names the field" grep -q "expires_in" "$AMG_TMP/range.err"

# Selective restore: only tokens into the third instance.
"$AMG" -c "$conf" import --instance third --snapshot "$snap" --only tokens >/dev/null 2>&1; rc=$?
expect_eq "import --only tokens exits 0" "$rc" 0
expect_eq "--only tokens restored tokens" "$(api GET "$tbase/config/tokens" "$ttok")" \
  "$(api GET "$sbase/config/tokens" "$stok")"
check "--only tokens left the theme alone" \
  test "$(api GET "$tbase/config/ui/theme_color" "$ttok")" != "$(api GET "$sbase/config/ui/theme_color" "$stok")"
"$AMG" -c "$conf" import --instance third --snapshot "$snap" --exclude tokens >/dev/null 2>&1; rc=$?
expect_eq "import --exclude tokens exits 0" "$rc" 0
same_as_source "$tbase" "$ttok" "after --only then --exclude"
"$AMG" -c "$conf" import --instance third --snapshot "$snap" --only nosuchthing >/dev/null 2>&1; rc=$?
expect_eq "unknown resource type is a usage error" "$rc" 2

# Export of a subset writes only that plugin's file.
out=$("$AMG" -c "$conf" export --instance src --only themes 2>/dev/null); rc=$?
expect_eq "export --only themes exits 0" "$rc" 0
sub=$(printf '%s\n' "$out" | tail -n 1)
check "subset snapshot has themes.json" test -f "$sub/themes.json"
check "subset snapshot has no tokens.json" test ! -e "$sub/tokens.json"

# Authentication failure: wrong key, exit 3, key not printed.
SRC_KEY=wrong-key-123 "$AMG" -c "$conf" export --instance src >/dev/null 2>"$AMG_TMP/auth.err"; rc=$?
expect_eq "wrong API key exits 3" "$rc" 3
check "the wrong key is not printed" sh -c "! grep -q wrong-key-123 '$AMG_TMP/auth.err'"
env -u SRC_KEY "$AMG" -c "$conf" export --instance src >/dev/null 2>"$AMG_TMP/env.err"; rc=$?
expect_eq "unset API key variable exits 2" "$rc" 2
check "the message names the variable" grep -q SRC_KEY "$AMG_TMP/env.err"

amg_finish
