# udisksd on the guest's system bus, as udisks2.service runs it (its
# GLib log to the journal, under _COMM=udisksd with no identifier):
# Mount and Unmount of an ext4 loop device asked of it over D-Bus, as
# udisksctl does, then a scsi_debug disk it mounted deleted under the
# mount. polkitd answers its authorization checks (root may). Every call
# is bounded: udisksd is slow under TCG.
daemon_version udisksd udisks2
# Its mount points are made under /media, read-only on the guest's root.
mount -t tmpfs media /media
/usr/lib/polkit-1/polkitd --no-debug >"$S/polkitd.log" 2>&1 &
echo $! >/run/lab/polkitd.pid
wait_for 30 timeout 5 busctl --system status org.freedesktop.PolicyKit1
systemd-cat -t udisksd /usr/libexec/udisks2/udisksd &
echo $! >/run/lab/udisksd.pid
end=$((SECONDS + 120))
until timeout 10 busctl --system status org.freedesktop.UDisks2 >/dev/null 2>&1; do
	[ $SECONDS -lt $end ] || exit 1
	sleep 1
done
# udisks_fs CALL KNAME: Mount or Unmount KNAME's filesystem through udisksd,
# once it shows the filesystem (at most 60 s).
udisks_fs() {
	local obj=/org/freedesktop/UDisks2/block_devices/$2 end=$((SECONDS + 60))
	until timeout 20 busctl --system introspect org.freedesktop.UDisks2 "$obj" >"$S/introspect.$2" 2>&1 &&
		grep -q org.freedesktop.UDisks2.Filesystem "$S/introspect.$2"; do
		[ $SECONDS -lt $end ] || { timeout 60 udisksctl dump >"$S/udisks.dump" 2>&1; return 1; }
		sleep 1
	done
	timeout 100 busctl --system --timeout=90 call org.freedesktop.UDisks2 "$obj" org.freedesktop.UDisks2.Filesystem "$1" 'a{sv}' 0
}
l=$(loopdev 64)
mkfs.ext4 -q "$l"
# udev probes the new filesystem (its watch may miss the close of a loop
# device used before, by the iscsi scenario's target).
udevadm trigger --action=change --settle "$l"
udisks_fs Mount "$(basename "$l")"
settle
devfacts loop "$(basename "$l")"
udisks_fs Unmount "$(basename "$l")"
settle
losetup -d "$l"
modprobe scsi_debug dev_size_mb=32
settle
disk=$(scsi_debug_disks)
mkfs.ext4 -q /dev/"$disk"
udevadm trigger --action=change --settle /dev/"$disk"
udisks_fs Mount "$disk"
settle
devfacts disk "$disk"
fault removed disk device_removed
echo 1 >/sys/class/block/"$disk"/device/delete
settle
# udisksd cleans up the mount point of a device gone.
wait_for 60 sh -c "journalctl _COMM=udisksd | grep -q 'no longer exists'" || true
fact disk.mount_after "$(findmnt -n -o TARGET "$(factval disk.mount)" 2>/dev/null)"
kill "$(cat /run/lab/udisksd.pid)" "$(cat /run/lab/polkitd.pid)" || true
wait_for 30 sh -c '! pidof udisksd'
umount -l "$(factval disk.mount)" 2>/dev/null || true
modprobe -r scsi_debug || true
umount /media || umount -l /media
