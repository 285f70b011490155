# A filesystem I/O error (the original project's fs I/O error test): ext4
# on a dm-linear over a loop device; the blocks of one file's data and of
# one directory turn to dm-error, and it is mounted again. Reading the file
# fails with EIO and the
# kernel prints nothing (6.1 reports a failed data read to the reader
# only); listing the directory makes ext4 report the error.
l=$(loopdev 64)
dmsetup create labfs --table "0 $((64 * 2048)) linear $l 0"
settle
mkfs.ext4 -q -b 4096 /dev/mapper/labfs
mkdir -p /run/lab/mnt
mount /dev/mapper/labfs /run/lab/mnt
settle
devfacts fs "$(basename "$(readlink -f /dev/mapper/labfs)")"
dd if=/dev/urandom of=/run/lab/mnt/f bs=4096 count=16
mkdir /run/lab/mnt/d
touch /run/lab/mnt/d/a
sync
# first_sector PATH: the first block of PATH (FIEMAP), in 512-byte sectors.
first_sector() {
	echo $(($(filefrag -v "$1" | sed -n 's/^ *0: *[0-9]*\.\. *[0-9]*: *\([0-9]*\)\.\..*/\1/p') * 8))
}
bad=$(first_sector /run/lab/mnt/f)
dir=$(first_sector /run/lab/mnt/d)
# Unmounted while the table changes: nothing of the filesystem stays
# cached (the journal pins metadata buffers until a checkpoint).
umount /run/lab/mnt
fault bad fs read_error sector=$bad dir_sector=$dir
dmsetup suspend labfs
sort -n <<SEGS | awk -v l="$l" -v end=$((64 * 2048)) '
	BEGIN { at = 0 }
	{ if ($1 > at) print at, $1 - at, "linear", l, at; print $1, 8, "error"; at = $1 + 8 }
	END { print at, end - at, "linear", l, at }' >/run/lab/table
$bad
$dir
SEGS
dmsetup load labfs /run/lab/table
dmsetup resume labfs
mount /dev/mapper/labfs /run/lab/mnt
cat /run/lab/mnt/f >/dev/null || true
ls /run/lab/mnt/d >/dev/null || true
umount /run/lab/mnt
dmsetup remove labfs
losetup -d "$l"
