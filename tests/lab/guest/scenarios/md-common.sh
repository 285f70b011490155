# md_scenario LEVEL N: an array of N members, each a dm-linear (labmK) over
# a loop device, so that a member can be made to fail for real.
md_scenario() {
	local level=$1 n=$2 i devs=() l
	for i in $(seq 1 $((n + 1))); do
		l=$(loopdev 24)
		dmsetup create labm$i --table "0 $((24 * 2048)) linear $l 0"
		echo "$l" >/run/lab/md-loop$i
	done
	for i in $(seq 1 "$n"); do devs+=(/dev/mapper/labm$i); done
	mdadm --create /dev/md0 --run --level="$level" --raid-devices="$n" --metadata=1.2 "${devs[@]}"
	settle
	wait_for 120 md_idle md0
	devfacts md md0
	for i in $(seq 1 $((n + 1))); do
		devfacts m$i "$(basename "$(readlink -f /dev/mapper/labm$i)")"
	done
	if [ -n "${MD_MONITOR:-}" ]; then
		# mdadm --monitor as mdmonitor.service runs it, with --syslog,
		# polling every second rather than every minute.
		mdadm --monitor --syslog --delay=1 /dev/md0 &
		echo $! >/run/lab/mdadm.pid
		sleep 2
	fi
	fault member m1 member_io_error
	dmsetup suspend labm1
	dmsetup load labm1 --table "0 $((24 * 2048)) error"
	dmsetup resume labm1
	dd if=/dev/urandom of=/dev/md0 bs=4096 count=64 oflag=direct || true
	wait_for 30 grep -q '(F)' /proc/mdstat
	fact md.degraded "$(cat /sys/block/md0/md/degraded)"
	recover member
	mdadm /dev/md0 --remove /dev/mapper/labm1 || mdadm /dev/md0 --remove failed
	mdadm /dev/md0 --add /dev/mapper/labm$((n + 1))
	wait_for 120 md_idle md0
	fact md.degraded_after "$(cat /sys/block/md0/md/degraded)"
	if [ -n "${MD_MONITOR:-}" ]; then
		# Its last poll tells the rebuild finished; stopped before the
		# array is, which it would report as gone.
		sleep 3
		kill "$(cat /run/lab/mdadm.pid)"
	fi
	mdadm --stop /dev/md0
	settle
	for i in $(seq 1 $((n + 1))); do
		dmsetup remove labm$i
		losetup -d "$(cat /run/lab/md-loop$i)"
	done
}

# md_idle MD: no resync or recovery running or pending.
md_idle() {
	[ "$(cat /sys/block/"$1"/md/sync_action)" = idle ] && ! grep -qE 'resync|recovery' /proc/mdstat
}
