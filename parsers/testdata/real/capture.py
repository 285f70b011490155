#!/usr/bin/env python3
"""Makes this kernel print real storage lines and saves them.

usage (root): capture.py SCENARIO [OUT.kmsg]

The *-ioerr scenarios put the loop device on an image served by the
faultimg FUSE server (tests/faultimg; its path in $FAULTIMG) and make it
fail ranges of the image with EIO, for real I/O error lines.

Each scenario runs mkfs/mount/umount/xfs_io/debugfs commands on a loop
device over a sparse image in a private temporary directory, reads the
records the kernel logged meanwhile from /dev/kmsg, keeps those that name
the loop device (other work on the machine logs too) and writes them in
/dev/kmsg form. The expected events are written by hand beside the capture
(SCENARIO.expected.jsonl), as in ../corpus.
"""
import errno
import os
import re
import subprocess
import sys
import tempfile
import time


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True).stdout.strip()


def kmsg_open():
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(fd, 0, os.SEEK_END)
    return fd


def kmsg_drain(fd):
    out = []
    while True:
        try:
            b = os.read(fd, 16384)
        except BlockingIOError:
            return out
        except OSError as e:
            if e.errno == errno.EPIPE:  # records overwritten while we slept
                continue
            raise
        out.append(b.decode("utf-8", "replace"))


class Loop:
    def __init__(self, tmp, mkfs=None, size="512M"):
        self.img = os.path.join(tmp, "img")
        self.mnt = os.path.join(tmp, "mnt")
        os.mkdir(self.mnt)
        sh("truncate", "-s", size, self.img)
        self.server = None
        path = self.img
        if mkfs:
            # Made on the backing file, before any failure is armed.
            sh(*mkfs, self.img)
            fuse = os.path.join(tmp, "fuse")
            os.mkdir(fuse)
            self.server = subprocess.Popen([os.environ["FAULTIMG"], "-backing", self.img, "-mount", fuse],
                                           stdout=subprocess.PIPE, text=True)
            if self.server.stdout.readline().strip() != "ready":
                raise RuntimeError("faultimg did not start")
            self.control = os.path.join(fuse, "control")
            path = os.path.join(fuse, "image")
        self.dev = sh("losetup", "--direct-io=on", "-f", "--show", path)
        self.name = os.path.basename(self.dev)

    def fail(self, cmd):
        with open(self.control, "w") as f:
            f.write(cmd)

    def close(self):
        sh("umount", self.mnt, check=False)
        sh("losetup", "-d", self.dev, check=False)
        if self.server:
            self.server.terminate()
            self.server.wait()


def ext4(l):
    sh("mkfs.ext4", "-q", "-F", l.dev)
    sh("mount", l.dev, l.mnt)
    sh("mount", "-o", "remount,ro", l.mnt)
    sh("mount", "-o", "remount,rw", l.mnt)
    sh("umount", l.mnt)
    # An inode cleared behind the filesystem's back: error, journal abort,
    # read-only remount (REAL-EVENTS.md).
    sh("mount", "-o", "errors=remount-ro", l.dev, l.mnt)
    os.makedirs(os.path.join(l.mnt, "d"))
    open(os.path.join(l.mnt, "d", "f"), "w").close()
    sh("umount", l.mnt)
    sh("debugfs", "-w", "-R", "clri d/f", l.dev)
    sh("mount", "-o", "errors=remount-ro", l.dev, l.mnt)
    sh("ls", "-l", os.path.join(l.mnt, "d"), check=False)
    sh("umount", l.mnt)
    sh("mount", l.dev, l.mnt)
    sh("xfs_io", "-x", "-c", "shutdown -f", l.mnt)
    sh("umount", l.mnt)


def xfs(l):
    sh("mkfs.xfs", "-q", "-f", l.dev)
    sh("mount", l.dev, l.mnt)
    sh("umount", l.mnt)
    sh("mount", l.dev, l.mnt)
    sh("xfs_io", "-f", "-c", "pwrite 0 64k", "-c", "fsync", os.path.join(l.mnt, "f"))
    sh("xfs_io", "-x", "-c", "shutdown", l.mnt)
    sh("umount", l.mnt)
    sh("mount", l.dev, l.mnt)  # log recovery
    sh("xfs_io", "-x", "-c", "shutdown -f", l.mnt)
    sh("umount", l.mnt)


def btrfs(l):
    sh("mkfs.btrfs", "-q", "-f", l.dev)
    sh("mount", l.dev, l.mnt)
    sh("mount", "-o", "remount,ro", l.mnt)
    sh("umount", l.mnt)


def write_file(path, mib):
    sh("dd", "if=/dev/urandom", "of=" + path, "bs=1M", "count=%d" % mib, "conv=fsync", check=False)


def drop_caches():
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3")


def ext4_ioerr(l):
    sh("mount", "-o", "inode_readahead_blks=0", l.dev, l.mnt)
    write_file(os.path.join(l.mnt, "a"), 8)
    sh("umount", l.mnt)
    sh("mount", "-o", "inode_readahead_blks=0", l.dev, l.mnt)
    l.fail("fail read 0 536870912")
    drop_caches()
    sh("cat", os.path.join(l.mnt, "a"), check=False)
    sh("ls", "-lR", l.mnt, check=False)
    time.sleep(6)  # past the kernel's rate limit
    l.fail("clear")
    l.fail("fail write 0 536870912")
    write_file(os.path.join(l.mnt, "b"), 4)
    sh("sync", check=False)
    time.sleep(6)
    sh("touch", os.path.join(l.mnt, "c"), check=False)
    sh("sync", check=False)
    l.fail("clear")


def xfs_ioerr(l):
    sh("mount", l.dev, l.mnt)
    write_file(os.path.join(l.mnt, "a"), 8)
    l.fail("fail write 0 536870912")
    write_file(os.path.join(l.mnt, "b"), 4)
    sh("sync", check=False)
    time.sleep(6)
    sh("touch", os.path.join(l.mnt, "c"), check=False)
    sh("sync", check=False)
    time.sleep(2)
    l.fail("clear")


def btrfs_ioerr(l):
    sh("mount", l.dev, l.mnt)
    write_file(os.path.join(l.mnt, "a"), 8)
    sh("umount", l.mnt)
    sh("mount", l.dev, l.mnt)
    l.fail("fail read 0 536870912")
    drop_caches()
    sh("cat", os.path.join(l.mnt, "a"), check=False)
    time.sleep(1)
    l.fail("clear")


SCENARIOS = {
    "ext4": (ext4, None), "xfs": (xfs, None), "btrfs": (btrfs, None),
    "ext4-ioerr": (ext4_ioerr, ["mkfs.ext4", "-q", "-F"]),
    "xfs-ioerr": (xfs_ioerr, ["mkfs.xfs", "-q", "-f"]),
    "btrfs-ioerr": (btrfs_ioerr, ["mkfs.btrfs", "-q", "-f"]),
}


def main():
    name = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else name + ".kmsg"
    with tempfile.TemporaryDirectory(prefix="peripety-capture-") as tmp:
        run, mkfs = SCENARIOS[name]
        l = Loop(tmp, mkfs)
        fd = kmsg_open()
        try:
            run(l)
        finally:
            time.sleep(0.5)
            recs = kmsg_drain(fd)
            l.close()
    # Records naming the device, and the rate-limit notices that count
    # its suppressed lines.
    word = re.compile(r"\b%s\b| callbacks suppressed$" % re.escape(l.name))
    keep = [r for r in recs if word.search(r.split("\n", 1)[0])]
    for r in recs:
        if r not in keep:
            print("dropped:", r.strip(), file=sys.stderr)
    with open(out, "w") as f:
        f.writelines(r if r.endswith("\n") else r + "\n" for r in keep)
    print(f"{out}: {len(keep)} of {len(recs)} records")


if __name__ == "__main__":
    main()
