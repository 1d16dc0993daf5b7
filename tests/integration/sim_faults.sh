#!/bin/sh
# appid-sim under load and faults: the per-tenant rate limit (429, block,
# isolation, Retry-After), injected 5xx, dropped connections, seeded
# reproducibility, latency without serialisation, and faults that never
# change state. Timing enters in two places only, both the behaviour under
# test with generous bounds: waiting out a 1 s block, and 16 parallel
# requests with 500 ms latency finishing together, well under 2 s.
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

KEY=faults-key-0123456789
SIM="$top_builddir/sim/appid-sim"
HDR="$AMG_TMP/auth.hdr"
DEFAULT_TOKENS='{"access":{"expires_in":3600},'\
'"anonymousAccess":{"enabled":true,"expires_in":2592000},'\
'"refresh":{"enabled":false,"expires_in":2592000}}'

# auth URL: fetch a token from URL and write the Authorization header file.
auth() {
    printf 'Authorization: Bearer %s\n' "$(iam_token "$1" "$KEY")" >"$HDR"
}

# statuses URL COUNT: COUNT GETs back to back over one keep-alive
# connection; prints the statuses, space-separated.
statuses() {
    _cfg="$AMG_TMP/curl.cfg"
    : >"$_cfg"
    _i=0
    while [ "$_i" -lt "$2" ]; do
        printf 'url = "%s"\noutput = "/dev/null"\n' "$1" >>"$_cfg"
        _i=$((_i + 1))
    done
    curl -s -K "$_cfg" -H "@$HDR" -w '%{http_code}\n' | tr '\n' ' ' | sed 's/ $//'
}

# count WORD LIST: occurrences of WORD in a space-separated LIST.
count() {
    printf '%s\n' $2 | grep -cx "$1"
}

# blocked_after_first_429 LIST: after the first 429 nothing but 429s.
blocked_after_first_429() {
    printf '%s\n' $1 | sed -n '/^429$/,$p' | grep -vqx 429 && return 1
    return 0
}

# repeat WORD N
repeat() {
    _r=
    _i=0
    while [ "$_i" -lt "$2" ]; do
        _r="$_r${_r:+ }$1"
        _i=$((_i + 1))
    done
    printf '%s' "$_r"
}

# status METHOD URL [BODY]: status of one request with the current token.
status() {
    if [ $# -ge 3 ]; then
        curl -s -o "$AMG_TMP/status.body" -w '%{http_code}' -X "$1" -H "@$HDR" \
            -H 'Content-Type: application/json' --data-binary "$3" "$2"
    else
        curl -s -o "$AMG_TMP/status.body" -w '%{http_code}' -X "$1" -H "@$HDR" "$2"
    fi
}

# --- rate limit: 60 fast requests at 10/s, 1 s block --------------------
check "rate-limited sim starts" sim_start rl t1 "$KEY" --tenant t2 --rate-limit 10 \
    --block-seconds 1
auth "$rl_URL"
s=$(statuses "$rl_URL/management/v4/t1/config/tokens" 60)
expect_eq "the first 10 of 60 fast requests pass (burst = rate)" \
    "$(printf '%s\n' $s | head -n 10 | tr '\n' ' ')" "$(repeat 200 10) "
check "some of 60 fast requests get 429" test "$(count 429 "$s")" -gt 0
expect_eq "only 200 and 429" "$(($(count 200 "$s") + $(count 429 "$s")))" 60
check "IAM is not rate limited" test -n "$(iam_token "$rl_URL" "$KEY")"
# Waiting out the block is the behaviour under test: poll in short steps,
# at most 2.5 s in all.
ok=
i=0
while [ "$i" -lt 25 ]; do
    if [ "$(status GET "$rl_URL/management/v4/t1/config/tokens")" = 200 ]; then
        ok=yes
        break
    fi
    sleep 0.1
    i=$((i + 1))
done
expect_eq "after the 1 s block requests succeed again" "$ok" yes
check "rate-limited sim stops cleanly" sim_stop rl

# --- the block: every request of the tenant, no other tenant -----------
# A 30 s block (the default) outlasts this part of the test by far.
check "sim with a 30 s block starts" sim_start blk t1 "$KEY" --tenant t2 --rate-limit 5
auth "$blk_URL"
s=$(statuses "$blk_URL/management/v4/t1/config/tokens" 20)
expect_eq "first 5 pass" "$(printf '%s\n' $s | head -n 5 | tr '\n' ' ')" "$(repeat 200 5) "
check "then 429" test "$(count 429 "$s")" -gt 0
check "after the first 429 every request is refused" blocked_after_first_429 "$s"
expect_eq "blocked: PUT of the same tenant" \
    "$(status PUT "$blk_URL/management/v4/t1/config/tokens" '{}')" 429
expect_eq "429 body" "$(cat "$AMG_TMP/status.body")" \
    '{"error":"Too Many Requests","message":"rate limit of 5 management requests per second '\
'exceeded for tenant t1; blocked for 30 s","status":429}'
expect_eq "blocked: another endpoint of the same tenant" \
    "$(status GET "$blk_URL/management/v4/t1/config/ui/theme_color")" 429
expect_eq "blocked: unknown endpoint of the same tenant" \
    "$(status GET "$blk_URL/management/v4/t1/no/such/thing")" 429
expect_eq "not blocked: the other tenant" \
    "$(status GET "$blk_URL/management/v4/t2/config/tokens")" 200
expect_eq "no token: still 401, not 429" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$blk_URL/management/v4/t1/config/tokens")" 401
check "IAM still answers during a block" test -n "$(iam_token "$blk_URL" "$KEY")"
headers=$(curl -s -D - -o /dev/null -H "@$HDR" "$blk_URL/management/v4/t1/config/tokens" |
    tr -d '\r')
expect_contains "throttling answers 429 (choice)" "$headers" "HTTP/1.1 429"
case $headers in
*Retry-After*) expect_eq "no Retry-After by default (choice)" present absent ;;
*) expect_eq "no Retry-After by default (choice)" absent absent ;;
esac
check "sim with a 30 s block stops cleanly" sim_stop blk

check "sim with --retry-after starts" sim_start ra t1 "$KEY" --rate-limit 1 --retry-after
auth "$ra_URL"
s=$(statuses "$ra_URL/management/v4/t1/config/tokens" 2)
expect_eq "1/s: second request refused" "$s" "200 429"
ra=$(curl -s -D - -o /dev/null -H "@$HDR" "$ra_URL/management/v4/t1/config/tokens" |
    tr -d '\r' | sed -n 's/^Retry-After: //p')
check "--retry-after: whole seconds left of the 30 s block ($ra)" \
    test -n "$ra" -a "$ra" -ge 1 -a "$ra" -le 30
check "sim with --retry-after stops cleanly" sim_stop ra

check "sim with --rate-limit 0 starts" sim_start off t1 "$KEY" --rate-limit 0
auth "$off_URL"
s=$(statuses "$off_URL/management/v4/t1/config/tokens" 150)
expect_eq "--rate-limit 0: 150 fast requests all pass" "$s" "$(repeat 200 150)"
check "sim with --rate-limit 0 stops cleanly" sim_stop off

# Default 50/s with a 30 s block. sim_start turns the limit off, so this
# one is started by hand (same FIFO handshake as lib.sh).
mkfifo "$AMG_TMP/def.port"
APPID_SIM_API_KEY=$KEY "$SIM" --port 0 --port-file "$AMG_TMP/def.port" --tenant t1 \
    >/dev/null 2>"$AMG_TMP/def.err" &
def_PID=$!
AMG_SIMS="$AMG_SIMS def"
def_port=$(timeout 10 sh -c 'read -r p <"$1" && echo "$p"' sh "$AMG_TMP/def.port")
def_URL="http://127.0.0.1:$def_port"
auth "$def_URL"
s=$(statuses "$def_URL/management/v4/t1/config/tokens" 80)
expect_eq "default limit: the first 50 pass" \
    "$(printf '%s\n' $s | head -n 50 | tr '\n' ' ')" "$(repeat 200 50) "
check "default limit: then 429" test "$(count 429 "$s")" -gt 0
check "default block outlasts the test" blocked_after_first_429 "$s"
kill -TERM "$def_PID"
wait "$def_PID"
expect_eq "default sim stops cleanly" "$?" 0
def_PID=

# --- faults ------------------------------------------------------------
check "sim with --fail-rate 1 starts" sim_start f1 t1 "$KEY" --fail-rate 1
auth "$f1_URL"
check "IAM never fails" test -n "$(sed -n 's/^Authorization: Bearer //p' "$HDR")"
s=$(statuses "$f1_URL/management/v4/t1/config/tokens" 30)
expect_eq "--fail-rate 1: 30 of 30 are 500, 502 or 503" \
    "$(($(count 500 "$s") + $(count 502 "$s") + $(count 503 "$s")))" 30
check "--fail-rate 1: a mix of statuses" test "$(count 500 "$s")" -gt 0 -a \
    "$(count 502 "$s")" -gt 0 -a "$(count 503 "$s")" -gt 0
code=$(status GET "$f1_URL/management/v4/t1/config/tokens")
case $code in
500) reason='Internal Server Error' ;;
502) reason='Bad Gateway' ;;
*) reason='Service Unavailable' ;;
esac
expect_eq "5xx has a JSON error body" "$(cat "$AMG_TMP/status.body")" \
    "{\"error\":\"$reason\",\"message\":\"simulated server failure (--fail-rate)\",\
\"status\":$code}"
expect_eq "faults hit before authentication" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$f1_URL/management/v4/t1/config/tokens" |
        cut -c1)" 5
expect_eq "oauth paths fail too" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$f1_URL/oauth/v4/t1/token" | cut -c1)" 5
expect_eq "other paths do not" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$f1_URL/elsewhere")" 404
check "sim with --fail-rate 1 stops cleanly" sim_stop f1

check "sim with --drop-rate 1 starts" sim_start d1 t1 "$KEY" --drop-rate 1
auth "$d1_URL"
check "IAM is never dropped" test -n "$(sed -n 's/^Authorization: Bearer //p' "$HDR")"
curl -s -o /dev/null -H "@$HDR" "$d1_URL/management/v4/t1/config/tokens"
expect_eq "--drop-rate 1: curl gets an empty reply (exit 52)" "$?" 52
check "sim with --drop-rate 1 stops cleanly" sim_stop d1
check "no warning for deliberate drops" test ! -s "$AMG_TMP/d1.err"

check "seeded sim starts" sim_start s1 t1 "$KEY" --fail-rate 0.5 --seed 7
auth "$s1_URL"
seq1=$(statuses "$s1_URL/management/v4/t1/config/tokens" 24)
check "seeded sim stops" sim_stop s1
check "seeded sim restarts" sim_start s2 t1 "$KEY" --fail-rate 0.5 --seed 7
auth "$s2_URL"
seq2=$(statuses "$s2_URL/management/v4/t1/config/tokens" 24)
check "seeded sim stops again" sim_stop s2
expect_eq "--seed 7 twice: the same statuses" "$seq2" "$seq1"
check "the sequence mixes successes and failures ($seq1)" \
    test "$(count 200 "$seq1")" -gt 0 -a "$(count 200 "$seq1")" -lt 24
check "sim with another seed starts" sim_start s3 t1 "$KEY" --fail-rate 0.5 --seed 8
auth "$s3_URL"
seq3=$(statuses "$s3_URL/management/v4/t1/config/tokens" 24)
check "another seed gives another sequence" test "$seq3" != "$seq1"
check "sim with another seed stops" sim_stop s3

# --- latency: 16 parallel requests are delayed together -----------------
# 500 ms: served four at a time (a thread pool) the 16 would take 2 s, one
# at a time 8 s; together they take one delay. The bound leaves room for a
# loaded machine (sanitizer builds, parallel make).
check "sim with --latency-ms 500 starts" sim_start lat t1 "$KEY" --latency-ms 500
auth "$lat_URL"
cfg="$AMG_TMP/par.cfg"
: >"$cfg"
i=0
while [ "$i" -lt 16 ]; do
    printf 'url = "%s"\noutput = "/dev/null"\n' "$lat_URL/management/v4/t1/config/tokens" >>"$cfg"
    i=$((i + 1))
done
t0=$(date +%s%N)
out=$(curl -s --no-progress-meter -Z --parallel-immediate --parallel-max 16 -K "$cfg" -H "@$HDR" \
    -w '%{http_code} %{time_total}\n')
t1=$(date +%s%N)
wall_ms=$(((t1 - t0) / 1000000))
expect_eq "16 parallel delayed requests: all 200" \
    "$(printf '%s\n' "$out" | cut -d' ' -f1 | sort | uniq -c | tr -s ' ')" " 16 200"
check "each one took at least the latency" \
    sh -c 'printf "%s\n" "$1" | awk "\$2 < 0.5 { bad = 1 } END { exit bad }"' sh "$out"
check "all 16 finished in under 1200 ms, not 2 s or more (took $wall_ms ms)" \
    test "$wall_ms" -lt 1200
# The wire-level errors still work through the delay.
big="$AMG_TMP/big.json"
head -c 1048577 /dev/zero | tr '\0' a >"$big"
api_file PUT "$lat_URL/management/v4/t1/config/ui/theme_text" "$(iam_token "$lat_URL" "$KEY")" \
    "$big" >/dev/null
expect_eq "delayed 413" "$HTTP_STATUS" 413
tok=$(iam_token "$lat_URL" "$KEY")
api_ct text/plain PUT "$lat_URL/management/v4/t1/config/tokens" "$tok" '{}' >/dev/null
expect_eq "delayed 415" "$HTTP_STATUS" 415
api PUT "$lat_URL/management/v4/t1/config/tokens" "$tok" '{"access":' >/dev/null
expect_eq "delayed 400" "$HTTP_STATUS" 400
check "sim with latency stops cleanly" sim_stop lat

# Stopping with delayed requests in flight: they are answered (or closed)
# at once, not after the delay, and the sim exits 0. -v logs each delayed
# request, so the test waits for them to be parked instead of sleeping.
check "sim with a 10 s latency starts" sim_start sd t1 "$KEY" --latency-ms 10000 -v
i=0
while [ "$i" -lt 8 ]; do
    curl -s -o /dev/null -w '%{http_code} %{exitcode}\n' -m 30 \
        "$sd_URL/management/v4/t1/config/tokens" >"$AMG_TMP/sdc.$i" &
    i=$((i + 1))
done
# tail -f wakes on new log lines (inotify); it is stopped by hand because it
# would notice grep's exit only at its next write.
mkfifo "$AMG_TMP/sd.log"
tail -n +1 -f "$AMG_TMP/sd.err" >"$AMG_TMP/sd.log" &
tail_pid=$!
timeout 20 grep -m 8 'response delayed' <"$AMG_TMP/sd.log" >"$AMG_TMP/sd.parked"
kill "$tail_pid"
wait "$tail_pid" 2>/dev/null
expect_eq "8 requests are being delayed" "$(wc -l <"$AMG_TMP/sd.parked")" 8
t0=$(date +%s%N)
check "stopping with 8 delayed requests exits 0" sim_stop sd
wait
t1=$(date +%s%N)
check "the clients did not wait out the delay" test $(((t1 - t0) / 1000000)) -lt 5000
expect_eq "each got its answer (401: no token) or an empty reply" \
    "$(cat "$AMG_TMP"/sdc.* | sed 's/^000 52$/closed/; s/^401 0$/answered/' | sort -u |
        grep -v -x -e answered -e closed)" ""

# --- a fault never changes state -----------------------------------------
STATE="$AMG_TMP/state.json"
NEW_TOKENS='{"access":{"expires_in":900}}'
check "faulty sim with a state file starts" sim_start st t1 "$KEY" --fail-rate 1 \
    --state "$STATE"
auth "$st_URL"
code=$(status PUT "$st_URL/management/v4/t1/config/tokens" "$NEW_TOKENS")
expect_eq "PUT under --fail-rate 1 fails with a 5xx ($code)" "$(printf '%s' "$code" | cut -c1)" 5
check "faulty sim stops" sim_stop st
check "dropping sim with the state starts" sim_start st t1 "$KEY" --drop-rate 1 \
    --state "$STATE"
auth "$st_URL"
curl -s -o /dev/null -X PUT -H "@$HDR" -H 'Content-Type: application/json' \
    --data-binary "$NEW_TOKENS" "$st_URL/management/v4/t1/config/tokens"
expect_eq "PUT under --drop-rate 1 is dropped" "$?" 52
check "dropping sim stops" sim_stop st
check "clean sim with the state starts" sim_start st t1 "$KEY" --state "$STATE"
auth "$st_URL"
expect_eq "neither the failed nor the dropped PUT changed anything" \
    "$(status GET "$st_URL/management/v4/t1/config/tokens") $(cat "$AMG_TMP/status.body")" \
    "200 $DEFAULT_TOKENS"
# Control: the same PUT without faults does persist.
expect_eq "the same PUT without faults" \
    "$(status PUT "$st_URL/management/v4/t1/config/tokens" "$NEW_TOKENS")" 200
check "clean sim stops" sim_stop st
check "clean sim restarts" sim_start st t1 "$KEY" --state "$STATE"
auth "$st_URL"
status GET "$st_URL/management/v4/t1/config/tokens" >/dev/null
expect_contains "... and it persisted" "$(cat "$AMG_TMP/status.body")" \
    '"access":{"expires_in":900}'
check "clean sim stops again" sim_stop st

# --- drop after processing: the change happens, the answer is lost ----------
check "sim with --drop-after-rate 1 starts" sim_start da t1 "$KEY" --drop-after-rate 1 \
    --state "$AMG_TMP/da.json" -v
auth "$da_URL"
check "IAM is never dropped after" test -n "$(sed -n 's/^Authorization: Bearer //p' "$HDR")"
curl -s -o /dev/null -X PUT -H "@$HDR" -H 'Content-Type: application/json' \
    --data-binary "$NEW_TOKENS" "$da_URL/management/v4/t1/config/tokens"
expect_eq "--drop-after-rate 1: the PUT gets an empty reply (exit 52)" "$?" 52
curl -s -o /dev/null -X POST -H "@$HDR" -H 'Content-Type: application/json' \
    --data-binary '{"name":"lost-answer","type":"regularwebapp"}' \
    "$da_URL/management/v4/t1/applications"
expect_eq "--drop-after-rate 1: the POST gets an empty reply (exit 52)" "$?" 52
check "sim with --drop-after-rate 1 stops cleanly" sim_stop da
check "the -v log says the PUT was answered 200, then dropped" \
    grep -q 'PUT /management/v4/t1/config/tokens -> 200, then connection dropped' \
    "$AMG_TMP/da.err"
check "no warning for drops after processing" sh -c "! grep -q WARN '$AMG_TMP/da.err'"
check "clean sim with the drop-after state starts" sim_start da t1 "$KEY" \
    --state "$AMG_TMP/da.json"
auth "$da_URL"
status GET "$da_URL/management/v4/t1/config/tokens" >/dev/null
expect_contains "the dropped PUT did change the tokens" "$(cat "$AMG_TMP/status.body")" \
    '"access":{"expires_in":900}'
status GET "$da_URL/management/v4/t1/applications" >/dev/null
expect_eq "the dropped POST did create the application, once" \
    "$(grep -o '"name":"lost-answer"' "$AMG_TMP/status.body" | wc -l)" 1
check "clean sim stops" sim_stop da

# exits URL COUNT: curl exit codes of COUNT GETs, one connection each.
exits() {
    _e=
    _i=0
    while [ "$_i" -lt "$2" ]; do
        curl -s -o /dev/null -H "@$HDR" "$1"
        _e="$_e${_e:+ }$?"
        _i=$((_i + 1))
    done
    printf '%s' "$_e"
}
check "seeded drop-after sim starts" sim_start da1 t1 "$KEY" --drop-after-rate 0.5 --seed 7
auth "$da1_URL"
dseq1=$(exits "$da1_URL/management/v4/t1/config/tokens" 20)
check "seeded drop-after sim stops" sim_stop da1
check "seeded drop-after sim restarts" sim_start da2 t1 "$KEY" --drop-after-rate 0.5 --seed 7
auth "$da2_URL"
dseq2=$(exits "$da2_URL/management/v4/t1/config/tokens" 20)
check "seeded drop-after sim stops again" sim_stop da2
expect_eq "--drop-after-rate with --seed 7 twice: the same drops" "$dseq2" "$dseq1"
check "answers and drops mix ($dseq1)" test "$(count 0 "$dseq1")" -gt 0 -a \
    "$(count 52 "$dseq1")" -gt 0
expect_eq "nothing but answers and drops" "$(($(count 0 "$dseq1") + $(count 52 "$dseq1")))" 20

# --- command line ------------------------------------------------------------
run_sim() {
    APPID_SIM_API_KEY=$KEY "$SIM" --tenant t "$@" >/dev/null 2>"$AMG_TMP/cli.err"
    echo $?
}
expect_eq "--rate-limit -1: exit 2" "$(run_sim --rate-limit -1)" 2
expect_eq "--rate-limit x: exit 2" "$(run_sim --rate-limit x)" 2
expect_eq "--block-seconds -0.5: exit 2" "$(run_sim --block-seconds -0.5)" 2
expect_eq "--block-seconds nan: exit 2" "$(run_sim --block-seconds nan)" 2
expect_eq "--fail-rate 1.5: exit 2" "$(run_sim --fail-rate 1.5)" 2
expect_eq "--drop-rate -0.1: exit 2" "$(run_sim --drop-rate -0.1)" 2
expect_eq "--latency-ms 60001: exit 2" "$(run_sim --latency-ms 60001)" 2
expect_eq "--seed -1: exit 2" "$(run_sim --seed -1)" 2
check "the message names the option" grep -q -- "--seed" "$AMG_TMP/cli.err"
expect_eq "--drop-after-rate 1.1: exit 2" "$(run_sim --drop-after-rate 1.1)" 2
check "the message names --drop-after-rate" grep -q -- "--drop-after-rate" "$AMG_TMP/cli.err"
expect_eq "--hostile nonsense: exit 2" "$(run_sim --hostile nonsense)" 2
check "the message lists the modes" grep -q -- "not-json, array-as-object" "$AMG_TMP/cli.err"
expect_eq "--hostile-path without a slash: exit 2" "$(run_sim --hostile-path management)" 2

amg_finish
