# ext4 on LVM on multipath on SCSI (the original project's
# ext4_mount_lv_mpath_scsi): the mount event carries the filesystem UUID,
# the mount point and every device below it.
mpath_setup 64
mp=/dev/mapper/$(factval map.dm_name)
pvcreate -q "$mp"
vgcreate -q labvg "$mp"
lvcreate -q -y -L 32M -n lv labvg
settle
mkfs.ext4 -q /dev/labvg/lv
mkdir -p /run/lab/mnt
mount /dev/labvg/lv /run/lab/mnt
settle
devfacts lv "$(basename "$(readlink -f /dev/labvg/lv)")"
umount /run/lab/mnt
vgchange -q -an labvg
settle
mpath_teardown
