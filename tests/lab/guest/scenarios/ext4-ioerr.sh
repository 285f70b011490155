# A filesystem I/O error (the original project's fs I/O error test): ext4
# on a dm-linear over a loop device; the blocks of one file's data turn to
# dm-error, and reading the file fails.
l=$(loopdev 64)
dmsetup create labfs --table "0 $((64 * 2048)) linear $l 0"
settle
mkfs.ext4 -q -b 4096 /dev/mapper/labfs
mkdir -p /run/lab/mnt
mount /dev/mapper/labfs /run/lab/mnt
settle
devfacts fs "$(basename "$(readlink -f /dev/mapper/labfs)")"
dd if=/dev/urandom of=/run/lab/mnt/f bs=4096 count=16
sync
# The file's first block (FIEMAP), in 512-byte sectors of the device.
blk=$(filefrag -v /run/lab/mnt/f | sed -n 's/^ *0: *[0-9]*\.\. *[0-9]*: *\([0-9]*\)\.\..*/\1/p')
bad=$((blk * 8))
fault bad fs read_error sector=$bad
dmsetup suspend labfs
dmsetup load labfs <<TABLE
0 $bad linear $l 0
$bad 128 error
$((bad + 128)) $((64 * 2048 - bad - 128)) linear $l $((bad + 128))
TABLE
dmsetup resume labfs
echo 3 >/proc/sys/vm/drop_caches
cat /run/lab/mnt/f >/dev/null || true
umount /run/lab/mnt
dmsetup remove labfs
losetup -d "$l"
