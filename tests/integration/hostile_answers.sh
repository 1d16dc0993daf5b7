#!/usr/bin/env bash
# appid-migrate export against hostile answers (appid-sim --hostile): not
# JSON, JSON of the wrong shape, a body over the 64 MiB answer cap, an
# answer that trickles forever, HTML error pages, 302 and 418. Each export
# must fail cleanly: a non-zero exit that is not a crash, an error naming
# the plugin and the request, and no snapshot that looks finished (no
# manifest.json anywhere under the snapshot directory).
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins
KEY=hostile-key-0123456789
export IT_KEY=$KEY
STATE="$AMG_TMP/state.json"

# A tenant with users, applications and a non-default configuration.
check "clean sim starts" sim_start C t1 "$KEY" --pbkdf2-iterations 1 --state "$STATE"
"$SEED" --url "$C_URL" --tenant t1 --api-key-env IT_KEY --users 30 --seed 3 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "seeded" "$?" 0
check "clean sim stops" sim_stop C

# export_against NAME MODE PREFIX PLUGIN: start a sim with --hostile MODE
# on PREFIX, export PLUGIN from it (exit status in $rc, output in
# NAME.out and NAME.amg), stop the sim.
export_against() {
  local name=$1 mode=$2 prefix=$3 plugin=$4 url
  sim_start "$name" t1 "$KEY" --state "$STATE" --hostile "$mode" --hostile-path "$prefix" -v ||
    return 1
  eval "url=\$${name}_URL"
  cat >"$AMG_TMP/$name.conf" <<CONF
instances = {
  src = { endpoint = "$url"; iam_endpoint = "$url/identity/token";
          tenant_id = "t1"; api_key_env = "IT_KEY"; };
};
snapshot_dir = "$AMG_TMP/snap-$name";
http = { retries = 1; timeout = 2; };
CONF
  "$AMG" -c "$AMG_TMP/$name.conf" export --instance src --only "$plugin" \
    >"$AMG_TMP/$name.out" 2>"$AMG_TMP/$name.amg"
  rc=$?
  check "$mode: the sim stops cleanly" sim_stop "$name"
}

# hostile NAME MODE PREFIX PLUGIN WHY: export PLUGIN against MODE on PREFIX;
# it must fail cleanly, with an error naming the plugin and a message
# matching WHY (a grep pattern).
hostile() {
  local name=$1 mode=$2 prefix=$3 plugin=$4 why=$5
  export_against "$name" "$mode" "$prefix" "$plugin"
  check "$mode on $plugin: export exits non-zero, not a crash (rc $rc)" \
    test "$rc" -ge 1 -a "$rc" -lt 128
  check "$mode on $plugin: no sanitizer report" \
    sh -c "! grep -q -e AddressSanitizer -e 'runtime error' '$AMG_TMP/$name.amg'"
  check "$mode on $plugin: an error names the plugin" \
    grep -q "error: .*$plugin" "$AMG_TMP/$name.amg"
  check "$mode on $plugin: the log says what was wrong ($why)" \
    grep -q -e "$why" "$AMG_TMP/$name.amg"
  check "$mode on $plugin: no finished snapshot" \
    test -z "$(find "$AMG_TMP/snap-$name" -name manifest.json 2>/dev/null)"
  check "$mode on $plugin: no snapshot announced" \
    sh -c "! grep -q -e '^snapshot' -e 'snapshot written' '$AMG_TMP/$name.out' '$AMG_TMP/$name.amg'"
  check "$mode on $plugin: the sim was asked" grep -q "GET $prefix" "$AMG_TMP/$name.err"
}

CD=/management/v4/t1/cloud_directory
U=cloud_directory_users
hostile notjson not-json "$CD" $U "GET /cloud_directory/export: HTTP 200 answer is not JSON"
check "not-json: the replaced answer is in the sim's log" \
  grep -q 'hostile answer (--hostile)' "$AMG_TMP/notjson.err"
hostile arrobj array-as-object "$CD" $U "GET /cloud_directory/export: no 'users' array"
hostile numstr number-as-string "$CD" $U "'totalResults' is missing or not a number"
hostile huge huge "$CD" $U "GET /cloud_directory/export: answer larger than 67108864 bytes"
hostile trickle trickle "$CD" $U "GET /cloud_directory/export: Operation timed out"
hostile html500 html-500 "$CD" $U "GET /cloud_directory/export: HTTP 500"
hostile html502 html-502 "$CD" $U "GET /cloud_directory/export: HTTP 502"
check "html-502: retried once, as configured" \
  grep -q "still HTTP 502 after 2 attempts" "$AMG_TMP/html502.amg"
hostile s302 302 "$CD" $U "GET /cloud_directory/export: HTTP 302"
check "302: the redirect is not followed" sh -c "! grep -q login.example '$AMG_TMP/s302.amg'"
hostile s418 418 "$CD" $U "GET /cloud_directory/export: HTTP 418"

APPS=/management/v4/t1/applications
hostile appsobj array-as-object "$APPS" applications "GET /applications: no applications array"
hostile appsjson not-json "$APPS" applications "GET /applications: HTTP 200 answer is not JSON"
hostile apps502 html-502 "$APPS" applications "GET /applications: HTTP 502"
TOK=/management/v4/t1/config/tokens
hostile toknotjson not-json "$TOK" tokens "GET /config/tokens: HTTP 200 answer is not JSON"
hostile tok418 418 "$TOK" tokens "GET /config/tokens: HTTP 418"

# A configuration document with numbers as strings has the right outer
# shape: the export takes it as it is, warning that it will not validate
# (the check during export), and validate and import refuse the snapshot,
# naming the field.
export_against toknum number-as-string "$TOK" tokens
expect_eq "number-as-string on tokens: the export itself succeeds" "$rc" 0
check "number-as-string on tokens: the export warns, naming the field" grep -q \
  "\[tokens\] exported data will not validate: access: 'expires_in' must be an integer" \
  "$AMG_TMP/toknum.amg"
snap=$(tail -n 1 "$AMG_TMP/toknum.out")
check "number-as-string on tokens: a snapshot was written" test -f "$snap/manifest.json"
"$AMG" validate --snapshot "$snap" >/dev/null 2>"$AMG_TMP/toknum.validate"
expect_eq "number-as-string on tokens: validate exits 4" "$?" 4
check "number-as-string on tokens: validate names the field" \
  grep -q "access: 'expires_in' must be an integer" "$AMG_TMP/toknum.validate"

amg_finish
