#!/usr/bin/env bash
# Snapshot encryption at rest (snapshot_encryption): a migrate through an
# encrypted snapshot, validate with and without the key, a wrong key, a
# key file readable by others, tampered ciphertext, and no user e-mail
# in clear anywhere in the snapshot.
set -u
. "$top_srcdir/tests/integration/lib.sh"
amg_setup

amg_use_built_plugins
KEY=enc-it-key-0001
export IT_KEY=$KEY
export IT_SEAL="correct horse battery staple"
export IT_SEAL_WRONG="incorrect horse battery staple"
N=30

sim_start SRC src "$KEY" --pbkdf2-iterations 1
sim_start DST dst "$KEY" --pbkdf2-iterations 1

conf() {  # conf FILE ENCRYPTION-GROUP
  {
    echo "instances = {"
    for n in src dst; do
      eval "u=\$$(echo "$n" | tr a-z A-Z)_URL"
      echo "  $n = { endpoint = \"$u\"; iam_endpoint = \"$u/identity/token\";"
      echo "         tenant_id = \"$n\"; api_key_env = \"IT_KEY\"; };"
    done
    echo "};"
    echo "snapshot_dir = \"$AMG_TMP/snapshots\";"
    [ -n "$2" ] && echo "snapshot_encryption = $2;"
  } > "$1"
}
conf "$AMG_TMP/enc.conf" '{ key_env = "IT_SEAL"; }'
conf "$AMG_TMP/wrong.conf" '{ key_env = "IT_SEAL_WRONG"; }'
conf "$AMG_TMP/plain.conf" ''
printf '%s\n' "$IT_SEAL" > "$AMG_TMP/seal.key"
chmod 600 "$AMG_TMP/seal.key"
conf "$AMG_TMP/file.conf" "{ key_file = \"$AMG_TMP/seal.key\"; }"

"$SEED" --url "$SRC_URL" --tenant src --api-key-env IT_KEY --users "$N" --seed 5 \
  >"$AMG_TMP/seed.log" 2>&1
expect_eq "source seeded" "$?" 0

# ---- round trip ----
"$AMG" -c "$AMG_TMP/enc.conf" migrate --from src --to dst >"$AMG_TMP/m.out" 2>"$AMG_TMP/m.err"
rc=$?
expect_eq "encrypted migrate exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -20 "$AMG_TMP/m.err"
snap=$(sed -n 's/^snapshot: //p' "$AMG_TMP/m.out")
check "snapshot written" test -f "$snap/manifest.json"
dtok=$(iam_token "$DST_URL" "$KEY")
api GET "$DST_URL/management/v4/dst/cloud_directory/Users?startIndex=0&count=1" "$dtok" >/dev/null
expect_contains "target has every user" "$HTTP_BODY" "\"totalResults\":$N"
expect_contains "manifest records the cipher" "$(cat "$snap/manifest.json")" \
  '"alg": "xchacha20poly1305-secretstream"'
expect_contains "manifest says every file is encrypted" "$(cat "$snap/manifest.json")" \
  '"files": "all"'
check "no user e-mail in clear in the snapshot" \
  sh -c "! grep -rq 'seed5.example' '$snap'"
check "no secret in clear in the snapshot" \
  sh -c "! grep -rq -e '$IT_SEAL' -e '$APPID_CD_ENCRYPTION_SECRET' '$snap'"
check "users file starts with the seal magic" \
  sh -c "head -c 7 '$snap/cloud_directory_users.ndjson' | grep -q AMGSEAL"
check "no secret in the logs" \
  sh -c "! grep -q -e '$IT_SEAL' -e '$KEY' '$AMG_TMP/m.err' '$AMG_TMP/m.out'"

# ---- validate ----
"$AMG" -c "$AMG_TMP/enc.conf" validate --snapshot "$snap" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "validate with the key exits 0" "$?" 0
"$AMG" -c "$AMG_TMP/file.conf" validate --snapshot "$snap" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "validate with the key from a key file exits 0" "$?" 0
"$AMG" validate --snapshot "$snap" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "validate without the key: checksums only, exit 0" "$?" 0
expect_contains "validate without the key says so" "$(cat "$AMG_TMP/v.err")" \
  "content validation needs the key"
"$AMG" -c "$AMG_TMP/wrong.conf" validate --snapshot "$snap" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "validate with a wrong key exits 4" "$?" 4
expect_contains "wrong key: authentication failure named" "$(cat "$AMG_TMP/v.err")" \
  "applications.json: authentication failed"

# ---- key file readable by the group ----
chmod 640 "$AMG_TMP/seal.key"
"$AMG" -c "$AMG_TMP/file.conf" validate --snapshot "$snap" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "group-readable key file refused (exit 2)" "$?" 2
chmod 600 "$AMG_TMP/seal.key"

# ---- import needs the key, refuses a wrong one before writing ----
"$AMG" -c "$AMG_TMP/plain.conf" import --instance dst --snapshot "$snap" \
  >"$AMG_TMP/i.out" 2>"$AMG_TMP/i.err"
expect_eq "import without the key exits 2" "$?" 2
expect_contains "import without the key says why" "$(cat "$AMG_TMP/i.err")" \
  "the snapshot is encrypted"
"$AMG" -c "$AMG_TMP/wrong.conf" import --instance dst --snapshot "$snap" \
  >"$AMG_TMP/i.out" 2>"$AMG_TMP/i.err"
expect_eq "import with a wrong key exits 4" "$?" 4

# ---- tampering ----
# Flip one ciphertext byte and fix the manifest's checksum, as an attacker
# with write access to the store would: only authentication can notice.
t="$AMG_TMP/tampered"
cp -r "$snap" "$t"
f="$t/cloud_directory_users.ndjson"
old=$(sha256sum "$f" | cut -d' ' -f1)
byte=$(dd if="$snap/cloud_directory_users.ndjson" bs=1 skip=100 count=1 status=none | od -An -tu1)
newbyte=$(( (byte ^ 1) ))
printf "\\$(printf '%03o' "$newbyte")" | dd of="$f" bs=1 seek=100 conv=notrunc status=none
new=$(sha256sum "$f" | cut -d' ' -f1)
check "tampered file differs" test "$old" != "$new"
sed -i "s/$old/$new/" "$t/manifest.json"
"$AMG" -c "$AMG_TMP/enc.conf" validate --snapshot "$t" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "tampered ciphertext: validate exits 4" "$?" 4
expect_contains "tampered file named" "$(cat "$AMG_TMP/v.err")" \
  "cloud_directory_users.ndjson: authentication failed"
# Without the manifest fixed, the checksum catches it even without the key.
cp "$snap/manifest.json" "$t/manifest.json"
"$AMG" validate --snapshot "$t" >"$AMG_TMP/v.out" 2>"$AMG_TMP/v.err"
expect_eq "tampered ciphertext, no key: checksum mismatch exits 4" "$?" 4
expect_contains "checksum mismatch named" "$(cat "$AMG_TMP/v.err")" \
  "cloud_directory_users.ndjson: checksum mismatch"

amg_finish
