# XFS on a device that starts failing: the dm-linear under it turns to
# dm-error while it is mounted and written: metadata and log I/O errors,
# and the filesystem shuts down.
l=$(loopdev 320)
dmsetup create labfs --table "0 $((320 * 2048)) linear $l 0"
settle
mkfs.xfs -q -f /dev/mapper/labfs
mkdir -p /run/lab/mnt
mount /dev/mapper/labfs /run/lab/mnt
settle
devfacts fs "$(basename "$(readlink -f /dev/mapper/labfs)")"
for i in $(seq 1 20); do echo "$i" >/run/lab/mnt/f$i; done
sync
fault dead fs device_error
dmsetup suspend labfs
dmsetup load labfs --table "0 $((320 * 2048)) error"
dmsetup resume labfs
for i in $(seq 21 40); do echo "$i" >/run/lab/mnt/f$i || true; done
sync || true
wait_for 60 sh -c "dmesg | grep -qi 'shutting down filesystem'"
umount /run/lab/mnt || umount -l /run/lab/mnt
dmsetup remove labfs
losetup -d "$l"
