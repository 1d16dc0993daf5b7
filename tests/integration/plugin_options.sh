#!/usr/bin/env bash
# Declared plugin options (ABI 1.4): `plugins --options NAME` prints what
# docs/plugins.md says for every bundled plugin; a config with an unknown
# key, a wrong type or a section for a plugin that is not loaded is
# refused with FILE:LINE before any request; a valid option reaches the
# plugin.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup
. "$top_srcdir/tests/integration/ops_lib.sh"
docs="$top_srcdir/docs/plugins.md"

all=""
n_plugins=0
for d in "$top_builddir"/plugins/*/; do
    [ -e "$d.libs/$(basename "$d").so" ] || continue  # plugins/common: helpers
    all="$all${all:+:}$d.libs"
    n_plugins=$((n_plugins + 1))
done
names=$(APPID_MIGRATE_PLUGIN_PATH=$all "$AMG" plugins | awk 'NR > 1 { print $1 }')
expect_eq "all bundled plugins listed" "$(echo "$names" | wc -l)" "$n_plugins"
with_options=0
for p in $names; do
    APPID_MIGRATE_PLUGIN_PATH=$all "$AMG" plugins --options "$p" >"$AMG_TMP/$p.opts"
    expect_eq "plugins --options $p exits 0" "$?" 0
    # The block after "<!-- options: NAME -->", without its fences.
    awk -v m="<!-- options: $p -->" '$0 == m { f = 1; next }
        f && /^```$/ { if (in_block) exit; in_block = 1; next }
        in_block { print }' "$docs" >"$AMG_TMP/$p.doc"
    if [ "$(cat "$AMG_TMP/$p.opts")" = "$p: no options" ]; then
        expect_eq "docs: no options block for $p" "$(wc -c <"$AMG_TMP/$p.doc")" 0
    else
        with_options=$((with_options + 1))
        check "docs/plugins.md has the --options text of $p" \
          cmp "$AMG_TMP/$p.opts" "$AMG_TMP/$p.doc"
    fi
done
expect_eq "plugins with options" "$with_options" 3
check "cloud_directory_users: async_threshold default" \
  grep -qx '  async_threshold (int, default: 16000)' "$AMG_TMP/cloud_directory_users.opts"
check "cloud_directory_users: batch_size default" \
  grep -qx '  batch_size (int, default: 50)' "$AMG_TMP/cloud_directory_users.opts"
check "themes: carry_logo default" \
  grep -qx '  carry_logo (bool, default: true)' "$AMG_TMP/themes.opts"
APPID_MIGRATE_PLUGIN_PATH=$all "$AMG" plugins --options nosuch 2>"$AMG_TMP/nosuch.err"
expect_eq "--options of an unknown plugin fails" "$?" 1
check "--options names the unknown plugin" grep -q "no plugin 'nosuch' is loaded" \
  "$AMG_TMP/nosuch.err"

ops_start
ops_configure_source
good="$conf"
bad="$AMG_TMP/bad.conf"
{
    cat "$good"
    echo "plugins = {"
    echo "  themes = {"
    echo "    carry_logo = \"no\";"
    echo "    colour = 1;"
    echo "  };"
    echo "  cloud_directory_users = { batch_size = 10; };"
    echo "};"
} >"$bad"
line=$(($(wc -l <"$good") + 3))
before=$(grep -c ' /management/\| /identity/' "$AMG_TMP/DST.err")
"$AMG" -c "$bad" export --instance dst >"$AMG_TMP/bad.out" 2>"$AMG_TMP/bad.err"
expect_eq "bad plugin options: exit 2" "$?" 2
expect_contains "wrong type with FILE:LINE" "$(cat "$AMG_TMP/bad.err")" \
  "$bad:$line: plugins.themes.carry_logo: plugin 'themes' wants a bool, not 'no'"
expect_contains "unknown key with FILE:LINE" "$(cat "$AMG_TMP/bad.err")" \
  "$bad:$((line + 1)): plugins.themes.colour: plugin 'themes' has no option 'colour'"
expect_contains "section of a plugin not loaded" "$(cat "$AMG_TMP/bad.err")" \
  "$bad:$((line + 3)): plugins.cloud_directory_users.batch_size: no plugin"
expect_eq "refused before any request (dst logs each)" \
  "$(grep -c ' /management/\| /identity/' "$AMG_TMP/DST.err")" "$before"
check "no snapshot written" test ! -d "$AMG_TMP/snapshots"

# A valid option reaches the plugin; without it the default (carry) holds.
logo_conf="$AMG_TMP/nologo.conf"
{ cat "$good"; echo "plugins = { themes = { carry_logo = false; }; };"; } >"$logo_conf"
snap=$("$AMG" -q -c "$logo_conf" export --instance src)
expect_eq "export with carry_logo = false exits 0" "$?" 0
check "carry_logo = false: no logo in the snapshot" test ! -e "$snap/themes.logo.bin"
snap=$("$AMG" -q -c "$good" export --instance src)
expect_eq "export with defaults exits 0" "$?" 0
check "default carry_logo: the logo is in the snapshot" test -e "$snap/themes.logo.bin"

amg_finish
