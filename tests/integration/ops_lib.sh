# Shared set-up of the ops_*.sh tests (sourced after lib.sh and
# amg_setup): two appid-sim instances, "src" and "dst", the second with
# -v so that its request log ($AMG_TMP/DST.err) can be searched for
# writes; a configuration naming both; the bundled plugins.
#
#   ops_start [EXTRA_PLUGIN_DIR]   start both sims, write $conf, set
#                                  $AMG, $JT (jsontool), $stok/$dtok,
#                                  $sbase/$dbase
#   ops_configure_source           a non-default configuration in src
#   writes_in LOGFILE              number of write requests to the
#                                  management API a sim logged

AMG="$top_builddir/core/appid-migrate"
JT="$top_builddir/tests/jsontool"
# The operator features are tested on three small singleton plugins, so
# that counts in plans and reports do not change as plugins are added.
plugin_path=""
for d in tokens redirect_uris themes; do
    plugin_path="$plugin_path${plugin_path:+:}$top_builddir/plugins/$d/.libs"
done
export APPID_MIGRATE_PLUGIN_PATH="$plugin_path"

ops_start() {
    sim_start SRC tenant-src key-src || exit 99
    sim_start DST tenant-dst key-dst -v || exit 99
    conf="$AMG_TMP/ops.conf"
    {
        echo "instances = {"
        echo "  src = { endpoint = \"$SRC_URL\"; iam_endpoint = \"$SRC_URL/identity/token\";"
        echo "          tenant_id = \"tenant-src\"; api_key_env = \"SRC_KEY\"; };"
        echo "  dst = { endpoint = \"$DST_URL\"; iam_endpoint = \"$DST_URL/identity/token\";"
        echo "          tenant_id = \"tenant-dst\"; api_key_env = \"DST_KEY\"; };"
        echo "};"
        echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
        if [ -n "${1:-}" ]; then
            echo "plugin_dir = \"$1\";"
        fi
    } >"$conf"
    export SRC_KEY=key-src DST_KEY=key-dst
    stok=$(iam_token "$SRC_URL" key-src)
    dtok=$(iam_token "$DST_URL" key-dst)
    sbase="$SRC_URL/management/v4/tenant-src"
    dbase="$DST_URL/management/v4/tenant-dst"
}

ops_configure_source() {
    api PUT "$sbase/config/tokens" "$stok" '{"access":{"expires_in":900},"refresh":{"enabled":true,"expires_in":90000},"anonymousAccess":{"enabled":false,"expires_in":100000}}' >/dev/null
    [ "$HTTP_STATUS" = 200 ] || { echo "cannot configure src tokens: $HTTP_BODY" >&2; exit 99; }
    api PUT "$sbase/config/redirect_uris" "$stok" '{"redirectUris":["https://a.example/cb","https://b.example/*"]}' >/dev/null
    api PUT "$sbase/config/ui/theme_color" "$stok" '{"headerColor":"#102030"}' >/dev/null
    [ "$HTTP_STATUS" = 204 ] || { echo "cannot configure src theme: $HTTP_BODY" >&2; exit 99; }
}

writes_in() {
    grep -cE '(PUT|POST|DELETE|PATCH) /management/' "$1"
}
