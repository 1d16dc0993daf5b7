#!/usr/bin/env bash
# on_conflict for objects that exist in the target, against appid-sim:
# skip (existing applications, roles and singleton configuration are left
# as they are, missing objects are created), fail (refused before any
# write, the conflicts listed; goes ahead when there is none), update (the
# default), in jobs and with --on-conflict on import/migrate/run.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins tokens redirect_uris applications roles application_roles

conf="$AMG_TMP/conflict.conf"
sim_instances "$conf" "src skip fail upd" -v || exit 99
{
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
    cat <<'CONF'
jobs = {
  keep_theirs = { action = "migrate"; from = "src"; to = "skip"; on_conflict = "skip"; };
  careful = { action = "migrate"; from = "src"; to = "fail"; on_conflict = "fail"; };
  overwrite = { action = "migrate"; from = "src"; to = "upd"; };
};
CONF
} >>"$conf"

field() { printf '%s' "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p"; }
new_app() {  # new_app INSTANCE NAME SCOPES_JSON: prints the clientId
    local id
    on "$1" POST /applications "{\"name\":\"$2\",\"type\":\"regularwebapp\"}" >/dev/null
    id=$(field "$HTTP_BODY" clientId)
    on "$1" PUT "/applications/$id/scopes" "{\"scopes\":$3}" >/dev/null
    printf '%s' "$id"
}
scopes_of() {  # scopes_of INSTANCE NAME
    local id
    on "$1" GET /applications >/dev/null
    id=$(printf '%s' "$HTTP_BODY" | tr '{' '\n' | grep "\"name\":\"$2\"" |
         sed -n 's/.*"clientId":"\([^"]*\)".*/\1/p')
    [ -n "$id" ] || { echo "(no application $2)"; return; }
    on "$1" GET "/applications/$id/scopes"
}
writes() { grep -cE '(PUT|POST|DELETE|PATCH) /management/' "$AMG_TMP/$1.err"; }
TOKENS_SRC='{"access":{"expires_in":900},"anonymousAccess":{"enabled":false,"expires_in":100000},"refresh":{"enabled":true,"expires_in":90000}}'
TOKENS_DST='{"access":{"expires_in":1800},"anonymousAccess":{"enabled":false,"expires_in":100000},"refresh":{"enabled":true,"expires_in":90000}}'

# Source: two applications, a role, non-default tokens.
new_app src shop '["read","write"]' >/dev/null
batch=$(new_app src batch '["jobs.run"]')
# A role on the application the targets lack: under skip, a role granting
# a scope the target's own "shop" lacks could not be created.
on src POST /roles "{\"name\":\"admin\",\"description\":\"all\",\"access\":[{\"application_id\":\"$batch\",\"scopes\":[\"jobs.run\"]}]}" >/dev/null
expect_eq "source role created" "$HTTP_STATUS" 201
on src PUT /config/tokens "$TOKENS_SRC" >/dev/null
# Each target already has a "shop" of its own (other scopes) and its own
# token lifetime; none has "batch" or the role.
for t in skip fail upd; do
    new_app "$t" shop '["other"]' >/dev/null
    on "$t" PUT /config/tokens "$TOKENS_DST" >/dev/null
done

# ---- skip: what exists stays, what is missing is created ----
skip_shop=$(on skip GET /applications | tr '{' '\n' | grep '"name":"shop"' |
            sed -n 's/.*"clientId":"\([^"]*\)".*/\1/p')
existing_puts() {  # PUTs of the tokens or of the target's own application
    grep -cE "PUT /management/v4/tenant-$1/(config/tokens|applications/$skip_shop/scopes) " \
      "$AMG_TMP/$1.err"
}
puts_before=$(existing_puts skip)
check "skip: the target's application is known" test -n "$skip_shop"
"$AMG" -q -c "$conf" run keep_theirs --dry-run >"$AMG_TMP/skipdry.out" 2>&1
expect_eq "skip, dry run: exit 0" "$?" 0
expect_contains "skip plan: the existing application is left" "$(cat "$AMG_TMP/skipdry.out")" \
  "skip       application shop (exists in the target, left as it is (on_conflict = skip)"
expect_contains "skip plan: the missing application is created" \
  "$(cat "$AMG_TMP/skipdry.out")" "create     application batch"
expect_contains "skip plan: token configuration left" "$(cat "$AMG_TMP/skipdry.out")" \
  "skip       token configuration (exists in the target, left as it is"
"$AMG" -q -c "$conf" run keep_theirs >"$AMG_TMP/skip.out" 2>&1
rc=$?
expect_eq "skip: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/skip.out"
expect_contains "skip: the job says the policy" "$(cat "$AMG_TMP/skip.out")" \
  "job keep_theirs: on_conflict = skip"
expect_eq "skip: existing application's scopes untouched" "$(scopes_of skip shop)" \
  '{"scopes":["other"]}'
expect_eq "skip: missing application created with its scopes" "$(scopes_of skip batch)" \
  '{"scopes":["jobs.run"]}'
on skip GET /roles >/dev/null
expect_contains "skip: missing role created" "$HTTP_BODY" '"name":"admin"'
expect_eq "skip: token configuration untouched" "$(on skip GET /config/tokens)" "$TOKENS_DST"
expect_eq "skip: no PUT of the existing application or the tokens" \
  "$(existing_puts skip)" "$puts_before"
report=$(ls "$AMG_TMP"/snapshots/reports/import-skip-*.json | head -n 1)
check "skip: the report counts skipped objects" grep -q '"skipped": [1-9]' "$report"

# ---- fail: conflicts listed, nothing written ----
w=$(writes fail)
"$AMG" -q -c "$conf" run careful >"$AMG_TMP/fail.out" 2>&1
expect_eq "fail: exit 1" "$?" 1
out=$(cat "$AMG_TMP/fail.out")
expect_contains "fail: the application conflict is listed" "$out" \
  "fail: conflict: applications: application shop exists and differs (scopes to add: read, write)"
expect_contains "fail: the token conflict is listed" "$out" \
  "fail: conflict: tokens: token configuration exists and differs (fields: access.expires_in)"
expect_contains "fail: refused with a count" "$out" \
  "on_conflict = fail: 2 objects of the snapshot exist in the target and differ: nothing was"
expect_eq "fail: not one write request reached the target" "$(writes fail)" "$w"
on fail GET /applications >/dev/null
check "fail: batch was not created" sh -c "! printf '%s' '$HTTP_BODY' | grep -q batch"
check "fail: the job report says failed" \
  grep -q '"result": "failed"' "$(ls "$AMG_TMP"/snapshots/reports/job-careful-*.json | head -n 1)"

# A dry run under fail is the check alone: the same conflicts, exit 1.
"$AMG" -q -c "$conf" run careful --dry-run >"$AMG_TMP/faildry.out" 2>&1
expect_eq "fail, dry run with conflicts: exit 1" "$?" 1
expect_contains "fail, dry run: conflicts listed" "$(cat "$AMG_TMP/faildry.out")" \
  "fail: conflict: applications: application shop exists and differs"
expect_eq "fail, dry run: nothing written" "$(writes fail)" "$w"

# The command line overrides the job: --on-conflict update restores all,
# and the output says so.
"$AMG" -q -c "$conf" run careful --on-conflict update >"$AMG_TMP/over.out" 2>&1
expect_eq "override to update: exit 0" "$?" 0
expect_contains "override named" "$(cat "$AMG_TMP/over.out")" \
  "job careful: --on-conflict \"update\" from the command line overrides the job's \"fail\""
expect_eq "override: tokens now the source's" "$(on fail GET /config/tokens)" "$TOKENS_SRC"

# fail goes ahead when nothing conflicts: the target matches the snapshot
# now, so the import runs and writes nothing.
w=$(writes fail)
"$AMG" -q -c "$conf" run careful >"$AMG_TMP/fail2.out" 2>&1
rc=$?
expect_eq "fail without conflicts: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/fail2.out"
expect_contains "fail without conflicts: imported" "$(cat "$AMG_TMP/fail2.out")" \
  "fail: on_conflict = fail: no conflicts, importing"
expect_eq "fail without conflicts: nothing needed writing" "$(writes fail)" "$w"

# --on-conflict on import: fail against a target with a conflict.
snap=$(ls -d "$AMG_TMP"/snapshots/src-* | tail -n 1)
w=$(writes skip)
"$AMG" -q -c "$conf" import --instance skip --snapshot "$snap" --on-conflict fail \
  >"$AMG_TMP/imp.out" 2>&1
expect_eq "import --on-conflict fail with conflicts: exit 1" "$?" 1
expect_eq "import --on-conflict fail: nothing written" "$(writes skip)" "$w"
"$AMG" -c "$conf" import --instance skip --snapshot "$snap" --on-conflict merge \
  >/dev/null 2>"$AMG_TMP/bad.err"
expect_eq "unknown --on-conflict value: exit 2" "$?" 2
check "unknown value named" grep -q "\-\-on-conflict wants update, skip or fail, not 'merge'" \
  "$AMG_TMP/bad.err"

# A plugin that cannot plan (built for ABI 1.2) leaves conflicts unknown:
# fail refuses rather than guess.
extra="$AMG_TMP/extra"
mkdir -p "$extra"
cp "$top_builddir/tests/plugins/.libs/legacy_audit.so" "$extra/"
snap2=$("$AMG" --plugin-dir "$extra" -c "$conf" -q export --instance src --only legacy_audit)
expect_eq "export with an ABI 1.2 plugin: exit 0" "$?" 0
w=$(writes fail)
"$AMG" --plugin-dir "$extra" -c "$conf" -q import --instance fail --snapshot "$snap2" \
  --only legacy_audit --on-conflict fail >"$AMG_TMP/blind.out" 2>&1
expect_eq "fail with a plugin that cannot plan: exit 5" "$?" 5
expect_contains "fail: the blind plugin is named" "$(cat "$AMG_TMP/blind.out")" \
  "fail: conflict check: legacy_audit cannot plan (cannot plan: plugin built for ABI 1.2)"
expect_eq "fail with a plugin that cannot plan: nothing written" "$(writes fail)" "$w"

# skip and Cloud Directory templates: the target's languages (no "de") are
# left, so the German template has no language to go into: skipped, not
# failed.
cdsp="$APPID_MIGRATE_PLUGIN_PATH:$top_builddir/plugins/idps/.libs"
cdsp="$cdsp:$top_builddir/plugins/cloud_directory_settings/.libs"
on src PUT /config/ui/languages '{"languages":["en","de"]}' >/dev/null
expect_eq "source languages en+de" "$HTTP_STATUS" 204
on src PUT /config/cloud_directory/templates/WELCOME/de '{"subject":"Willkommen"}' >/dev/null
expect_eq "source German template" "$HTTP_STATUS" 200
on skip PUT /config/ui/languages '{"languages":["en","fr"]}' >/dev/null
snap3=$(APPID_MIGRATE_PLUGIN_PATH="$cdsp" "$AMG" -c "$conf" -q export --instance src \
        --only cloud_directory_settings)
expect_eq "export of the Cloud Directory settings: exit 0" "$?" 0
cds() {
    APPID_MIGRATE_PLUGIN_PATH="$cdsp" "$AMG" -c "$conf" -q import --instance skip \
      --snapshot "$snap3" --only cloud_directory_settings --on-conflict skip "$@"
}
cds --dry-run >"$AMG_TMP/cdsdry.out" 2>&1
expect_eq "skip, Cloud Directory plan: exit 0" "$?" 0
expect_contains "skip plan: the template in a language the target lacks" \
  "$(cat "$AMG_TMP/cdsdry.out")" \
  "skip       template WELCOME/de (language de is not configured in the target"
cds >"$AMG_TMP/cds.out" 2>&1
rc=$?
expect_eq "skip, Cloud Directory import: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/cds.out"
rep=$(ls -t "$AMG_TMP"/snapshots/reports/import-skip-*.json | head -n 1)
expect_eq "skip: nothing failed" "$("$top_builddir/tests/jsontool" get "$rep" .totals.failed)" 0
expect_eq "skip: the languages and the five German templates skipped, as planned" \
  "$("$top_builddir/tests/jsontool" get "$rep" .totals.skipped)" \
  "$(grep -c '^  skip  ' "$AMG_TMP/cdsdry.out")"
expect_eq "skip: that is six" "$(grep -c '^  skip  ' "$AMG_TMP/cdsdry.out")" 6
expect_eq "skip: the target's languages untouched" "$(on skip GET /config/ui/languages)" \
  '{"languages":["en","fr"]}'

# ---- update (the default): existing objects take the snapshot's values ----
"$AMG" -q -c "$conf" run overwrite >"$AMG_TMP/upd.out" 2>&1
expect_eq "update: exit 0" "$?" 0
expect_eq "update: scopes merged into the existing application" "$(scopes_of upd shop)" \
  '{"scopes":["other","read","write"]}'
expect_eq "update: tokens overwritten" "$(on upd GET /config/tokens)" "$TOKENS_SRC"

amg_finish
