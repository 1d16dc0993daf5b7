# Helpers for the appid-sim user-data tests (sourced after lib.sh).
# POSIX sh with grep and sed, like lib.sh.
#
#   users_state FILE TENANT [ROLES_JSON [APPS_JSON]]
#                                 write a version-1 state file holding one
#                                 tenant with roles and applications (the
#                                 /roles and /applications endpoints are
#                                 not needed to set them up)
#   jstr KEY [TEXT]               first string member KEY of TEXT
#                                 (default $HTTP_BODY)
#   jnum KEY [TEXT]               first integer member KEY
#   count_str TEXT PART           occurrences of PART in TEXT
#   norm TEXT [ID...]             TEXT with each ID replaced by ID1, ID2...
#                                 and ISO-8601 times by "TS"
#   password_grant URL TENANT CLIENT SECRET USER PASSWORD
#                                 POST /oauth/v4/TENANT/token; sets
#                                 HTTP_STATUS and HTTP_BODY
#   emails BASE TOKEN             every Cloud Directory user's e-mail, sorted,
#                                 one a line (pages of 100; stops at an
#                                 answer without totalResults)

users_state() {
    printf '{"format":"appid-sim-state","version":1,"tenants":{"%s":{"roles":%s,"applications":%s}}}\n' \
        "$2" "${3:-[]}" "${4:-[]}" >"$1"
}

jstr() {
    printf '%s' "${2-$HTTP_BODY}" | grep -o "\"$1\":\"[^\"]*\"" | head -n 1 |
        sed 's/^"[^"]*":"\(.*\)"$/\1/'
}

jnum() {
    printf '%s' "${2-$HTTP_BODY}" | grep -o "\"$1\":[0-9]*" | head -n 1 | sed 's/^.*://'
}

count_str() {
    printf '%s' "$1" | grep -o -F "$2" | wc -l | tr -d ' '
}

norm() {
    _u_text=$1
    shift
    _u_n=1
    for _u_id in "$@"; do
        _u_text=$(printf '%s' "$_u_text" | sed "s/$_u_id/ID$_u_n/g")
        _u_n=$((_u_n + 1))
    done
    printf '%s' "$_u_text" |
        sed 's/"[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{3\}Z"/"TS"/g'
}

password_grant() {
    # Client credentials and password come from a file, not argv.
    _u_cfg="$AMG_TMP/.grant"
    {
        printf 'user = "%s:%s"\n' "$3" "$4"
        printf 'data-urlencode = "username=%s"\n' "$5"
        printf 'data-urlencode = "password=%s"\n' "$6"
    } >"$_u_cfg"
    HTTP_STATUS=$(curl -s -o "$AMG_TMP/.body" -w '%{http_code}' -K "$_u_cfg" \
        --data-urlencode 'grant_type=password' "$1/oauth/v4/$2/token")
    HTTP_BODY=$(cat "$AMG_TMP/.body")
    rm -f "$_u_cfg"
}

emails() {
    _u_start=0
    _u_total=1
    while [ "$_u_start" -lt "$_u_total" ]; do
        api GET "$1/cloud_directory/Users?startIndex=$_u_start&count=100" "$2" >/dev/null
        _u_total=$(printf '%s' "$HTTP_BODY" | grep -o '"totalResults":[0-9]*' |
            grep -o '[0-9]*$')
        [ -n "$_u_total" ] || return 1
        printf '%s' "$HTTP_BODY" | grep -o '"value":"[^"]*@[^"]*"' |
            sed 's/"value":"\(.*\)"/\1/'
        _u_start=$((_u_start + 100))
    done | sort
}
