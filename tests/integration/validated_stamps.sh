#!/usr/bin/env bash
# Content checked during export, remembered per file (runs/validated/):
# an import of the same bytes on this machine does not parse them again;
# other bytes (a hand-edited file with a matching manifest), another
# plugin version, or data that did not validate get the full check before
# the first write; `validate` always checks in full.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins
KEY=stamps-it-key-0001
export IT_KEY=$KEY
export APPID_CD_ENCRYPTION_SECRET=stamps-it-encryption-secret-0001
N=40
sim_start SRC src "$KEY" --pbkdf2-iterations 1
sim_start DST dst "$KEY" --pbkdf2-iterations 1
sim_start BAD bad "$KEY" --pbkdf2-iterations 1
sim_start OLD old "$KEY" --pbkdf2-iterations 1

conf="$AMG_TMP/c.conf"
{
  echo "instances = {"
  for t in src dst bad old; do
    u=$(eval "echo \$$(echo "$t" | tr a-z A-Z)_URL")
    echo "  $t = { endpoint = \"$u\"; iam_endpoint = \"$u/identity/token\"; tenant_id = \"$t\";"
    echo "         api_key_env = \"IT_KEY\"; };"
  done
  echo "};"
  echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
} > "$conf"
stamps="$AMG_TMP/snapshots/runs/validated"
"$SEED" --url "$SRC_URL" --tenant src --api-key-env IT_KEY --users "$N" --seed 3 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "source seeded" "$?" 0
cd_count() {  # cd_count URL TENANT
  local tok
  tok=$(iam_token "$1" "$KEY")
  api GET "$1/management/v4/$2/cloud_directory/Users?startIndex=0&count=1" "$tok" >/dev/null
  printf '%s' "$HTTP_BODY" | grep -o '"totalResults":[0-9]*' | grep -o '[0-9]*$'
}
USERS=applications,roles,cloud_directory_users

# ---- export: checked while written, stamped ----
snap=$("$AMG" -c "$conf" -q export --instance src --only "$USERS" 2>"$AMG_TMP/e.err" | tail -n 1)
expect_eq "export exits 0" "${PIPESTATUS[0]}" 0
sha=$(sha256sum "$snap/cloud_directory_users.ndjson" | cut -d' ' -f1)
stamp="$stamps/cloud_directory_users-$sha.json"
check "a stamp names the users file's SHA-256" test -f "$stamp"
expect_eq "the stamp is 0600" "$(stat -c %a "$stamp")" 600
expect_eq "its directory is 0700" "$(stat -c %a "$stamps")" 700
expect_eq "the stamp says the export checked it" "$("$JT" get "$stamp" .by)" export
expect_eq "and which plugin version" "$("$JT" get "$stamp" .version)" 1.0.0
check "no warning from the check" sh -c "! grep -q 'will not validate' '$AMG_TMP/e.err'"
# A document (roles.json) is checked when its export hook is done.
rstamp="$stamps/roles-$(sha256sum "$snap/roles.json" | cut -d' ' -f1).json"
expect_eq "the roles document was checked by the export too" "$("$JT" get "$rstamp" .by)" export

# ---- import of the same bytes: no second parse ----
"$AMG" -c "$conf" -v import --instance dst --snapshot "$snap" --only "$USERS" \
  >"$AMG_TMP/i.out" 2>"$AMG_TMP/i.err"
expect_eq "import exits 0" "$?" 0
check "import says the users were validated here already" grep -q \
  "cloud_directory_users: cloud_directory_users.ndjson already validated on this machine (by export" \
  "$AMG_TMP/i.err"
expect_eq "every user restored" "$(cd_count "$DST_URL" dst)" "$N"

# ---- validate always parses ----
"$AMG" -c "$conf" -v validate --snapshot "$snap" >/dev/null 2>"$AMG_TMP/v.err"
expect_eq "validate exits 0" "$?" 0
check "validate does not rely on the stamp" sh -c "! grep -q 'already validated' '$AMG_TMP/v.err'"

# ---- other bytes with a matching manifest: checked in full, refused ----
bad="$AMG_TMP/bad-snapshot"
cp -a "$snap" "$bad"
f=cloud_directory_users.ndjson
sed -i '7s/"passwordHashAlg":"[^"]*",\{0,1\}//' "$bad/$f"
check "the edit took" sh -c "! cmp -s '$bad/$f' '$snap/$f'"
sum=$(sha256sum "$bad/$f" | cut -d' ' -f1)
sed -i "s/$sha/$sum/; s/\"bytes\": $(stat -c %s "$snap/$f"),/\"bytes\": $(stat -c %s "$bad/$f"),/" \
  "$bad/manifest.json"
"$AMG" -c "$conf" -v import --instance bad --snapshot "$bad" --only "$USERS" \
  >"$AMG_TMP/b.out" 2>"$AMG_TMP/b.err"
expect_eq "import of the edited snapshot exits 4" "$?" 4
check "the problem names the user and the field" grep -q "users\[6\].*passwordHashAlg" \
  "$AMG_TMP/b.err"
check "no stamp was claimed for it" sh -c \
  "! grep -q 'cloud_directory_users.ndjson already validated' '$AMG_TMP/b.err'"
expect_eq "nothing was written to that target" "$(cd_count "$BAD_URL" bad)" 0
check "no stamp for the edited bytes" test ! -e "$stamps/cloud_directory_users-$sum.json"

# ---- a stamp of another plugin version does not count ----
sed -i 's/"version": "1.0.0"/"version": "0.9.0"/' "$stamp"
"$AMG" -c "$conf" -v import --instance old --snapshot "$snap" --only "$USERS" \
  >"$AMG_TMP/o.out" 2>"$AMG_TMP/o.err"
expect_eq "import with an old stamp exits 0" "$?" 0
check "it validated the users in full" sh -c \
  "! grep -q 'cloud_directory_users.ndjson already validated' '$AMG_TMP/o.err'"
expect_eq "and stamped them anew" "$("$JT" get "$stamp" .by)" import
expect_eq "for this version" "$("$JT" get "$stamp" .version)" 1.0.0
expect_eq "every user restored there" "$(cd_count "$OLD_URL" old)" "$N"

# ---- data that will not validate: exported with a warning, no stamp ----
pd="$AMG_TMP/pd"
mkdir -p "$pd" && cp "$top_builddir/tests/plugins/.libs/records_check.so" "$pd/"
AMG_TEST_RECORDS=600 AMG_TEST_BAD_RECORD=599 "$AMG" --plugin-dir "$pd" -c "$conf" \
  export --instance src >"$AMG_TMP/r.out" 2>"$AMG_TMP/r.err"
expect_eq "export of bad records still exits 0 (it is what the instance holds)" "$?" 0
rsnap=$(tail -n 1 "$AMG_TMP/r.out")
check "the export warns, naming the record" grep -q \
  "records_check.*exported data will not validate: records\[599\]: 'n' must be an integer" \
  "$AMG_TMP/r.err"
check "and says an import will refuse it" grep -q \
  "records_check: 1 problem in the exported data" "$AMG_TMP/r.err"
rsha=$(sha256sum "$rsnap/records_check.ndjson" | cut -d' ' -f1)
check "no stamp for it" test ! -e "$stamps/records_check-$rsha.json"
"$AMG" --plugin-dir "$pd" -c "$conf" import --instance dst --snapshot "$rsnap" \
  >/dev/null 2>"$AMG_TMP/ri.err"
expect_eq "its import is refused" "$?" 4
check "naming the record" grep -q "records\[599\]" "$AMG_TMP/ri.err"
# The same plugin with clean records: stamped, and the import trusts it.
AMG_TEST_RECORDS=600 "$AMG" --plugin-dir "$pd" -c "$conf" -q export --instance src \
  >"$AMG_TMP/r2.out" 2>"$AMG_TMP/r2.err"
expect_eq "clean export exits 0" "$?" 0
rsnap=$(tail -n 1 "$AMG_TMP/r2.out")
rsha=$(sha256sum "$rsnap/records_check.ndjson" | cut -d' ' -f1)
check "clean records are stamped" test -f "$stamps/records_check-$rsha.json"

amg_finish
