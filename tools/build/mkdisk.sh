#!/usr/bin/env bash
# mkdisk.sh OUTDIR: the Linux guests' test disk, made without mounting.
#
#   OUTDIR/files/data.bin  1 MiB of pseudo-random bytes: SHA-256 of SEED and
#                          a 64-bit little-endian counter 0, 1, 2, ...
#   OUTDIR/files/data.md5  "md5sum data.bin" (so `md5sum -c data.md5` works)
#   OUTDIR/test.img        8 MiB ext4 (1 KiB blocks, label hyptest) holding
#                          both files, owned by root
#
# The image is reproducible: fixed UUID and directory hash seed, every time
# stamp EPOCH (SOURCE_DATE_EPOCH if set). It is made again only when this
# script, EPOCH or mke2fs's version changes (OUTDIR/.inputs).
set -euo pipefail

out=${1:?usage: mkdisk.sh OUTDIR}
SEED=hyp-test-disk-1
DATA_BYTES=$((1 << 20))
IMAGE_MIB=8
UUID=6c0f9a2e-1d3b-4c5e-8f70-0d15c0ffee01
EPOCH=${SOURCE_DATE_EPOCH:-1704067200} # 2024-01-01 00:00:00 UTC
PY=/usr/bin/python3

inputs="$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1) epoch=$EPOCH $(mke2fs -V 2>&1 | sed -n 1p)"
if [[ -f $out/test.img && -f $out/files/data.md5 && -f $out/.inputs ]] &&
	[[ $(cat "$out/.inputs") == "$inputs" ]]; then
	exit 0
fi

rm -rf "$out"
mkdir -p "$out/files"
$PY - "$out/files/data.bin" "$SEED" "$DATA_BYTES" <<'PY'
import hashlib, sys
path, seed, size = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
with open(path, "wb") as f:
    for i in range(size // 32):
        f.write(hashlib.sha256(seed + i.to_bytes(8, "little")).digest())
PY
(cd "$out/files" && md5sum data.bin >data.md5)
chmod 644 "$out/files/data.bin" "$out/files/data.md5"
chmod 755 "$out/files"

img=$out/test.img.tmp
rm -f "$img"
truncate -s "${IMAGE_MIB}M" "$img"
# E2FSPROGS_FAKE_TIME covers the superblock and the directories mke2fs
# makes; -d copies each file's own times (and owner), which debugfs then sets.
E2FSPROGS_FAKE_TIME=$EPOCH mkfs.ext4 -q -F -L hyptest -U "$UUID" \
	-E "hash_seed=$UUID,root_owner=0:0" -d "$out/files" "$img"
for f in data.bin data.md5; do
	for field in uid gid; do echo "set_inode_field /$f $field 0"; done
	for field in atime mtime ctime crtime; do echo "set_inode_field /$f $field @$EPOCH"; done
done | E2FSPROGS_FAKE_TIME=$EPOCH debugfs -w -f - "$img" >/dev/null 2>&1
e2fsck -fn "$img" >/dev/null 2>&1 || { echo "mkdisk.sh: e2fsck finds $img damaged" >&2; exit 1; }
mv "$img" "$out/test.img"
echo "$inputs" >"$out/.inputs"
