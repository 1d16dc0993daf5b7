#!/usr/bin/env bash
# Crashes and resume (kill -9). An import of a snapshot with 3000 users
# and a full configuration into a target with 5 ms latency is killed at
# (at least) ten points chosen by a seed; after every kill the same
# command runs again and must say that it resumes from the journal. A
# final run completes it, and the target must then hold exactly the
# source's users (by e-mail), applications and roles (by name), with no
# duplicates, and the same configuration. A migrate killed during its
# import is run again and finishes that import without a new export.
# Then exports are killed at a few points: no directory that looks like a
# finished snapshot may appear unless it is one, and the next export works
# and validates.
#
# AMG_CRASH_SEED (printed) picks the kill points; the same seed gives the
# same delays.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins
KEY=crash-it-key-0001
export IT_KEY=$KEY
N=3000
KILLS=10
CRASH_SEED=${AMG_CRASH_SEED:-20261124}
case $CRASH_SEED in '' | *[!0-9]*) echo "AMG_CRASH_SEED must be a number" >&2; exit 99 ;; esac
echo "# AMG_CRASH_SEED=$CRASH_SEED (set it to replay these kill points)"

sim_start SRC src "$KEY" --pbkdf2-iterations 1
sim_start DST dst "$KEY" --pbkdf2-iterations 1 --latency-ms 5
sim_start MIG mig "$KEY" --pbkdf2-iterations 1 --latency-ms 5
CONF="$AMG_TMP/c.conf"
SNAPS="$AMG_TMP/snapshots"
{
  echo "instances = {"
  for i in "src $SRC_URL" "dst $DST_URL" "mig $MIG_URL"; do
    set -- $i
    echo "  $1 = { endpoint = \"$2\"; iam_endpoint = \"$2/identity/token\"; tenant_id = \"$1\";"
    echo "         api_key_env = \"IT_KEY\"; };"
  done
  echo "};"
  echo "snapshot_dir = \"$SNAPS\";"
} >"$CONF"
JOURNAL="$SNAPS/runs/dst/import.journal"

# Kill delays in milliseconds, reproducible from the seed: the first
# three short (the configuration plugins of the first runs), the rest
# over a whole resumed run (mostly users, sometimes the plugins after).
delays() {  # delays COUNT
  awk -v seed="$CRASH_SEED" -v n="$1" 'BEGIN {
    srand(seed);
    for (i = 0; i < n; i++) printf "%d\n", (i < 3 ? 50 + rand() * 1200 : 50 + rand() * 3600)
  }'
}

# ---- source: users, configuration, applications and roles ----
"$SEED" --url "$SRC_URL" --tenant src --api-key-env IT_KEY --users "$N" --seed 11 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "source seeded with $N users" "$?" 0
stok=$(iam_token "$SRC_URL" "$KEY")
dtok=$(iam_token "$DST_URL" "$KEY")
S="$SRC_URL/management/v4/src"
D="$DST_URL/management/v4/dst"
for a in 1 2 3 4; do
  api POST "$S/applications" "$stok" "{\"name\":\"crash-app-$a\",\"type\":\"regularwebapp\"}" \
    >/dev/null
  cid=$(printf '%s' "$HTTP_BODY" | grep -o '"clientId":"[^"]*"' | cut -d'"' -f4)
  api PUT "$S/applications/$cid/scopes" "$stok" "{\"scopes\":[\"s$a.read\",\"s$a.write\"]}" \
    >/dev/null
  for r in a b; do
    access="[{\"application_id\":\"$cid\",\"scopes\":[\"s$a.read\"]}]"
    api POST "$S/roles" "$stok" \
      "{\"name\":\"crash-role-$a$r\",\"description\":\"role $a$r\",\"access\":$access}" \
      >/dev/null
  done
done
expect_eq "source applications and roles created" "$HTTP_STATUS" 201

"$AMG" -c "$CONF" -q export --instance src >"$AMG_TMP/export.out" 2>"$AMG_TMP/export.err"
expect_eq "export exits 0" "$?" 0
snap=$(head -n 1 "$AMG_TMP/export.out")
snapname=${snap##*/}
check "the snapshot exists" test -f "$snap/manifest.json"

users_of() {  # users_of BASEURL TOKEN: sorted e-mails, one a line (duplicates kept)
  _start=0
  while :; do
    api GET "$1/cloud_directory/Users?startIndex=$_start&count=100" "$2" >/dev/null
    _page=$(printf '%s' "$HTTP_BODY" | grep -o '"emails":\[{[^]]*\]' |
      grep -o '"value":"[^"]*"' | cut -d'"' -f4)
    [ -n "$_page" ] || break
    printf '%s\n' "$_page"
    _start=$((_start + 100))
  done | sort
}
names_of() {  # names_of URL TOKEN KEY: sorted "name" members of the list at URL
  api GET "$1" "$2" >/dev/null
  printf '%s' "$HTTP_BODY" | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | sort
}
user_count() {  # user_count BASEURL TOKEN
  api GET "$1/cloud_directory/Users?startIndex=0&count=1" "$2" >/dev/null
  jnum_v=$(printf '%s' "$HTTP_BODY" | grep -o '"totalResults":[0-9]*' | grep -o '[0-9]*$')
  echo "${jnum_v:-0}"
}
done_count() {  # plugins the journal lists as done (0 without a journal)
  if [ -f "$JOURNAL" ]; then "$JT" len "$JOURNAL" .done; else echo 0; fi
}
wait_for() {  # wait_for PID TEST...: until TEST holds (bounded), 1 if PID ended first
  _pid=$1
  shift
  for _ in $(seq 1 400); do
    "$@" && return 0
    kill -0 "$_pid" 2>/dev/null || { "$@"; return $?; }
    sleep 0.05
  done
  return 1
}
says_resume() {  # says_resume FILE: the run's first words say it resumes
  grep -qs "^resuming import of snapshot $snapname into dst from journal $JOURNAL:\
 [0-9]* plugins\{0,1\} already done; --no-resume to start over$" "$1"
}

# ---- import killed at seeded points, resumed after each ----
kills=0
runs=0
resumes=0
expected_resumes=0
finished_early=0
over=0
for delay in $(delays 30); do
  [ "$kills" -ge "$KILLS" ] && break
  runs=$((runs + 1))
  out="$AMG_TMP/run$runs.out"
  had_journal=0
  [ -f "$JOURNAL" ] && had_journal=1
  "$AMG" -c "$CONF" import --instance dst --snapshot "$snap" >"$out" 2>"$AMG_TMP/run$runs.err" &
  victim=$!
  if [ "$had_journal" -eq 1 ]; then
    expected_resumes=$((expected_resumes + 1))
    # The kill point counts from the moment the run says it resumes.
    if wait_for "$victim" says_resume "$out"; then
      resumes=$((resumes + 1))
    else
      _amg_fail "run $runs resumes from the journal" "$(head -n 3 "$out" "$AMG_TMP/run$runs.err")"
    fi
  else
    wait_for "$victim" test -f "$JOURNAL" ||
      _amg_fail "run $runs writes its journal" "no $JOURNAL"
  fi
  sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
  if kill -9 "$victim" 2>/dev/null; then
    wait "$victim" 2>/dev/null
    kills=$((kills + 1))
    n=$(user_count "$D" "$dtok")
    if [ -f "$JOURNAL" ]; then
      state="journal lists $(done_count) plugins done"
    else
      state="no journal: the run had finished its work"
    fi
    echo "# kill $kills (run $runs) after $delay ms: $state, target has $n users"
    [ "$n" -le "$N" ] || over=$((over + 1))
  else
    wait "$victim"
    echo "# run $runs finished (exit $?) before its kill point ($delay ms)"
    finished_early=$((finished_early + 1))
  fi
done
check "the import was killed $KILLS times ($kills)" test "$kills" -ge "$KILLS"
# A kill after the run removed its journal (its work was done) leaves
# nothing to resume; every other kill does.
check "runs resumed after kills ($expected_resumes)" test "$expected_resumes" -ge $((KILLS / 2))
expect_eq "every run that found a journal said it resumes" "$resumes" "$expected_resumes"
expect_eq "never more users in the target than in the source" "$over" 0
check "the journal is 0600" test "$(stat -c %a "$JOURNAL")" = 600
check "the run directory is 0700" test "$(stat -c %a "$SNAPS/runs/dst")" = 700

# ---- the last run completes ----
final_done=$(done_count)
"$AMG" -c "$CONF" import --instance dst --snapshot "$snap" >"$AMG_TMP/final.out" \
  2>"$AMG_TMP/final.err"
rc=$?
expect_eq "the final run exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 20 "$AMG_TMP/final.err"
check "the final run says it resumes" says_resume "$AMG_TMP/final.out"
check "the final run counts the plugins done" \
  grep -q "journal $JOURNAL: $final_done plugins\{0,1\} already done" "$AMG_TMP/final.out"
check "a successful run removes the journal" test ! -e "$JOURNAL"
report=$(sed -n 's/^report: //p' "$AMG_TMP/final.out")
expect_eq "report: plugins already done (journal)" \
  "$(grep -c '"note": "already done (journal)"' "$report")" "$final_done"
expect_eq "report: journal.resumed" "$("$JT" get "$report" .journal.resumed)" true
expect_eq "report: journal.removed" "$("$JT" get "$report" .journal.removed)" true
check "report matches docs/report.schema.json" "$JT" schema \
  "$top_srcdir/docs/report.schema.json" "$report"
check "the post-restore actions of resumed plugins are in the report" \
  grep -q "new clientId" "$report"

# ---- the target equals the source ----
users_of "$S" "$stok" >"$AMG_TMP/src.users"
users_of "$D" "$dtok" >"$AMG_TMP/dst.users"
expect_eq "source lists $N users" "$(wc -l <"$AMG_TMP/src.users" | tr -d ' ')" "$N"
expect_eq "target lists $N users" "$(wc -l <"$AMG_TMP/dst.users" | tr -d ' ')" "$N"
expect_eq "no duplicate user in the target" "$(uniq -d "$AMG_TMP/dst.users" | wc -l | tr -d ' ')" 0
check "same users (by e-mail)" cmp -s "$AMG_TMP/src.users" "$AMG_TMP/dst.users"
names_of "$S/applications" "$stok" >"$AMG_TMP/src.apps"
names_of "$D/applications" "$dtok" >"$AMG_TMP/dst.apps"
expect_eq "source has 5 applications" "$(wc -l <"$AMG_TMP/src.apps" | tr -d ' ')" 5
expect_eq "no duplicate application" "$(uniq -d "$AMG_TMP/dst.apps" | wc -l | tr -d ' ')" 0
check "same applications (by name)" cmp -s "$AMG_TMP/src.apps" "$AMG_TMP/dst.apps"
api GET "$S/roles" "$stok" >/dev/null
printf '%s' "$HTTP_BODY" | grep -o '"id":"[^"]*","name":"[^"]*"' | cut -d'"' -f8 | sort \
  >"$AMG_TMP/src.roles"
api GET "$D/roles" "$dtok" >/dev/null
printf '%s' "$HTTP_BODY" | grep -o '"id":"[^"]*","name":"[^"]*"' | cut -d'"' -f8 | sort \
  >"$AMG_TMP/dst.roles"
expect_eq "source has 11 roles" "$(wc -l <"$AMG_TMP/src.roles" | tr -d ' ')" 11
expect_eq "no duplicate role" "$(uniq -d "$AMG_TMP/dst.roles" | wc -l | tr -d ' ')" 0
check "same roles (by name)" cmp -s "$AMG_TMP/src.roles" "$AMG_TMP/dst.roles"
for path in config/tokens config/redirect_uris config/ui/theme_text config/ui/theme_color \
  config/cloud_directory/password_regex config/cloud_directory/sender_details \
  config/users_profile config/cloud_directory/mfa; do
  api GET "$S/$path" "$stok" >/dev/null
  src_body="$HTTP_STATUS $HTTP_BODY"
  api GET "$D/$path" "$dtok" >/dev/null
  expect_eq "config: same $path" "$HTTP_STATUS $HTTP_BODY" "$src_body"
  expect_eq "config: $path answers 200" "$HTTP_STATUS" 200
done
"$AMG" -c "$CONF" -q verify --instance src --instance dst >"$AMG_TMP/verify.out" 2>&1
rc=$?
expect_eq "verify: source and target equal (exit 0)" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 20 "$AMG_TMP/verify.out"

# ---- --no-resume and an unusable journal ----
printf '{"format": "appid-migrate-journal", "vers' >"$JOURNAL"
"$AMG" -c "$CONF" import --instance dst --snapshot "$snap" --only tokens \
  >"$AMG_TMP/bad.out" 2>"$AMG_TMP/bad.err"
check "a truncated journal stops the import (exit 1)" test "$?" -eq 1
check "the error names the journal" grep -q "$JOURNAL:.*not a usable import journal" \
  "$AMG_TMP/bad.err"
"$AMG" -c "$CONF" -q import --instance dst --snapshot "$snap" --only tokens --no-resume \
  >"$AMG_TMP/nr.out" 2>&1
expect_eq "--no-resume ignores it and runs (exit 0)" "$?" 0
check "--no-resume removed it" test ! -e "$JOURNAL"

# ---- migrate killed during its import: the re-run finishes that import ----
MJOURNAL="$SNAPS/runs/mig/import.journal"
count_snaps() { "$AMG" -c "$CONF" snapshots --instance src | grep -c '^src-'; }
"$AMG" -c "$CONF" migrate --from src --to mig >"$AMG_TMP/mig1.out" 2>"$AMG_TMP/mig1.err" &
victim=$!
wait_for "$victim" test -f "$MJOURNAL"
check "the migrate's import keeps a journal" test -f "$MJOURNAL"
sleep "$(awk -v seed="$CRASH_SEED" 'BEGIN { srand(seed + 2); printf "%.3f", rand() }')"
kill -9 "$victim" 2>/dev/null
wait "$victim" 2>/dev/null
mig_snap=$(sed -n 's/^snapshot: //p' "$AMG_TMP/mig1.out")
before=$(count_snaps)
"$AMG" -c "$CONF" migrate --from src --to mig >"$AMG_TMP/mig2.out" 2>"$AMG_TMP/mig2.err"
rc=$?
expect_eq "the migrate run again exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 20 "$AMG_TMP/mig2.err"
expect_eq "it restores the interrupted run's snapshot" \
  "$(sed -n 's/^snapshot: //p' "$AMG_TMP/mig2.out")" "$mig_snap"
check "it says it resumes" grep -q "^resuming import of snapshot ${mig_snap##*/} into mig" \
  "$AMG_TMP/mig2.out"
expect_eq "it took no new export" "$(count_snaps)" "$before"
check "its journal is removed" test ! -e "$MJOURNAL"
mtok=$(iam_token "$MIG_URL" "$KEY")
expect_eq "the migrated target has every user" \
  "$(user_count "$MIG_URL/management/v4/mig" "$mtok")" "$N"
"$AMG" -c "$CONF" -q migrate --from src --to mig --no-resume >"$AMG_TMP/mig3.out" 2>&1
expect_eq "migrate --no-resume exits 0" "$?" 0
expect_eq "migrate --no-resume takes a new export" "$(count_snaps)" "$((before + 1))"

# ---- export killed at seeded points ----
finished_before=$("$AMG" -c "$CONF" snapshots --instance src | grep -c '^src-')
partials=0
bad=0
for delay in $(awk -v seed="$CRASH_SEED" 'BEGIN { srand(seed + 1);
    for (i = 0; i < 4; i++) printf "%d\n", 100 + rand() * 1800 }'); do
  "$AMG" -c "$CONF" -q export --instance src >/dev/null 2>&1 &
  victim=$!
  sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
  kill -9 "$victim" 2>/dev/null
  wait "$victim" 2>/dev/null
  for dir in "$SNAPS"/src-* "$SNAPS"/.src-*.partial; do
    [ -d "$dir" ] || continue
    case ${dir##*/} in
    .*)
      partials=$((partials + 1))
      "$AMG" -c "$CONF" -q validate --snapshot "$dir" >/dev/null 2>&1 && bad=$((bad + 1))
      "$AMG" -c "$CONF" snapshots --instance src | grep -q -F "${dir##*/}" &&
        bad=$((bad + 1))
      ;;
    *)
      # Anything that looks finished must be a valid snapshot.
      "$AMG" -c "$CONF" -q validate --snapshot "$dir" >/dev/null 2>&1 || bad=$((bad + 1))
      ;;
    esac
  done
  echo "# export killed after $delay ms:" \
    "$(ls -a "$SNAPS" | grep -c '^\.src-.*\.partial$') unfinished directories"
done
check "the killed exports left unfinished directories to check ($partials)" \
  test "$partials" -ge 1
expect_eq "none is listed or validates; every finished-looking one is valid" "$bad" 0
"$AMG" -c "$CONF" export --instance src >"$AMG_TMP/export2.out" 2>"$AMG_TMP/export2.err"
expect_eq "the next export exits 0" "$?" 0
snap2=$(head -n 1 "$AMG_TMP/export2.out")
"$AMG" -c "$CONF" -q validate --snapshot "$snap2" >/dev/null 2>&1
expect_eq "the next export validates" "$?" 0
expect_eq "it is listed with the earlier ones" \
  "$("$AMG" -c "$CONF" snapshots --instance src | grep -c '^src-')" "$((finished_before + 1))"
expect_eq "the export swept the unfinished directories" \
  "$(ls -a "$SNAPS" | grep -c '^\.src-.*\.partial$')" 0
check "and said so" grep -q "removing the unfinished snapshot of an interrupted export" \
  "$AMG_TMP/export2.err"

amg_finish
