#!/usr/bin/env bash
# Users at scale: seeds an appid-sim with N Cloud Directory users through
# the API, then measures appid-migrate's export and import of them in three
# scenarios, next to a naive sequential client (one request in flight, like
# IBM's sample migrator), and prints one table.
#
#   bench/run-users.sh [N]            N users (default 100000)
#   BUILD=/path/to/build bench/run-users.sh
#   SCENARIOS=bc SEQUENTIAL=0 BULK=0 bench/run-users.sh 20000
#                                     only some scenarios, no sequential
#                                     client, no bulk line (iterating)
#
# Scenarios: (a) 50 ms latency, App ID's 50 requests/s limit on;
#            (b) 50 ms latency, no limit; (c) no latency, no limit.
# Bounds:    rate limit 50 req/s x 50 users; latency concurrency/latency x 50.
# Needs /usr/bin/time (Debian package "time") for peak RSS.
set -euo pipefail

N=${1:-100000}
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/_build}
SIM="$BUILD/sim/appid-sim"
SEED="$BUILD/sim/appid-sim-seed"
AMG="$BUILD/core/appid-migrate"
CONC=${CONC:-16}
SCENARIOS=${SCENARIOS:-abc}
SEQUENTIAL=${SEQUENTIAL:-1}
BULK=${BULK:-1}
# Dependencies of the users plugin, migrated before the measured runs.
DEPS=applications,roles,idps,instance_settings
LAT_MS=50
for f in "$SIM" "$SEED" "$AMG" "$BUILD/tests/jsontool"; do
  [ -x "$f" ] || { echo "bench: $f not built (./quickstart.sh build, or set BUILD)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing: apt-get install time" >&2; exit 2; }

work=$(mktemp -d /tmp/amg-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export APPID_SIM_API_KEY=bench-api-key-0001
export BENCH_KEY=bench-api-key-0001
export APPID_CD_ENCRYPTION_SECRET=bench-encryption-secret-0001
plugin_path=""
for d in "$BUILD"/plugins/*/.libs; do plugin_path="$plugin_path${plugin_path:+:}$d"; done
export APPID_MIGRATE_PLUGIN_PATH="$plugin_path"

# start_sim VAR TENANT [ARGS...]: starts a sim on port 0; VAR gets its URL.
start_sim() {
  local var=$1 tenant=$2 fifo port
  shift 2
  fifo="$work/port.$var.$RANDOM"
  mkfifo "$fifo"
  "$SIM" --port 0 --port-file "$fifo" --tenant "$tenant" --pbkdf2-iterations 1 "$@" \
    >"$work/$var.log" 2>&1 &
  pids+=($!)
  eval "${var}_PID=$!"
  read -r port < "$fifo"
  eval "${var}_URL=http://127.0.0.1:$port"
}

stop_sim() {
  local pid_var="${1}_PID"
  kill -TERM "${!pid_var}" && wait "${!pid_var}" || true
}

echo "bench: seeding $N users (pbkdf2 1 iteration) ..." >&2
start_sim SEEDSIM bench-src --rate-limit 0 --state "$work/source-state.json"
t0=$(date +%s.%N)
"$SEED" --url "$SEEDSIM_URL" --tenant bench-src --api-key-env BENCH_KEY --users "$N" \
  --seed 1 >"$work/seed.log" 2>&1
t1=$(date +%s.%N)
stop_sim SEEDSIM
echo "bench: seeded in $(echo "$t1 - $t0" | bc) s" >&2

# conf FILE SRC_URL DST_URL RPS CONCURRENCY [EXTRA]
conf() {
  cat > "$1" <<CONF
instances = {
  src = { endpoint = "$2"; iam_endpoint = "$2/identity/token"; tenant_id = "bench-src";
          api_key_env = "BENCH_KEY"; };
  dst = { endpoint = "$3"; iam_endpoint = "$3/identity/token"; tenant_id = "bench-dst";
          api_key_env = "BENCH_KEY"; };
};
snapshot_dir = "$work/snapshots";
http = { max_requests_per_second = $4; concurrency = $5; retries = 10; timeout = 120; };
plugins = { cloud_directory_users = { map_ids = false; async_email = "bench@example.com";
                                      ${6:-async_threshold = 100000000;} }; };
CONF
}

# measure OUTVAR CMD...: runs CMD under /usr/bin/time; OUTVAR gets "wall rss_kb".
measure() {
  local out=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/cmd.out" 2>"$work/cmd.err" || {
    echo "bench: command failed: $*" >&2
    tail -5 "$work/cmd.err" >&2
    exit 1
  }
  eval "$out=\"$(cat "$work/time")\""
}

rows=()
row() {  # row SCENARIO CLIENT OP USERS REQUESTS WALL RSS_KB BOUND
  local ups ratio
  ups=$(echo "scale=1; $4 / $6" | bc)
  ratio=$(echo "scale=2; $ups / $8" | bc)
  rows+=("$(printf '%-3s %-10s %-7s %8d %9s %8.1f %9.1f %6.2f %8.1f' "$1" "$2" "$3" "$4" "$5" "$6" \
    "$ups" "$ratio" "$(echo "scale=1; $7 / 1024" | bc)")")
  echo "bench: ${rows[-1]}" >&2
}

# run_scenario NAME SIM_ARGS RPS BOUND
run_scenario() {
  local name=$1 args=$2 rps=$3 bound=$4 client c snap t exp_req imp_req
  local clients=appid-mig
  case $SCENARIOS in *"$name"*) ;; *) return 0 ;; esac
  [ "$SEQUENTIAL" = 1 ] && clients="$clients sequential"
  for client in $clients; do
    c=$CONC
    [ "$client" = sequential ] && c=1
    cp "$work/source-state.json" "$work/src-state.json"
    # shellcheck disable=SC2086
    start_sim SRC bench-src --state "$work/src-state.json" $args
    # shellcheck disable=SC2086
    start_sim DST bench-dst $args
    conf "$work/b.conf" "$SRC_URL" "$DST_URL" "$rps" "$c" ""
    # Roles first (users carry role names), not part of the measurement.
    "$AMG" -q -c "$work/b.conf" migrate --from src --to dst --only applications,roles \
      >/dev/null 2>&1
    # Its own directory: a snapshot name is per second, and the roles'
    # migration above may have used this second's already.
    measure t "$AMG" -q -c "$work/b.conf" export --instance src --only cloud_directory_users \
      --exclude "$DEPS" --output "$work/measured-$name-$client"
    snap=$(tail -n 1 "$work/cmd.out")
    exp_req=$(( (N + 49) / 50 + 2 ))
    row "$name" "$client" export "$N" "$exp_req" ${t% *} ${t#* } "$bound"
    measure t "$AMG" -q -c "$work/b.conf" import --instance dst --snapshot "$snap" \
      --only cloud_directory_users
    imp_req=$("$BUILD/tests/jsontool" get "$(ls -t "$work"/snapshots/reports/import-* | head -n 1)" \
      .http.requests)
    row "$name" "$client" import "$N" "$imp_req" ${t% *} ${t#* } "$bound"
    stop_sim SRC
    stop_sim DST
    rm -rf "$work/snapshots"
  done
}

rate_bound=2500                                   # 50 req/s x 50 users
lat_bound=$(( CONC * 1000 / LAT_MS * 50 ))        # concurrency / latency x 50 users
run_scenario a "--latency-ms $LAT_MS --rate-limit 50" 48 "$rate_bound"
run_scenario b "--latency-ms $LAT_MS --rate-limit 0" 1000 "$lat_bound"
run_scenario c "--rate-limit 0" 1000 20000

# The bulk path (export/all) on its own line, scenario (c). The download is
# streamed to a file and converted one user at a time.
if [ "$BULK" = 1 ]; then
  cp "$work/source-state.json" "$work/src-state.json"
  start_sim SRC bench-src --state "$work/src-state.json" --rate-limit 0
  start_sim DST bench-dst --rate-limit 0
  conf "$work/b.conf" "$SRC_URL" "$DST_URL" 1000 "$CONC" "async_threshold = 1;"
  if /usr/bin/time -f "%e %M" -o "$work/time" "$AMG" -q -c "$work/b.conf" export \
       --instance src --only cloud_directory_users --exclude "$DEPS" \
       --output "$work/measured-bulk" >"$work/cmd.out" 2>"$work/cmd.err"; then
    t=$(cat "$work/time")
    got=$(wc -l < "$(tail -n 1 "$work/cmd.out")/cloud_directory_users.ndjson")
    [ "$got" -eq "$N" ] || { echo "bench: bulk export wrote $got users, not $N" >&2; exit 1; }
    row c bulk export "$N" 4 ${t% *} ${t#* } 20000
  else
    rows+=("c   bulk       export  $(printf '%8d' "$N")   FAILED: $(grep -m1 error "$work/cmd.err" | cut -c1-60)")
  fi
  stop_sim SRC
  stop_sim DST
fi

echo
echo "users benchmark: N=$N, concurrency $CONC, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "bounds: (a) rate limit $rate_bound users/s, (b) latency $lat_bound users/s, (c) target 20000 users/s"
printf '%-3s %-10s %-7s %8s %9s %8s %9s %6s %8s\n' sc client op users requests wall_s users/s ratio rss_MB
printf '%s\n' "${rows[@]}"
