# An NVMe controller removed (QEMU device_del, a hot-unplug) under a mounted
# filesystem, with the daemon running: the events after the removal keep
# the identity the namespace had. The surviving controller is reset first.
disk=$(disk_by_serial labnvme1)
mkfs.ext4 -q /dev/"$disk"
mkdir -p /run/lab/mnt
mount /dev/"$disk" /run/lab/mnt
settle
devfacts disk "$disk"
fact disk.ctrl "$(basename "$(readlink -f /sys/class/block/"$disk"/device)")"
other=$(disk_by_serial labnvme0)
fault reset other controller_reset
echo 1 >/sys/class/block/"$other"/device/reset_controller
sleep 2
echo data >/run/lab/mnt/f
sync
fault removed disk device_removed
hostctl device_del nvme1
wait_for 30 sh -c "! test -e /sys/class/block/$disk"
echo more >/run/lab/mnt/g || true
sync || true
umount /run/lab/mnt || umount -l /run/lab/mnt
settle
