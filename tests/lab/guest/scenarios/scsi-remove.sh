# A SCSI disk removed while mounted and re-added, with the daemon running
# throughout: the events after the removal keep the identity the disk had
# (the daemon's identity history), and the disk comes back.
modprobe scsi_debug dev_size_mb=32
settle
disk=$(scsi_debug_disks)
mkfs.ext4 -q /dev/"$disk"
mkdir -p /run/lab/mnt
mount /dev/"$disk" /run/lab/mnt
settle
devfacts disk "$disk"
host=$(basename "$(readlink -f /sys/class/block/"$disk"/device/../..)")
fact disk.host "$host"
fault removed disk device_removed
echo 1 >/sys/class/block/"$disk"/device/delete
echo data >/run/lab/mnt/f || true
sync || true
umount /run/lab/mnt || umount -l /run/lab/mnt
recover removed
echo "- - -" >/sys/class/scsi_host/"$host"/scan
settle
again=$(scsi_debug_disks)
devfacts again "$again"
modprobe -r scsi_debug
