#!/bin/sh
# Throughput and latency of appid-sim.
#
#   bench/sim-throughput.sh [-b BUILDDIR] [-d SECONDS] [-c CONNECTIONS] [-p CPU]
#
# Starts appid-sim from BUILDDIR (default: the source tree) with faults and
# the rate limit off, fetches a token, and drives GET /config/tokens with a
# closed-loop load client for SECONDS (default 10) over CONNECTIONS
# keep-alive connections (default 16):
#   1. the plain sim;
#   2. the sim with the rate limiter on but never refusing
#      (--rate-limit 1000000), to show what counting costs;
#   3. --latency-ms 50: 16 requests at once, which must finish together in
#      about 50 ms, not 16 x 50 ms;
#   4. --latency-ms 50 with 256 connections: delayed requests hold no
#      thread, so this approaches 256 / 0.05 s = 5120 requests/s.
# With -p CPU the sim is pinned to that CPU (taskset -c CPU) and the load
# client to the other CPUs, so the figures are "one core of sim".
#
# The load client is wrk when it is installed (apt-get install wrk),
# otherwise bench/loadgen.c, compiled here with cc and libcurl
# (apt-get install libcurl4-openssl-dev). The latency run always uses
# loadgen (wrk cannot send a fixed number of requests). Nothing is
# installed by this script.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=$(dirname "$here")
seconds=10
conns=16
cpu=

while getopts b:d:c:p: opt; do
    case $opt in
    b) builddir=$OPTARG ;;
    d) seconds=$OPTARG ;;
    c) conns=$OPTARG ;;
    p) cpu=$OPTARG ;;
    *)
        echo "usage: $0 [-b BUILDDIR] [-d SECONDS] [-c CONNECTIONS] [-p CPU]" >&2
        exit 2
        ;;
    esac
done

sim="$builddir/sim/appid-sim"
if [ ! -x "$sim" ]; then
    echo "$sim not found: build first (./configure && make), or give -b BUILDDIR" >&2
    exit 2
fi
if ! command -v cc >/dev/null 2>&1; then
    echo "a C compiler is needed for bench/loadgen.c (apt-get install gcc)" >&2
    exit 2
fi
if ! command -v curl >/dev/null 2>&1; then
    echo "curl is needed to fetch a token (apt-get install curl)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sim-bench.XXXXXX")
sim_pid=
cleanup() {
    if [ -n "$sim_pid" ]; then
        kill -TERM "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sim_cmd=
client_cmd=
if [ -n "$cpu" ]; then
    if ! command -v taskset >/dev/null 2>&1; then
        echo "-p needs taskset (apt-get install util-linux)" >&2
        exit 2
    fi
    sim_cmd="taskset -c $cpu"
    others=$(awk -v c="$cpu" 'BEGIN { n = 0 }
        /^processor/ { if ($3 != c) { printf "%s%s", (n++ ? "," : ""), $3 } }' /proc/cpuinfo)
    [ -n "$others" ] && client_cmd="taskset -c $others"
fi

if ! cc -O2 -o "$tmp/loadgen" "$here/loadgen.c" \
    $(pkg-config --cflags --libs libcurl 2>/dev/null || echo -lcurl); then
    echo "cannot build bench/loadgen.c: install libcurl4-openssl-dev" >&2
    exit 2
fi
if command -v wrk >/dev/null 2>&1; then
    client=wrk
else
    client=loadgen
    echo "(wrk is not installed - apt-get install wrk - using bench/loadgen.c)"
fi

KEY=bench-key
start_sim() {
    rm -f "$tmp/port"
    mkfifo "$tmp/port"
    APPID_SIM_API_KEY=$KEY $sim_cmd "$sim" --port 0 --port-file "$tmp/port" --tenant t1 \
        "$@" >/dev/null 2>"$tmp/sim.err" &
    sim_pid=$!
    port=$(timeout 10 sh -c 'read -r p <"$1" && echo "$p"' sh "$tmp/port") || {
        echo "appid-sim did not start:" >&2
        cat "$tmp/sim.err" >&2
        exit 1
    }
    url="http://127.0.0.1:$port"
    token=$(printf '%s' "$KEY" | curl -s -S -X POST \
        --data-urlencode 'grant_type=urn:ibm:params:oauth:grant-type:apikey' \
        --data-urlencode 'apikey@-' "$url/identity/token" |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    printf 'Authorization: Bearer %s\n' "$token" >"$tmp/auth"
    target="$url/management/v4/t1/config/tokens"
}

stop_sim() {
    kill -TERM "$sim_pid"
    wait "$sim_pid" || true
    sim_pid=
}

# load [CONNECTIONS]
load() {
    _c=${1:-$conns}
    if [ "$client" = wrk ]; then
        # wrk takes headers on the command line only; this token belongs
        # to a throw-away sim and dies with it.
        $client_cmd wrk -t 2 -c "$_c" -d "${seconds}s" --latency \
            -H "Authorization: Bearer $token" "$target"
    else
        $client_cmd "$tmp/loadgen" -c "$_c" -d "$seconds" -H "$tmp/auth" "$target"
    fi
}

echo "machine: $(nproc) CPU(s), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
    head -n 1)"
echo "sim: $sim${cpu:+ (pinned to CPU $cpu)}; client: $client${client_cmd:+ ($client_cmd)}"

echo
echo "== 1. GET /config/tokens, faults and rate limit off, $conns connections, ${seconds}s"
start_sim --rate-limit 0
load
stop_sim

echo
echo "== 2. same with the rate limiter counting (--rate-limit 1000000)"
start_sim --rate-limit 1000000
load
stop_sim

echo
echo "== 3. --latency-ms 50: 16 requests at once"
start_sim --rate-limit 0 --latency-ms 50
$client_cmd "$tmp/loadgen" -c 16 -n 16 -H "$tmp/auth" "$target"
stop_sim

echo
echo "== 4. --latency-ms 50, 256 connections, ${seconds}s (ideal: 5120 requests/s)"
start_sim --rate-limit 0 --latency-ms 50
load 256
stop_sim
