# An LVM thin pool runs out of data space (the original project's thin
# test): a 16 MiB pool with --errorwhenfull y, a 64 MiB thin volume, 32 MiB
# written to it.
pv=$(loopdev 64)
pvcreate -q "$pv"
vgcreate -q labvg "$pv"
lvcreate -q -y --type thin-pool -L 16M -n pool labvg
lvchange -q --errorwhenfull y labvg/pool
lvcreate -q -y -V 64M --thinpool labvg/pool -n thin
settle
devfacts pool "$(basename "$(readlink -f /dev/mapper/labvg-pool-tpool)")"
devfacts thin "$(basename "$(readlink -f /dev/labvg/thin)")"
fault full pool pool_out_of_data
dd if=/dev/urandom of=/dev/labvg/thin bs=1M count=32 oflag=direct || true
settle
vgchange -q -an labvg
settle
losetup -d "$pv"
