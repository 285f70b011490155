#!/usr/bin/env bash
# Installs what building and testing Peripety needs on a fresh Debian 12
# machine (run as root; idempotent: it installs only what is missing), then
# downloads the Go modules. `make setup` and `make check` call it.
set -euo pipefail

# Debian packages, and why:
pkgs=(
	gcc pkg-config libsystemd-dev # cgo journald reader (service/sdjournal links libsystemd)
	systemd                       # systemd-journald, journalctl, busctl, systemd-analyze
	dbus-daemon dbus-bin          # private system bus in tests, dbus-send
	libglib2.0-bin                # gdbus (introspect, call, monitor in tests)
	polkitd pkexec                # polkitd on the test bus, pkaction
	e2fsprogs xfsprogs btrfs-progs util-linux mount # mkfs, debugfs, xfs_io, losetup
	fuse3                         # fusermount3 for the fault-injecting image
	libxml2-utils                 # xmllint for the D-Bus and polkit XML
	libdbus-1-dev                 # busconfig.dtd, introspect.dtd that xmllint validates against
	groff-base man-db             # man page checks
	zsh fish                      # the prpt completions are loaded and run in them
	dpkg-dev fakeroot debhelper   # the Debian package (dpkg-buildpackage, dh)
	lintian file                  # checking the Debian package
	systemd-journal-remote        # journal files of several boots (prpt query --boot); journal-upload/remote gathering two hosts
	prometheus                    # promtool check metrics, and a real Prometheus scraping the daemon
	curl                          # the webhook sample hook; reading the metrics socket
	xvfb dunst imagemagick fonts-dejavu-core # a desktop of the test's own: a notification server and its screenshot
	desktop-file-utils            # desktop-file-validate for the XDG autostart entry
	python3-dbus                  # a non-Go D-Bus client in tests
	passwd                        # useradd for the non-root polkit test user
	python3                       # the corpus scorer
	# The real-kernel lab (tests/lab): QEMU, the guest's initramfs, and the
	# storage tools its scenarios run inside the guest (the guest's root is
	# this machine's own, read-only).
	qemu-system-x86 busybox-static cpio kmod udev
	multipath-tools lvm2 thin-provisioning-tools mdadm sg3-utils
	open-iscsi targetcli-fb nvme-cli
	smartmontools udisks2         # smartd and udisksd in the lab's daemons2 group
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup-deps: missing packages ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	echo "setup-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The lab's guest kernel: Debian's own linux-image-amd64 (6.1 on Debian 12),
# downloaded and unpacked into a cache, never installed as this machine's
# kernel; depmod prepares its modules for the guest's modprobe. The guest
# binds them on /lib/modules, which must exist here as a mount point.
lab_cache=/var/cache/peripety-lab
if [ "$(id -u)" -eq 0 ] && ! ls "$lab_cache"/*/boot/vmlinuz-* >/dev/null 2>&1; then
	image=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
	if [ -n "$image" ]; then
		echo "setup-deps: unpacking $image for the lab (not installed)"
		release=${image#linux-image-}
		mkdir -p "$lab_cache" && chmod 0755 "$lab_cache"
		(cd "$lab_cache" && apt-get download -q "$image" &&
			dpkg-deb -x "$image"_*.deb "$release.tmp" && rm -f "$image"_*.deb &&
			depmod -b "$release.tmp" "$release" && mv "$release.tmp" "$release")
	else
		echo "setup-deps: no linux-image-amd64 in the package lists; the lab will skip" >&2
	fi
fi
[ "$(id -u)" -ne 0 ] || mkdir -p /lib/modules
command -v go >/dev/null || { echo "setup-deps: go not found (need Go >= 1.24 on PATH)" >&2; exit 1; }
cd "$(dirname "$0")/.."
go mod download
