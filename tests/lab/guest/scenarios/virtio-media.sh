# A media error on the virtio disk: QEMU's blkdebug fails reads of one sector
# with EIO under the emulated device; one direct read of it.
disk=$(disk_by_serial labvirtio0)
devfacts disk "$disk"
bad=$(bad_sector)
fault media disk read_error sector=$bad
dd if=/dev/"$disk" of=/dev/null bs=512 skip="$bad" count=1 iflag=direct || true
settle
