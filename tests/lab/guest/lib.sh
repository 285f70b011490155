# Helpers for the lab's scenario scripts, sourced by init.sh (bash, in the
# guest). A scenario runs in its own result directory ($S) and records there
# what it read from the kernel and udev (facts) and what it did (faults), for
# the host-side test to check the daemon's events against. Nothing a scenario
# records is typed in: it is read back from sysfs, udev, blkid or findmnt
# after the stack is built.

# fact KEY VALUE: one fact, KEY=VALUE in facts.env (values on one line).
fact() {
	printf '%s=%s\n' "$1" "${*:2}" | tr -d '\r' >>"$S/facts.env"
}

# fault NAME DEVNAME KIND [KEY=VALUE...]: the scenario is about to make the
# device recorded as DEVNAME fail in the way KIND says; the facts say which
# fault, on which device, and the mark it leaves in the kernel log says when
# (the causal chain the root-cause checks of issue 13 build on).
fault() {
	local name=$1 dev=$2 kind=$3
	shift 3
	fact "fault.$name.dev" "$dev"
	fact "fault.$name.kind" "$kind"
	local kv
	for kv in "$@"; do
		fact "fault.$name.${kv%%=*}" "${kv#*=}"
	done
	kmsg "fault $name: $kind on $dev $*"
}

# recover NAME: the fault NAME is undone from now on.
recover() {
	kmsg "recover $1"
}

# kmsg TEXT: a user-facility mark in the kernel log (the daemon must ignore
# it: it is no kernel line).
kmsg() {
	echo "peripety-lab: $*" >/dev/kmsg
}

# devfacts NAME KNAME: what sysfs, udev, blkid and findmnt say of a block
# device, as NAME.<key> facts.
devfacts() {
	local n=$1 k=$2 d=/sys/class/block/$2 x
	[ -e "$d" ] || { echo "devfacts: no $d" >&2; return 1; }
	fact "$n.kname" "$k"
	fact "$n.majmin" "$(cat "$d/dev")"
	fact "$n.devnode" "/dev/$k"
	[ -r "$d/device/wwid" ] && fact "$n.scsi_wwid" "$(cat "$d/device/wwid")"
	[ -r "$d/wwid" ] && fact "$n.wwid_attr" "$(cat "$d/wwid")"
	[ -r "$d/serial" ] && fact "$n.serial" "$(cat "$d/serial")"
	if [ -d "$d/dm" ]; then
		fact "$n.dm_uuid" "$(cat "$d/dm/uuid")"
		fact "$n.dm_name" "$(cat "$d/dm/name")"
	fi
	[ -r "$d/md/uuid" ] && fact "$n.md_uuid_attr" "$(cat "$d/md/uuid")"
	[ -r "$d/loop/backing_file" ] && fact "$n.backing_file" "$(cat "$d/loop/backing_file")"
	if [ -e "$d/device" ] && [ -d "$d/device/scsi_device" ]; then
		fact "$n.hctl" "$(basename "$(readlink -f "$d/device")")"
	fi
	x=$(udevadm info --query=property --name="$k" 2>/dev/null)
	fact "$n.udev_id_wwn" "$(sed -n 's/^ID_WWN=//p' <<<"$x")"
	fact "$n.udev_md_uuid" "$(sed -n 's/^MD_UUID=//p' <<<"$x")"
	fact "$n.links" "$(sed -n 's/^DEVLINKS=//p' <<<"$x")"
	fact "$n.fs_uuid" "$(blkid -p -s UUID -o value "/dev/$k" 2>/dev/null)"
	fact "$n.fs_type" "$(blkid -p -s TYPE -o value "/dev/$k" 2>/dev/null)"
	fact "$n.mount" "$(findmnt -n -o TARGET --source "/dev/$k" 2>/dev/null | head -1)"
	fact "$n.slaves" "$(ls "$d/slaves" 2>/dev/null | tr '\n' ' ')"
	fact "$n.holders" "$(ls "$d/holders" 2>/dev/null | tr '\n' ' ')"
}

# settle: let udev finish with what the kernel announced.
settle() {
	udevadm settle -t 30 || true
}

# wait_for SECONDS CMD...: run CMD until it succeeds, at most SECONDS.
wait_for() {
	local n=$(($1 * 5))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "wait_for: gave up on $*" >&2; return 1; }
		sleep 0.2
	done
}

# scsi_debug_disks: the kernel names of scsi_debug's disks, by H:C:T:L.
scsi_debug_disks() {
	local h
	for h in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
		[ -e "$h" ] && basename "$h"
	done
}

# hostctl CMD: ask the host to run a QEMU monitor command (device_del,
# device_add ...) and wait for its answer, through the result share.
hostctl() {
	local n
	n=$(date +%s%N)
	echo "$*" >"$LAB_OUT/ctl/$n.req.tmp"
	mv "$LAB_OUT/ctl/$n.req.tmp" "$LAB_OUT/ctl/$n.req"
	wait_for 60 test -e "$LAB_OUT/ctl/$n.done" || return 1
	cat "$LAB_OUT/ctl/$n.done"
}

# drop_caches: so the next read goes to the device.
drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# mpath_setup SIZE_MB: one scsi_debug LUN on two hosts (two paths, one
# WWID) and multipathd, with its TUR checker, making the map. Facts: map,
# p1, p2 (the paths, by H:C:T:L order).
mpath_setup() {
	# scsi_debug emulates ALUA with a port state of host_no % 3 (0
	# active/optimized, 1 active/non-optimized, 2 standby) when
	# vpd_use_hostno=0. A standby port fails reads and TUR, so
	# multipathd's checker fails it at once; of three consecutive hosts
	# the standby one's disk is deleted before multipathd starts.
	modprobe scsi_debug add_host=3 num_tgts=1 vpd_use_hostno=0 dev_size_mb="$1"
	settle
	local d h
	for d in $(scsi_debug_disks); do
		h=$(basename "$(readlink -f /sys/class/block/"$d"/device)")
		if [ $((${h%%:*} % 3)) = 2 ]; then
			devfacts standby "$d"
			echo 1 >/sys/class/block/"$d"/device/delete
		fi
	done
	settle
	if [ -n "${MPATH_JOURNAL:-}" ]; then
		# As multipathd.service runs it: its lines to the journal.
		systemd-cat -t multipathd multipathd -d -s &
	else
		multipathd -d -s >"$S/multipathd.log" 2>&1 &
	fi
	echo $! >/run/lab/multipathd.pid
	wait_for 60 mpath_map
	settle
	local m
	m=$(mpath_map)
	devfacts map "$m"
	set -- $(ls /sys/class/block/"$m"/slaves | sort)
	[ $# = 2 ] || { echo "mpath_setup: map $m has $# paths" >&2; return 1; }
	devfacts p1 "$1"
	devfacts p2 "$2"
	wait_for 30 mpath_active 2
}

# mpath_map: the kernel name of the multipath map, when there is one.
mpath_map() {
	local d
	for d in /sys/class/block/dm-*; do
		case $(cat "$d/dm/uuid" 2>/dev/null) in mpath-*)
			basename "$d"
			return 0
			;;
		esac
	done
	return 1
}

# mpath_active N: the map has N active paths (dmsetup status: each path's
# major:minor is followed by its state, A or F).
mpath_active() {
	[ "$(dmsetup status "$(cat /sys/class/block/"$(mpath_map)"/dm/name)" |
		awk '{for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+:[0-9]+$/ && $(i + 1) == "A") n++} END {print n + 0}')" = "$1" ]
}

mpath_teardown() {
	kill "$(cat /run/lab/multipathd.pid)"
	wait_for 30 sh -c '! pidof multipathd'
	multipath -F || dmsetup remove_all
	settle
	modprobe -r scsi_debug
}

# path_offline NAME / path_running NAME: set the SCSI device recorded as
# NAME offline (the kernel rejects its I/O) or running again.
path_offline() {
	echo offline >"/sys/class/block/$(factval "$1.kname")/device/state"
}
path_running() {
	echo running >"/sys/class/block/$(factval "$1.kname")/device/state"
}

# factval KEY: a fact recorded earlier in this scenario.
factval() {
	sed -n "s/^$1=//p" "$S/facts.env" | tail -1
}

# loopdev SIZE_MB: a loop device over a sparse file on the guest's tmpfs.
loopdev() {
	local f
	f=$(mktemp /tmp/img.XXXXXX)
	truncate -s "${1}M" "$f"
	losetup -f --show "$f"
}

# disk_by_serial SERIAL: the kernel name of the disk QEMU gave that serial
# (its udev ID_SERIAL_SHORT, or sysfs serial for virtio and NVMe).
disk_by_serial() {
	local d
	for d in /sys/class/block/*; do
		[ -e "$d/partition" ] && continue
		if [ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] || [ "$(cat "$d/device/serial" 2>/dev/null | tr -d ' ')" = "$1" ] ||
			udevadm info --query=property --path="$d" 2>/dev/null | grep -qx "ID_SERIAL_SHORT=$1"; then
			basename "$d"
			return 0
		fi
	done
	return 1
}

# bad_sector: the sector QEMU's blkdebug fails reads at under the lab's
# media-error disks (the rule the host wrote, tests/lab's blkdebugRules).
bad_sector() {
	sed -n 's/^sector = "\(.*\)"/\1/p' "$LAB_OUT/blkdebug.rules"
}

# syslog_to_journal / syslog_off: the daemons that log with syslog(3)
# (dmeventd, mdadm --syslog) reach journald through /dev/log, as on a
# systemd host; only the scenarios that want their lines link it.
syslog_to_journal() {
	ln -sf /run/systemd/journal/dev-log /dev/log
}
syslog_off() {
	rm -f /dev/log
}

# daemon_version NAME PACKAGE: the version of the daemon the scenario runs,
# as the fact daemon.NAME.version.
daemon_version() {
	fact "daemon.$1.version" "$(dpkg-query -W -f='${Version}' "$2")"
}
