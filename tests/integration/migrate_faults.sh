#!/bin/sh
# appid-migrate against an unreliable service: both sims run with the real
# rate limit (50/s, 30 s block), 20 % injected 5xx, 5 % dropped
# connections and 20 ms latency. The migration must still succeed, without
# being throttled, and the target must end up equal to the source. The
# fault rates are low enough and the retries many enough that a run fails
# by bad luck about once in 20,000.
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

AMG="$top_builddir/core/appid-migrate"
plugin_path=""
for d in "$top_builddir"/plugins/*/.libs; do
    plugin_path="$plugin_path${plugin_path:+:}$d"
done
export APPID_MIGRATE_PLUGIN_PATH="$plugin_path"
export SRC_KEY=key-src DST_KEY=key-dst
FAULTS="--rate-limit 50 --block-seconds 30 --fail-rate 0.2 --drop-rate 0.05 --latency-ms 20"
SRC_STATE="$AMG_TMP/src.json"
DST_STATE="$AMG_TMP/dst.json"
paths="config/tokens config/redirect_uris config/ui/theme_text config/ui/theme_color"

# The source is configured on a reliable sim, then served by a faulty one.
check "clean source starts" sim_start SRC tenant-src key-src --state "$SRC_STATE"
stok=$(iam_token "$SRC_URL" key-src)
sbase="$SRC_URL/management/v4/tenant-src"
api PUT "$sbase/config/tokens" "$stok" \
    '{"access":{"expires_in":900},"refresh":{"enabled":true,"expires_in":90000}}' >/dev/null
expect_eq "source tokens configured" "$HTTP_STATUS" 200
api PUT "$sbase/config/redirect_uris" "$stok" '{"redirectUris":["https://a.example/cb"]}' \
    >/dev/null
expect_eq "source redirect URIs configured" "$HTTP_STATUS" 204
api PUT "$sbase/config/ui/theme_color" "$stok" '{"headerColor":"#102030"}' >/dev/null
expect_eq "source theme colour configured" "$HTTP_STATUS" 204
for p in $paths; do
    api GET "$sbase/$p" "$stok" >"$AMG_TMP/want.$(echo "$p" | tr / _)"
done
check "clean source stops" sim_stop SRC

# shellcheck disable=SC2086 # FAULTS is a list of options
check "faulty source starts" sim_start SRC tenant-src key-src --state "$SRC_STATE" $FAULTS
# shellcheck disable=SC2086
check "faulty target starts" sim_start DST tenant-dst key-dst --state "$DST_STATE" $FAULTS
cat >"$AMG_TMP/test.conf" <<CONF
instances = {
  src = { endpoint = "$SRC_URL"; iam_endpoint = "$SRC_URL/identity/token";
          tenant_id = "tenant-src"; api_key_env = "SRC_KEY"; };
  dst = { endpoint = "$DST_URL"; iam_endpoint = "$DST_URL/identity/token";
          tenant_id = "tenant-dst"; api_key_env = "DST_KEY"; };
};
snapshot_dir = "$AMG_TMP/snapshots";
http = { retries = 8; };
CONF
"$AMG" -c "$AMG_TMP/test.conf" migrate --from src --to dst >"$AMG_TMP/migrate.out" \
    2>"$AMG_TMP/migrate.err"
expect_eq "migrate through faults exits 0" "$?" 0
check "no request was throttled" sh -c "! grep -q 'HTTP 429' '$AMG_TMP/migrate.err'"
check "faulty source stops" sim_stop SRC
check "faulty target stops" sim_stop DST

# Read the target back on a reliable sim.
check "clean target starts" sim_start DST tenant-dst key-dst --state "$DST_STATE"
dtok=$(iam_token "$DST_URL" key-dst)
for p in $paths; do
    expect_eq "target $p equals the source" \
        "$(api GET "$DST_URL/management/v4/tenant-dst/$p" "$dtok")" \
        "$(cat "$AMG_TMP/want.$(echo "$p" | tr / _)")"
done
check "clean target stops" sim_stop DST

amg_finish
