#!/usr/bin/env bash
# s3rver (an S3 emulator from npm) for the S3 client tests, behind the
# SigV4-checking front in s3rver.js.
#
# Sourced by a test (bash):
#   s3rver_install             install s3rver into the cache unless there
#   s3rver_start DIR BUCKET    start it with data under DIR and BUCKET
#                              created; sets S3RVER_ENDPOINT, S3RVER_PID
#   s3rver_stop                stop it
# Run directly, `bash tests/s3rver.sh install` only fills the cache (the
# step CI can run ahead of `make check`).
#
# The cache is $AMG_S3RVER_CACHE, default ~/.cache/appid-migrate/s3rver-<v>.
# The server listens on 127.0.0.1, port 0 (the kernel picks a free one);
# the port is read from its first line of output, so nothing polls.

S3RVER_VERSION=3.7.1
S3RVER_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/appid-migrate/s3rver-$S3RVER_VERSION
S3RVER_CACHE=${AMG_S3RVER_CACHE:-$S3RVER_CACHE}
S3RVER_JS=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)/s3rver.js
S3RVER_PID=
S3RVER_ENDPOINT=

s3rver_install() {
  local tmp
  [ -f "$S3RVER_CACHE/node_modules/s3rver/package.json" ] && return 0
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "s3rver.sh: node and npm are needed to run the S3 tests" >&2
    return 1
  fi
  mkdir -p "$(dirname "$S3RVER_CACHE")" || return 1
  # Install beside the cache and rename, so that an interrupted install is
  # never mistaken for a complete one.
  tmp=$(mktemp -d "$S3RVER_CACHE.tmp.XXXXXX") || return 1
  echo "s3rver.sh: installing s3rver@$S3RVER_VERSION into $S3RVER_CACHE" >&2
  if ! npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error \
      "s3rver@$S3RVER_VERSION" >&2; then
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$S3RVER_CACHE"
  mv "$tmp" "$S3RVER_CACHE"
}

s3rver_start() {
  local dir=$1 bucket=$2 line port=
  mkdir -p "$dir/data" || return 1
  rm -f "$dir/s3rver.out"
  mkfifo "$dir/s3rver.out" || return 1
  # s3rver encrypts ListObjectsV2 continuation tokens with DES, which
  # OpenSSL 3 only offers through its legacy provider.
  node --openssl-legacy-provider "$S3RVER_JS" "$S3RVER_CACHE/node_modules" "$dir/data" "$bucket" \
    >"$dir/s3rver.out" 2>"$dir/s3rver.log" &
  S3RVER_PID=$!
  exec 8<"$dir/s3rver.out"
  # Ends at the PORT line, or at end of file if the server died first.
  while IFS= read -r -t 120 line <&8; do
    case $line in
      "PORT "*) port=${line#PORT }; break ;;
    esac
  done
  exec 8<&-
  rm -f "$dir/s3rver.out"
  if [ -z "$port" ]; then
    echo "s3rver.sh: the server did not start:" >&2
    cat "$dir/s3rver.log" >&2
    s3rver_stop
    return 1
  fi
  S3RVER_ENDPOINT="http://127.0.0.1:$port"
}

s3rver_stop() {
  if [ -n "$S3RVER_PID" ]; then
    kill "$S3RVER_PID" 2>/dev/null
    wait "$S3RVER_PID" 2>/dev/null
    S3RVER_PID=
  fi
}

if [ "${BASH_SOURCE[0]:-$0}" = "$0" ]; then
  case ${1:-} in
    install) s3rver_install ;;
    *) echo "usage: bash $0 install" >&2; exit 2 ;;
  esac
fi
