#!/usr/bin/env bash
# make demo: Peripety end to end on this machine, as root, in about a minute.
#
# It starts what is missing the way the tests do (systemd-journald standalone
# when its socket does not answer; a system-like bus of its own, with the
# tree's bus policy, so that nothing needs installing), starts bin/peripetyd
# on that bus, makes a loop device with an ext4 file system and mounts it,
# and shows the FS_MOUNTED event arriving in `prpt monitor` and in
# `busctl monitor org.storage.Peripety1`. Then it removes everything it made,
# and stops what it started, and ends by printing the event it saw.
#
# Needs: root, bin/prpt and bin/peripetyd (make build), and the Debian
# packages of tests/setup-deps.sh (dbus-daemon, systemd, e2fsprogs, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() {
	echo "demo: $*" >&2
	# What the programs it started said, before cleanup removes it.
	for log in "${work:-/nonexistent}"/*.log; do
		[ -f "$log" ] && { echo "--- ${log##*/} (last lines)"; tail -n 15 "$log"; } >&2
	done
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (it starts journald, mounts a loop device)"
for tool in dbus-daemon busctl losetup mkfs.ext4 mount umount python3; do
	command -v "$tool" >/dev/null || die "$tool not found; run make setup"
done
[ -x bin/prpt ] && [ -x bin/peripetyd ] || die "bin/prpt and bin/peripetyd missing; run make build"

work=$(mktemp -d /tmp/peripety-demo.XXXXXX)
chmod 0755 "$work"
pids=()        # processes this demo started, stopped in reverse order
loopdev=       # the loop device it attached
mounted=       # its mount point, while mounted

cleanup() {
	local rc=$?
	set +e
	[ -n "$mounted" ] && umount "$mounted"
	[ -n "$loopdev" ] && losetup -d "$loopdev"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
	done
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: run CMD in the background, output to $work/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
}

# wait_for SECONDS DESCRIPTION CMD...: poll CMD until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		[ $SECONDS -lt $deadline ] || die "gave up waiting for $what"
		sleep 0.2
	done
}

journal_answers() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])' \
		/run/systemd/journal/socket 2>/dev/null
}

say "journald"
if journal_answers; then
	echo "systemd-journald already answers on /run/systemd/journal/socket"
else
	echo "starting /lib/systemd/systemd-journald (stopped again at the end)"
	start journald setsid /lib/systemd/systemd-journald
	wait_for 10 journald journal_answers
fi

say "system bus"
# A bus configured like the system bus (deny by default; services' policy
# files open what they need) that includes the tree's policy for
# org.storage.Peripety1, on a socket of its own; DBUS_SYSTEM_BUS_ADDRESS
# points every program below at it, as libdbus, sd-bus and godbus honour.
cat >"$work/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>$top/packaging/dbus-1/system.d/org.storage.Peripety1.conf</include>
</busconfig>
EOF
start bus dbus-daemon --nofork --config-file "$work/system.conf"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/system_bus_socket
bus_answers() { busctl --system list --no-pager >/dev/null 2>&1; }
wait_for 10 "the bus" bus_answers
echo "bus at $DBUS_SYSTEM_BUS_ADDRESS"

say "peripetyd"
mkdir "$work/state"
start peripetyd bin/peripetyd --bus system --state-dir "$work/state"
daemon_owns_name() { busctl --system status org.storage.Peripety1 >/dev/null 2>&1; }
wait_for 30 "peripetyd to own org.storage.Peripety1 (see its log: $work/peripetyd.log)" daemon_owns_name
busctl --system get-property org.storage.Peripety1 /org/storage/Peripety1 org.storage.Peripety1 Version Sources

say "watching: prpt monitor -J, busctl monitor org.storage.Peripety1"
start monitor bin/prpt monitor -J
start busctl busctl --system monitor org.storage.Peripety1
# Both listening before anything happens: busctl says when it monitors,
# prpt's connection shows in the bus's list (it subscribes as it connects).
busctl_monitors() { grep -q "Monitoring bus message stream" "$work/busctl.log"; }
wait_for 10 "busctl monitor" busctl_monitors
prpt_connected() { busctl --system list --no-pager 2>/dev/null | grep " prpt " >/dev/null; }
wait_for 10 "prpt monitor on the bus (see $work/monitor.log)" prpt_connected

say "a loop device with ext4, mounted"
truncate -s 64M "$work/disk.img"
loopdev=$(losetup -f --show "$work/disk.img")
kdev=${loopdev#/dev/}
# A file system UUID of our own names our event: the daemon also replays
# this boot's earlier kernel lines, where the same loop device name may
# have been mounted before.
fsuuid=$(cat /proc/sys/kernel/random/uuid)
mkfs.ext4 -q -L peripety-demo -U "$fsuuid" "$loopdev"
mkdir "$work/mnt"
mount "$loopdev" "$work/mnt"
mounted=$work/mnt
echo "mounted $loopdev (ext4 $fsuuid) on $mounted"

# One grep, no pipe: the event's JSON keys come in a fixed order.
our_event='"event_type":"FS_MOUNTED".*"kdev":"'$kdev'".*"dev_wwid":"'$fsuuid'"'
saw_event() { grep -q -E "$our_event" "$work/monitor.log"; }
wait_for 30 "FS_MOUNTED of $kdev ($fsuuid) in prpt monitor (see $work/monitor.log)" saw_event
# The StorageEvent signal of our FS_MOUNTED (its dev_wwid argument is our
# file system's UUID), as busctl prints it: one
# message per block starting "‣ Type=" (">" without UTF-8).
# At most 40 lines (the five strings and the first keys of the event); awk
# cuts it, not head, whose early exit would be a SIGPIPE under pipefail.
signal_block() {
	awk -v k="STRING \"$fsuuid\";" '
		/^(‣|>) Type=/ { if (keep) exit; buf = ""; n = 0; fs = 0 }
		n++ < 40 { buf = buf $0 "\n" }
		/STRING "FS_MOUNTED";/ { fs = 1 }
		fs && index($0, k) { keep = 1 }
		END { if (keep) printf "%s", buf }' "$work/busctl.log"
}
saw_signal() { [ -n "$(signal_block)" ]; }
wait_for 10 "the StorageEvent signal in busctl monitor (see $work/busctl.log)" saw_signal

say "busctl monitor org.storage.Peripety1 saw"
signal_block
echo "  …"

say "cleaning up"
umount "$mounted"
mounted=
losetup -d "$loopdev"
loopdev=
echo "unmounted and detached $kdev"

say "prpt monitor -J saw"
grep -m 1 -E "$our_event" "$work/monitor.log"
