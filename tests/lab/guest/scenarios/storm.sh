# A storm: thousands of ext4 error lines in a few seconds (a corrupted
# directory entry looked up in a loop, ext4's own rate limit off); the
# daemon must count every line and keep its memory bounded.
l=$(loopdev 32)
mkfs.ext4 -q "$l"
mkdir -p /run/lab/mnt
mount -o errors=continue "$l" /run/lab/mnt
mkdir /run/lab/mnt/d
touch /run/lab/mnt/d/f
umount /run/lab/mnt
debugfs -w -R "clri d/f" "$l"
mount -o errors=continue "$l" /run/lab/mnt
settle
devfacts fs "$(basename "$l")"
k=$(basename "$l")
echo 0 >/sys/fs/ext4/"$k"/err_ratelimit_interval_ms
echo 0 >/sys/fs/ext4/"$k"/warning_ratelimit_interval_ms
echo 0 >/sys/fs/ext4/"$k"/msg_ratelimit_interval_ms
fault storm fs corrupted_inode lookups=5000
python3 - /run/lab/mnt/d/f <<'PY'
import os, sys
for _ in range(5000):
    try:
        os.stat(sys.argv[1])
    except OSError:
        pass
PY
umount /run/lab/mnt
losetup -d "$l"
