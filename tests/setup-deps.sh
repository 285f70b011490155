#!/usr/bin/env bash
# Installs what building and testing Peripety needs on a fresh Debian 12
# machine (run as root; idempotent: it installs only what is missing), then
# downloads the Go modules. `make setup` and `make check` call it.
set -euo pipefail

# Debian packages, and why:
pkgs=(
	gcc pkg-config libsystemd-dev # cgo journald reader (go-systemd sdjournal)
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
	python3-dbus                  # a non-Go D-Bus client in tests
	passwd                        # useradd for the non-root polkit test user
	python3                       # the corpus scorer
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
command -v go >/dev/null || { echo "setup-deps: go not found (need Go >= 1.24 on PATH)" >&2; exit 1; }
cd "$(dirname "$0")/.."
go mod download
