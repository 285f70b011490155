# A thin pool runs out of metadata space: a pool (dmsetup, as LVM will not
# make metadata this small) with 1 MiB of metadata over a dm-zero data
# device, filled with 64 KiB mappings until metadata runs out.
meta=$(loopdev 1)
dmsetup create labzero --table "0 $((64 * 1024 * 1024 * 2)) zero"
dd if=/dev/zero of="$meta" bs=4096 count=1 conv=notrunc
dmsetup create labpool --table "0 $((64 * 1024 * 1024 * 2)) thin-pool $meta /dev/mapper/labzero 128 0 2 skip_block_zeroing error_if_no_space"
dmsetup message labpool 0 "create_thin 0"
dmsetup create labthin --table "0 $((64 * 1024 * 1024 * 2)) thin /dev/mapper/labpool 0"
settle
devfacts pool "$(basename "$(readlink -f /dev/mapper/labpool)")"
devfacts thin "$(basename "$(readlink -f /dev/mapper/labthin)")"
fault metafull pool pool_out_of_metadata
# One 4 KiB write at the start of each 64 KiB block: a new mapping each.
python3 - /dev/mapper/labthin <<'PY' || true
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
buf.write(b"x" * 4096)
try:
    for i in range(200000):
        os.pwrite(fd, buf, i * 65536)
except OSError as e:
    print("stopped at block", i, e)
PY
dmsetup status labpool || true
dmsetup remove labthin || true
dmsetup remove labpool || true
dmsetup remove labzero
losetup -d "$meta"
