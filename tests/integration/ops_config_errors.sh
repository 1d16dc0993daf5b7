#!/usr/bin/env bash
# Every class of configuration error at the command line: a FILE:LINE
# message (or the file and setting, for values that live in the
# environment), exit 2, and not one request to the instance.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins

sim_start SRC tenant-src key-src-0123456789abcdef -v
export SRC_KEY=key-src-0123456789abcdef
requests() {
    grep -cE '(GET|PUT|POST|DELETE|PATCH) /' "$AMG_TMP/SRC.err"
}

# conf BODY...: a config file whose instance "src" is the sim; extra lines
# follow the instance block (line 5 onwards).
conf="$AMG_TMP/c.conf"
write_conf() {
    {
        echo "instances = {"
        echo "  src = { endpoint = \"$SRC_URL\"; iam_endpoint = \"$SRC_URL/identity/token\";"
        echo "          tenant_id = \"tenant-src\"; api_key_env = \"SRC_KEY\"; };"
        echo "};"
        printf '%s\n' "$@"
    } >"$conf"
}

# refused WHAT MESSAGE [ARGS...]: the export exits 2 with MESSAGE on stderr.
refused() {
    local what=$1 msg=$2 before
    shift 2
    before=$(requests)
    "$AMG" -c "$conf" "$@" >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
    expect_eq "$what: exit 2" "$rc" 2
    check "$what: '$msg'" grep -qF -- "$msg" "$AMG_TMP/err"
    expect_eq "$what: no request" "$(requests)" "$before"
}

write_conf "snapshot_dir = \"$AMG_TMP/snaps\";" "http = { timeout = ; };"
refused "syntax error" "$conf:6: syntax error" export --instance src
write_conf "snapshot_dir = \"$AMG_TMP/snaps\";" "" "colour = \"blue\";"
refused "unknown key" "$conf:7: unknown top-level key 'colour'" export --instance src
write_conf "snapshot_dir = \"$AMG_TMP/snaps\";" "http = {" "  retries = \"three\";" "};"
refused "wrong type" "$conf:7: http.retries must be an integer, not a string" \
    export --instance src
cat >"$conf" <<CONF
instances = {
  primary = { region = "eu-central"; tenant_id = "t"; };
};
snapshot_dir = "$AMG_TMP/snaps";
CONF
refused "unknown region" "$conf:2: instances.primary.region: unknown region 'eu-central'" \
    export --instance primary
write_conf "snapshot_dir = \"$AMG_TMP/snaps\";"
refused "missing instance" "$conf: no instance named 'backup' in 'instances'" \
    export --instance backup
env -u SRC_KEY "$AMG" -c "$conf" export --instance src >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
expect_eq "API key variable unset: exit 2" "$rc" 2
check "API key variable unset: named" \
    grep -qF "environment variable SRC_KEY (its IBM Cloud API key) is not set" "$AMG_TMP/err"

# A snapshot to import, made with every secret present.
write_conf "snapshot_dir = \"$AMG_TMP/snaps\";" \
    "cloud_directory = { encryption_secret_env = \"CD_SECRET\"; };" \
    "snapshot_encryption = { key_env = \"SNAP_KEY\"; };"
export CD_SECRET=cd-secret-for-this-test SNAP_KEY=snapshot-key-for-this-test-0123
snap=$("$AMG" -c "$conf" -q export --instance src --only tokens,cloud_directory_users); rc=$?
expect_eq "export with every secret set exits 0" "$rc" 0
before=$(requests)
for cmd in "export --instance src" "import --instance src --snapshot $snap" \
           "import --instance src --snapshot $snap --dry-run"; do
    # shellcheck disable=SC2086
    env -u CD_SECRET "$AMG" -c "$conf" $cmd >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
    expect_eq "CD secret unset, ${cmd% --snapshot*}: exit 2" "$rc" 2
    check "CD secret unset, ${cmd% --snapshot*}: names file, setting and variable" grep -qF \
        "$conf: cloud_directory.encryption_secret_env: environment variable CD_SECRET is not set" \
        "$AMG_TMP/err"
    CD_SECRET=short "$AMG" -c "$conf" $cmd >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
    expect_eq "CD secret too short, ${cmd% --snapshot*}: exit 2" "$rc" 2
    check "CD secret too short: said" grep -qF "environment variable CD_SECRET is too short" \
        "$AMG_TMP/err"
    check "the short secret is not printed" sh -c '! grep -q short "$1"' sh "$AMG_TMP/out"
    env -u SNAP_KEY "$AMG" -c "$conf" $cmd >"$AMG_TMP/out" 2>"$AMG_TMP/err"; rc=$?
    expect_eq "snapshot key unset, ${cmd% --snapshot*}: exit 2" "$rc" 2
    check "snapshot key unset: named" grep -qF "environment variable SNAP_KEY" "$AMG_TMP/err"
done
expect_eq "no request for any of them" "$(requests)" "$before"
expect_eq "no snapshot but the first" "$(ls "$AMG_TMP/snaps" | grep -c '^src-')" 1
check "a config-only export needs no CD secret" \
    env -u CD_SECRET "$AMG" -c "$conf" -q export --instance src --only tokens

amg_finish
