#!/usr/bin/env bash
# The S3 client (core/s3.c) against a real S3 server: s3rver from npm,
# behind a front that checks SigV4 signatures (tests/s3rver.sh). Runs the
# CUnit suite tests/unit/test_s3 with the server in its environment.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/s3rver.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/amg-s3.XXXXXX") || exit 99
cleanup() {
  s3rver_stop
  rm -rf "$work"
}
trap cleanup EXIT

if ! s3rver_install; then
  echo "s3_client: cannot install s3rver with npm (see above)"
  exit 99
fi
s3rver_start "$work" testbucket || exit 99
echo "s3_client: s3rver at $S3RVER_ENDPOINT"

AMG_S3_ENDPOINT=$S3RVER_ENDPOINT AMG_S3_BUCKET=testbucket \
  AMG_S3_ACCESS_KEY=S3RVER AMG_S3_SECRET_KEY=S3RVER \
  "$top_builddir/tests/unit/test_s3"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "--- s3rver front log ---"
  cat "$work/s3rver.log"
fi
exit "$rc"
