# btrfs on a device that starts failing: written data, then the dm-linear
# under it turns to dm-error: write and read errors counted per device,
# the transaction aborts and the filesystem goes read-only.
l=$(loopdev 256)
dmsetup create labfs --table "0 $((256 * 2048)) linear $l 0"
settle
mkfs.btrfs -q -f /dev/mapper/labfs
mkdir -p /run/lab/mnt
mount /dev/mapper/labfs /run/lab/mnt
settle
devfacts fs "$(basename "$(readlink -f /dev/mapper/labfs)")"
dd if=/dev/urandom of=/run/lab/mnt/f bs=1M count=4
sync
fault dead fs device_error
dmsetup suspend labfs
dmsetup load labfs --table "0 $((256 * 2048)) error"
dmsetup resume labfs
dd if=/dev/urandom of=/run/lab/mnt/g bs=1M count=4 2>/dev/null || true
sync || true
echo 3 >/proc/sys/vm/drop_caches
cat /run/lab/mnt/f >/dev/null 2>&1 || true
umount /run/lab/mnt || umount -l /run/lab/mnt
dmsetup remove labfs
losetup -d "$l"
