#!/usr/bin/env bash
# The quick-start demo: two appid-sim "regions", a non-default
# configuration in the primary, a planned migration (--dry-run), the
# migration, a restored user signing in with her old password, and
# `appid-migrate verify` to show both regions now hold the
# same configuration.
# Usage: tests/demo.sh BUILD_DIR
set -euo pipefail
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd)
export top_srcdir top_builddir
# shellcheck source=integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

echo "== starting two App ID emulators: us-south (primary) and eu-de (secondary)"
sim_start PRIMARY demo-tenant-us-south demo-key-us-south --region us-south
sim_start SECONDARY demo-tenant-eu-de demo-key-eu-de --region eu-de
echo "   us-south: $PRIMARY_URL"
echo "   eu-de:    $SECONDARY_URL"

echo "== configuring the primary through the Management API"
tok=$(iam_token "$PRIMARY_URL" demo-key-us-south)
base="$PRIMARY_URL/management/v4/demo-tenant-us-south"
api PUT "$base/config/tokens" "$tok" \
  '{"access":{"expires_in":7200},"refresh":{"enabled":true,"expires_in":5184000},"anonymousAccess":{"enabled":false,"expires_in":86400},"accessTokenClaims":[{"source":"attributes","sourceClaim":"department","destinationClaim":"dept"}]}' >/dev/null
api PUT "$base/config/redirect_uris" "$tok" \
  '{"redirectUris":["https://app.example.com/callback","https://app.example.com/*"]}' >/dev/null
api PUT "$base/config/ui/theme_text" "$tok" '{"tabTitle":"Example Corp","footnote":"Example Corp login"}' >/dev/null
api PUT "$base/config/ui/theme_color" "$tok" '{"headerColor":"#1F4E79"}' >/dev/null
echo "== adding an application, roles and 200 Cloud Directory users with passwords (appid-sim-seed)"
DEMO_SEED_KEY=demo-key-us-south "$top_builddir/sim/appid-sim-seed" --url "$PRIMARY_URL" \
  --tenant demo-tenant-us-south --api-key-env DEMO_SEED_KEY --users 200 --seed 3 | tail -n 1

cat > "$AMG_TMP/demo.conf" <<CONF
# Written by tests/demo.sh: two emulated regions.
instances = {
  us_south = {
    endpoint = "$PRIMARY_URL";
    iam_endpoint = "$PRIMARY_URL/identity/token";
    tenant_id = "demo-tenant-us-south";
    api_key_env = "DEMO_US_SOUTH_API_KEY";
  };
  eu_de = {
    endpoint = "$SECONDARY_URL";
    iam_endpoint = "$SECONDARY_URL/identity/token";
    tenant_id = "demo-tenant-eu-de";
    api_key_env = "DEMO_EU_DE_API_KEY";
  };
};
snapshot_dir = "$AMG_TMP/snapshots";
CONF
export DEMO_US_SOUTH_API_KEY=demo-key-us-south DEMO_EU_DE_API_KEY=demo-key-eu-de

plugin_path=""
for d in "$top_builddir"/plugins/*/.libs; do plugin_path="$plugin_path${plugin_path:+:}$d"; done
export APPID_MIGRATE_PLUGIN_PATH="$plugin_path"

echo "== appid-migrate plugins"
"$top_builddir/core/appid-migrate" plugins
echo "== appid-migrate migrate --from us_south --to eu_de --dry-run (a plan; nothing is written)"
"$top_builddir/core/appid-migrate" -c "$AMG_TMP/demo.conf" -q migrate --from us_south --to eu_de --dry-run
echo "== appid-migrate migrate --from us_south --to eu_de"
"$top_builddir/core/appid-migrate" -c "$AMG_TMP/demo.conf" migrate --from us_south --to eu_de

echo "== a user restored in eu-de signs in with the password she had in us-south"
tok2=$(iam_token "$SECONDARY_URL" demo-key-eu-de)
app=$(api GET "$SECONDARY_URL/management/v4/demo-tenant-eu-de/applications" "$tok2")
client=$(printf '%s' "$app" | grep -o '"clientId":"[^"]*"' | head -n 1 | cut -d'"' -f4)
secret=$(printf '%s' "$app" | grep -o '"secret":"[^"]*"' | head -n 1 | cut -d'"' -f4)
signin=$(curl -s -o /dev/null -w '%{http_code}' -u "$client:$secret" \
  --data-urlencode grant_type=password --data-urlencode username=user000002@seed3.example \
  --data-urlencode password=Pw-3-000002 "$SECONDARY_URL/oauth/v4/demo-tenant-eu-de/token")
echo "   user000002@seed3.example, password grant in eu-de: HTTP $signin"
[ "$signin" = 200 ] || { echo "== demo FAILED: the restored user cannot sign in"; exit 1; }

echo "== appid-migrate verify --instance us_south --instance eu_de"
if "$top_builddir/core/appid-migrate" -c "$AMG_TMP/demo.conf" -q verify \
     --instance us_south --instance eu_de; then
  echo "== demo passed: the secondary region now has the primary's configuration"
else
  echo "== demo FAILED: the regions differ (see above)"
  exit 1
fi
