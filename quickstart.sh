#!/usr/bin/env bash
# quickstart.sh demo  - install what is missing, build, run a backup and a
#                       restore between two local appid-sim "regions"
# quickstart.sh check - install what is missing, build, run `make check`
# quickstart.sh build - install what is missing and build only
#
# Works on a fresh Debian 12 as root. Without root, prints the apt-get line
# for what is missing and stops.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build="$here/_build"
packages=(build-essential autoconf automake libtool pkg-config
          libcurl4-openssl-dev libjansson-dev libconfig-dev libcunit1-dev
          libmicrohttpd-dev libssl-dev libsodium-dev curl ca-certificates openssl
          util-linux bc time)

missing_packages() {
  local p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
  # The S3 tests run s3rver from the npm registry. Any node with npm will
  # do (Debian's, or NodeSource's, which bundles npm).
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo nodejs
    echo npm
  fi
}

install_packages() {
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  [ -z "${missing// }" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "quickstart: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
    exit 1
  fi
  echo "quickstart: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build_tree() {
  cd "$here"
  [ -x configure ] || ./autogen.sh >/dev/null 2>&1
  mkdir -p "$build"
  cd "$build"
  # configure's own probes try to `rm -f core`, which names our core/ folder.
  # shellcheck disable=SC2086
  [ -f Makefile ] || "$here/configure" -q ${AMG_CONFIGURE_FLAGS:-} "$@" \
    2> >(grep -v "cannot remove 'core'" >&2)
  make -s -j"$(nproc)" >/dev/null
}

case "${1:-}" in
  demo)
    install_packages
    build_tree
    exec "$here/tests/demo.sh" "$build"
    ;;
  check)
    install_packages
    build_tree
    cd "$build"
    make -s check
    ;;
  build)
    install_packages
    build_tree
    ;;
  *)
    echo "usage: $0 demo|check|build" >&2
    exit 2
    ;;
esac
