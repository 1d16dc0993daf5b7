#!/usr/bin/env bash
# on_conflict and singletons at App ID's default, against appid-sim: a
# configuration document a target still has at its default (reference
# section 12) was configured by nobody, so it is no conflict under fail
# and is restored under skip. Only a document that differs from its
# default AND from the snapshot is "existing": fail refuses naming exactly
# it (nothing written), skip leaves exactly it.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins tokens redirect_uris themes instance_settings idps \
    cloud_directory_settings mfa applications roles application_roles

conf="$AMG_TMP/defaults.conf"
sim_instances "$conf" "src fresh fresh2 conf skipt" -v || exit 99
{
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
    cat <<'CONF'
jobs = {
  rehearsal = { action = "migrate"; from = "src"; to = "fresh"; on_conflict = "fail"; };
};
CONF
} >>"$conf"

writes() { grep -cE '(PUT|POST|DELETE|PATCH) /management/' "$AMG_TMP/$1.err"; }

# Every singleton the configuration plugins restore (templates: only the
# English ones exist in a fresh instance; the logo is left at the sim's).
DOCS="/config/tokens /config/redirect_uris /config/ui/theme_text /config/ui/theme_color
/config/ui/languages /config/users_profile /config/capture_runtime_activity
/config/cloud_directory/sender_details /config/cloud_directory/password_regex
/config/cloud_directory/advanced_password_management /config/cloud_directory/email_dispatcher
/config/cloud_directory/sso /config/cloud_directory/rate_limit /config/cloud_directory/mfa
/config/cloud_directory/mfa/extensions/premfa /config/idps/cloud_directory
/config/idps/facebook /config/idps/google"
# Each must really differ from the default for the test to mean anything.
defaults=""
for p in $DOCS; do defaults="$defaults|$(on fresh GET "$p")"; done

# ---- source: a full non-default configuration ----
APPID_SIM_API_KEY=key-src "$SEED" --url "$src_URL" --tenant tenant-src --users 0 \
  >"$AMG_TMP/seed.out" 2>&1
expect_eq "source seeded" "$?" 0
DISPATCHER='{"provider":"custom","custom":{"url":"https://mail.example/send",'
DISPATCHER=$DISPATCHER'"authorization":{"type":"none"}}}'
on src PUT /config/cloud_directory/email_dispatcher "$DISPATCHER" >/dev/null
expect_eq "source dispatcher" "$HTTP_STATUS" 200
on src PUT /config/cloud_directory/mfa/extensions/premfa \
  '{"isActive":true,"config":{"url":"https://hooks.example/pre","headers":{}}}' >/dev/null
expect_eq "source premfa extension" "$HTTP_STATUS" 200
on src PUT /config/cloud_directory/mfa '{"isActive":true,"config":{}}' >/dev/null
expect_eq "source MFA on" "$HTTP_STATUS" 200
on src PUT /config/users_profile '{"isActive":false}' >/dev/null
expect_eq "source user profiles off" "$HTTP_STATUS" 204
same_as_default=""
i=0
for p in $DOCS; do
    i=$((i + 1))
    d=$(printf '%s' "$defaults" | cut -d'|' -f$((i + 1)))
    [ "$(on src GET "$p")" = "$d" ] && same_as_default="$same_as_default $p"
done
expect_eq "source: every document differs from App ID's default" "$same_as_default" ""

# A document without the members each instance computes for itself.
doc() { on "$1" GET "$2" | sed 's/,"redirectURL":"[^"]*"//; s/"redirectURL":"[^"]*",\{0,1\}//'; }
same() {  # same INSTANCE: the documents of DOCS that differ from the source's
    local p diff=""
    for p in $DOCS; do
        [ "$(doc "$1" "$p")" = "$(doc src "$p")" ] || diff="$diff $p"
    done
    printf '%s' "$diff"
}

# ---- fail into a fresh instance: no conflicts, everything written ----
"$AMG" -q -c "$conf" run rehearsal --dry-run >"$AMG_TMP/dry.out" 2>&1
expect_eq "fail, dry run into a fresh instance: exit 0" "$?" 0
expect_contains "the plan says the target is at App ID's default" "$(cat "$AMG_TMP/dry.out")" \
  "update     token configuration (at App ID's default; fields: "
check "no conflict listed in the dry run" sh -c "! grep -q 'conflict:' '$AMG_TMP/dry.out'"
"$AMG" -q -c "$conf" run rehearsal >"$AMG_TMP/job.out" 2>&1
rc=$?
expect_eq "fail job into a fresh instance: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/job.out"
expect_contains "fail job: no conflicts" "$(cat "$AMG_TMP/job.out")" \
  "fresh: on_conflict = fail: no conflicts, importing"
expect_eq "fail job: every document is the source's" "$(same fresh)" ""
on fresh GET /roles >/dev/null
expect_contains "fail job: the roles were created" "$HTTP_BODY" '"name":"seed-viewer"'

snap=$(ls -d "$AMG_TMP"/snapshots/src-* | tail -n 1)
"$AMG" -q -c "$conf" import --instance fresh2 --snapshot "$snap" --on-conflict fail \
  >"$AMG_TMP/imp.out" 2>&1
rc=$?
expect_eq "import --on-conflict fail into a fresh instance: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/imp.out"
expect_eq "import --on-conflict fail: every document is the source's" "$(same fresh2)" ""

# ---- one document configured in the target ----
COLOUR='{"headerColor":"#123456"}'
for t in conf skipt; do
    on "$t" PUT /config/ui/theme_color "$COLOUR" >/dev/null
    expect_eq "$t: theme colour configured" "$HTTP_STATUS" 204
done
w=$(writes conf)
"$AMG" -q -c "$conf" import --instance conf --snapshot "$snap" --on-conflict fail \
  >"$AMG_TMP/conf.out" 2>&1
expect_eq "fail with one configured document: exit 1" "$?" 1
out=$(cat "$AMG_TMP/conf.out")
expect_contains "fail: the configured document is named" "$out" \
  "conf: conflict: themes: theme colour exists and differs (fields: headerColor)"
expect_eq "fail: it is the only conflict" "$(grep -c 'conflict: ' "$AMG_TMP/conf.out")" 1
expect_contains "fail: refused with a count of one" "$out" \
  "on_conflict = fail: 1 object of the snapshot exists in the target and differs: nothing was"
expect_eq "fail: not one write request reached the target" "$(writes conf)" "$w"
expect_eq "fail: the configured colour is kept" "$(on conf GET /config/ui/theme_color)" \
  "$COLOUR"
expect_eq "fail: the tokens are still App ID's default" "$(on conf GET /config/tokens)" \
  "$(printf '%s' "$defaults" | cut -d'|' -f2)"

# ---- skip: the configured document stays, the default ones are restored ----
"$AMG" -q -c "$conf" import --instance skipt --snapshot "$snap" --on-conflict skip \
  --dry-run >"$AMG_TMP/skipdry.out" 2>&1
expect_eq "skip, dry run: exit 0" "$?" 0
expect_contains "skip plan: the configured colour is left" "$(cat "$AMG_TMP/skipdry.out")" \
  "skip       theme colour (exists in the target, left as it is (on_conflict = skip)"
expect_eq "skip plan: nothing else is left" "$(grep -c '^  skip  ' "$AMG_TMP/skipdry.out")" 1
"$AMG" -q -c "$conf" import --instance skipt --snapshot "$snap" --on-conflict skip \
  >"$AMG_TMP/skip.out" 2>&1
rc=$?
expect_eq "skip with one configured document: exit 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 30 "$AMG_TMP/skip.out"
expect_eq "skip: the configured colour is kept" "$(on skipt GET /config/ui/theme_color)" \
  "$COLOUR"
expect_eq "skip: every other document is the source's" "$(same skipt)" \
  " /config/ui/theme_color"
on skipt GET /config/cloud_directory/templates/WELCOME/de >/dev/null
expect_eq "skip: the languages were restored, so the German templates exist" \
  "$HTTP_STATUS" 200

amg_finish
