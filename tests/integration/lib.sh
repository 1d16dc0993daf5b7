# Shared helpers for the integration tests (POSIX sh; sourced, not run).
# `make check` exports top_srcdir and top_builddir. Tests use curl, grep
# and sed only, and compare exact strings: appid-sim answers compact JSON
# with sorted keys.
#
#   amg_setup                      temp dir $AMG_TMP, cleanup on exit
#   sim_start NAME TENANT APIKEY [appid-sim args...]
#                                  start a sim on a free port; sets
#                                  ${NAME}_URL and ${NAME}_PID (an empty
#                                  TENANT passes no --tenant). The sim's
#                                  per-tenant rate limit is off
#                                  (--rate-limit 0) unless the args give
#                                  --rate-limit: shell tests send requests
#                                  back to back, far above 50/s.
#   sim_stop NAME                  SIGTERM + wait; returns its exit status
#   iam_token URL APIKEY           print an access token
#   api METHOD URL TOKEN [BODY]    JSON request; prints the body, sets
#                                  HTTP_STATUS and HTTP_BODY
#   api_ct CTYPE METHOD URL TOKEN BODY       same with a given Content-Type
#   api_file METHOD URL TOKEN FILE [CTYPE]   body read from FILE
#   last_status                    print the status of the last request
#                                  (for callers that used $(api ...))
#   check NAME COMMAND...          pass when COMMAND exits 0
#   expect_eq NAME ACTUAL EXPECTED
#   expect_contains NAME TEXT PART
#   amg_finish                     print "N passed, M failed"; exit 1 if M>0
#   amg_use_built_plugins [PLUGIN...]
#                                  $AMG, $SEED (appid-sim-seed), $JT
#                                  (jsontool) and every bundled plugin of
#                                  the build on APPID_MIGRATE_PLUGIN_PATH
#                                  (only the PLUGINs named, in that order,
#                                  when there are any)
#   sim_instances FILE NAMES [appid-sim args...]
#                                  sim_start each of the space-separated
#                                  NAMES (tenant tenant-NAME, API key
#                                  key-NAME, the args) and write FILE's
#                                  "instances" block for them; exports
#                                  KEY_NAME and sets tok_NAME (a token) and
#                                  base_NAME (its /management/v4/TENANT
#                                  URL). Returns 1 when a sim fails.
#   on NAME METHOD PATH [BODY]     api against base_NAME with tok_NAME
#
# Call api/sim_start directly, not inside $(...): a subshell loses the
# variables they set.

AMG_PASSED=0
AMG_FAILED=0
AMG_SIMS=
HTTP_STATUS=
HTTP_BODY=

amg_use_built_plugins() {
    AMG="$top_builddir/core/appid-migrate"
    SEED="$top_builddir/sim/appid-sim-seed"
    JT="$top_builddir/tests/jsontool"
    _amg_path=""
    if [ $# -gt 0 ]; then
        for _amg_d in "$@"; do
            _amg_path="$_amg_path${_amg_path:+:}$top_builddir/plugins/$_amg_d/.libs"
        done
    else
        for _amg_d in "$top_builddir"/plugins/*/.libs; do
            _amg_path="$_amg_path${_amg_path:+:}$_amg_d"
        done
    fi
    export APPID_MIGRATE_PLUGIN_PATH="$_amg_path"
}

amg_setup() {
    if [ -z "${top_builddir:-}" ]; then
        echo "top_builddir is not set (run through make check)" >&2
        exit 99
    fi
    AMG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/amg-it.XXXXXX") || exit 99
    # Exports of Cloud Directory users need the secret App ID encrypts
    # password hashes with (cloud_directory.encryption_secret_env).
    export APPID_CD_ENCRYPTION_SECRET="${APPID_CD_ENCRYPTION_SECRET:-it-cd-encryption-secret-0042}"
    trap amg_cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

amg_cleanup() {
    for _amg_n in $AMG_SIMS; do
        eval "_amg_p=\${${_amg_n}_PID:-}"
        if [ -n "$_amg_p" ]; then
            kill -TERM "$_amg_p" 2>/dev/null
            wait "$_amg_p" 2>/dev/null
        fi
    done
    AMG_SIMS=
    if [ -n "${AMG_TMP:-}" ] && [ -d "$AMG_TMP" ]; then
        rm -rf "$AMG_TMP"
    fi
}

sim_start() {
    _amg_name=$1
    _amg_tenant=$2
    _amg_key=$3
    shift 3
    _amg_fifo="$AMG_TMP/$_amg_name.port"
    rm -f "$_amg_fifo"
    mkfifo "$_amg_fifo" || return 1
    # The key goes through the environment, so it is not in argv.
    if [ -n "$_amg_tenant" ]; then
        set -- --tenant "$_amg_tenant" "$@"
    fi
    APPID_SIM_API_KEY=$_amg_key "$top_builddir/sim/appid-sim" --port 0 \
        --port-file "$_amg_fifo" --rate-limit 0 "$@" \
        >"$AMG_TMP/$_amg_name.out" 2>"$AMG_TMP/$_amg_name.err" &
    _amg_pid=$!
    eval "${_amg_name}_PID=$_amg_pid"
    AMG_SIMS="$AMG_SIMS $_amg_name"
    # Blocks until the sim has written its port; the timeout only matters
    # when the sim died before opening the FIFO.
    _amg_port=$(timeout 10 sh -c 'read -r p <"$1" && echo "$p"' sh "$_amg_fifo")
    case $_amg_port in
    '' | *[!0-9]*)
        echo "sim_start $_amg_name: appid-sim did not report a port" >&2
        cat "$AMG_TMP/$_amg_name.err" >&2
        kill -TERM "$_amg_pid" 2>/dev/null
        wait "$_amg_pid" 2>/dev/null
        eval "${_amg_name}_PID="
        return 1
        ;;
    esac
    eval "${_amg_name}_URL=http://127.0.0.1:$_amg_port"
    return 0
}

sim_stop() {
    eval "_amg_pid=\${${1}_PID:-}"
    if [ -z "$_amg_pid" ]; then
        echo "sim_stop $1: not running" >&2
        return 1
    fi
    kill -TERM "$_amg_pid" 2>/dev/null
    wait "$_amg_pid"
    _amg_rc=$?
    eval "${1}_PID="
    _amg_rest=
    for _amg_n in $AMG_SIMS; do
        [ "$_amg_n" = "$1" ] || _amg_rest="$_amg_rest $_amg_n"
    done
    AMG_SIMS=$_amg_rest
    if [ "$_amg_rc" -ne 0 ]; then
        echo "sim_stop $1: appid-sim exited with status $_amg_rc" >&2
        cat "$AMG_TMP/$1.err" >&2
    fi
    return "$_amg_rc"
}

sim_instances() {
    _amg_si_file=$1
    _amg_si_names=$2
    shift 2
    echo "instances = {" >"$_amg_si_file"
    for _amg_si in $_amg_si_names; do
        sim_start "$_amg_si" "tenant-$_amg_si" "key-$_amg_si" "$@" || return 1
        eval "_amg_si_url=\$${_amg_si}_URL"
        {
            echo "  $_amg_si = { endpoint = \"$_amg_si_url\";" \
                "iam_endpoint = \"$_amg_si_url/identity/token\";"
            echo "         tenant_id = \"tenant-$_amg_si\"; api_key_env = \"KEY_$_amg_si\"; };"
        } >>"$_amg_si_file"
        export "KEY_$_amg_si=key-$_amg_si"
        eval "tok_$_amg_si=\$(iam_token \"\$_amg_si_url\" key-$_amg_si)"
        eval "base_$_amg_si=\$_amg_si_url/management/v4/tenant-$_amg_si"
    done
    echo "};" >>"$_amg_si_file"
}

on() {
    eval "_amg_on_base=\$base_$1 _amg_on_tok=\$tok_$1"
    if [ $# -ge 4 ]; then
        api "$2" "$_amg_on_base$3" "$_amg_on_tok" "$4"
    else
        api "$2" "$_amg_on_base$3" "$_amg_on_tok"
    fi
}

iam_token() {
    # The key is fed on stdin so it does not show up in argv.
    printf '%s' "$2" | curl -s -S -X POST \
        -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-urlencode 'grant_type=urn:ibm:params:oauth:grant-type:apikey' \
        --data-urlencode 'apikey@-' "$1/identity/token" |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

# _amg_request METHOD URL TOKEN CTYPE BODYSPEC: BODYSPEC is "" (no body),
# "=TEXT" or "@FILE".
_amg_request() {
    _amg_out="$AMG_TMP/.body"
    _amg_hdr="$AMG_TMP/.headers"
    : >"$_amg_hdr"
    if [ -n "$3" ]; then
        # From a file, so the token does not show up in argv either.
        printf 'Authorization: Bearer %s\n' "$3" >"$_amg_hdr"
    fi
    if [ -n "$5" ]; then
        printf 'Content-Type: %s\n' "$4" >>"$_amg_hdr"
    fi
    case $5 in
    '')
        HTTP_STATUS=$(curl -s -o "$_amg_out" -w '%{http_code}' -X "$1" \
            -H "@$_amg_hdr" "$2")
        ;;
    =*)
        HTTP_STATUS=$(printf '%s' "${5#=}" | curl -s -o "$_amg_out" -w '%{http_code}' \
            -X "$1" -H "@$_amg_hdr" --data-binary @- "$2")
        ;;
    @*)
        HTTP_STATUS=$(curl -s -o "$_amg_out" -w '%{http_code}' -X "$1" \
            -H "@$_amg_hdr" --data-binary "$5" "$2")
        ;;
    esac
    [ -n "$HTTP_STATUS" ] || HTTP_STATUS=000
    echo "$HTTP_STATUS" >"$AMG_TMP/.status"
    HTTP_BODY=$(cat "$_amg_out" 2>/dev/null)
    printf '%s\n' "$HTTP_BODY"
}

api() {
    if [ $# -ge 4 ]; then
        _amg_request "$1" "$2" "$3" application/json "=$4"
    else
        _amg_request "$1" "$2" "$3" application/json ""
    fi
}

api_ct() {
    _amg_request "$2" "$3" "$4" "$1" "=$5"
}

api_file() {
    _amg_request "$1" "$2" "$3" "${5:-application/json}" "@$4"
}

last_status() {
    cat "$AMG_TMP/.status" 2>/dev/null || echo 000
}

_amg_pass() {
    AMG_PASSED=$((AMG_PASSED + 1))
    printf 'ok - %s\n' "$1"
}

_amg_fail() {
    AMG_FAILED=$((AMG_FAILED + 1))
    printf 'not ok - %s (%s)\n' "$1" "$2"
}

check() {
    _amg_check=$1
    shift
    if "$@" >/dev/null 2>&1; then
        _amg_pass "$_amg_check"
    else
        _amg_fail "$_amg_check" "command failed: $*"
    fi
}

expect_eq() {
    if [ "$2" = "$3" ]; then
        _amg_pass "$1"
    else
        _amg_fail "$1" "got $2, expected $3"
    fi
}

expect_contains() {
    case $2 in
    *"$3"*) _amg_pass "$1" ;;
    *) _amg_fail "$1" "got $2, expected it to contain $3" ;;
    esac
}

amg_finish() {
    printf '%d passed, %d failed\n' "$AMG_PASSED" "$AMG_FAILED"
    if [ "$AMG_FAILED" -ne 0 ] || [ "$AMG_PASSED" -eq 0 ]; then
        exit 1
    fi
    exit 0
}
