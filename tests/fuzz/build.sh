#!/bin/sh
# Build the libFuzzer targets with clang (ASan + UBSan) straight from the
# core sources, not from libtool objects: the targets need
# -fsanitize=fuzzer-no-link on every object they call into.
#
#   tests/fuzz/build.sh [OUTDIR]     (default: _build-fuzz at the top)
#
# CC picks the compiler (default: clang, else clang-14). Prints the
# directory holding fuzz_config, fuzz_manifest, fuzz_ndjson, fuzz_iam.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/_build-fuzz}

if [ -z "${CC:-}" ]; then
    for c in clang clang-14; do
        if command -v "$c" >/dev/null 2>&1; then CC=$c; break; fi
    done
fi
if [ -z "${CC:-}" ] || ! command -v "$CC" >/dev/null 2>&1; then
    echo "build.sh: clang not found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 1
fi

TARGETS="config manifest ndjson iam"
# The whole core library but the command line: the configuration reaches
# jobs, and jobs the engine, so a fixed list would go stale.
CORE=$(cd "$top/core" && ls -- *.c | sed 's/\.c$//' | grep -vxE 'main|cli|cmd_.*')

deps=$(pkg-config --cflags jansson libconfig libcrypto libsodium libcurl)
libs="$(pkg-config --libs jansson libconfig libcrypto libsodium libcurl) -ldl"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra -Werror $san"
cflags="$cflags -DPACKAGE_VERSION=\"fuzz\" -I$top/core -I$top/core/include $deps"

mkdir -p "$out/obj"
objs=
for m in $CORE; do
    # shellcheck disable=SC2086
    $CC $cflags -fsanitize=fuzzer-no-link -c "$top/core/$m.c" -o "$out/obj/$m.o"
    objs="$objs $out/obj/$m.o"
done
for t in $TARGETS; do
    # shellcheck disable=SC2086
    $CC $cflags -fsanitize=fuzzer -I"$here" "$here/fuzz_$t.c" $objs $libs -lpthread \
        -o "$out/fuzz_$t"
done
echo "$out"
