# Every path of a multipath map lost under a mounted filesystem (ext4 on
# LVM on the map): map I/O errors, Buffer I/O errors, ext4 errors, the
# journal aborts and the filesystem goes read-only; then the paths come
# back and multipathd reinstates them.
mpath_setup 64
mp=/dev/mapper/$(factval map.dm_name)
pvcreate -q "$mp"
vgcreate -q labvg "$mp"
lvcreate -q -y -L 32M -n lv labvg
settle
mkfs.ext4 -q /dev/labvg/lv
mkdir -p /run/lab/mnt
mount -o errors=remount-ro /dev/labvg/lv /run/lab/mnt
settle
devfacts lv "$(basename "$(readlink -f /dev/labvg/lv)")"
echo data >/run/lab/mnt/f
sync
fault allpaths map all_paths_offline
path_offline p1
path_offline p2
# Writes and a sync meet the dead map.
dd if=/dev/urandom of=/run/lab/mnt/g bs=4096 count=64 2>/dev/null || true
sync || true
# The next change after the journal aborted is an ext4 error: read-only.
touch /run/lab/mnt/h 2>/dev/null || true
sleep 1
fact lv.mount_options "$(findmnt -n -o OPTIONS /run/lab/mnt)"
recover allpaths
path_running p1
path_running p2
wait_for 60 mpath_active 2
umount /run/lab/mnt
vgchange -q -an labvg
settle
mpath_teardown
