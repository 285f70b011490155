#!/bin/bash
# PID 1 of a lab guest, after the initramfs switched to the host's root
# (read-only over 9p). It readies the guest (a writable /etc, /var and /root
# over tmpfs, the lab kernel's modules, udevd, journald, a system bus), runs
# the scenarios the host asked for in run.env, each under its own peripetyd,
# and powers the guest off. Everything it learns goes to the result share
# (/run/lab/out): the kernel log, each scenario's facts, and the daemon's
# events as it printed, stored and signalled them. Its steps are one
# function, main, so that bash has read all of it before it runs any (it
# reads a script as it goes, and this one is on the host's live tree).
main() {
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME=/root

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
LAB_OUT=/run/lab/out
mkdir -p $LAB_OUT
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out $LAB_OUT || poweroff_now
export LAB_OUT
# Every record the kernel prints from boot on, in /dev/kmsg's own form.
cat /dev/kmsg >$LAB_OUT/kmsg &
kmsg_pid=$!
exec >$LAB_OUT/init.log 2>&1
# shellcheck source=/dev/null
. $LAB_OUT/run.env
step() { echo "init: $(cut -d' ' -f1 /proc/uptime) $*"; }
step "scenarios $LAB_SCENARIOS, source $LAB_SOURCE"

# Writable /etc, /var and /root: tmpfs over the host's.
for d in etc var root; do
	mkdir -p /run/ov/$d/up /run/ov/$d/work
	mount -t overlay overlay -o lowerdir=/$d,upperdir=/run/ov/$d/up,workdir=/run/ov/$d/work /$d ||
		{ echo "init: overlay /$d failed"; poweroff_now; }
done
# The lab kernel's modules where modprobe and the kernel's autoload look.
mount --bind "$LAB_KMODDIR" /lib/modules || { echo "init: no /lib/modules to bind on"; poweroff_now; }
mount -t configfs configfs /sys/kernel/config 2>/dev/null || { modprobe configfs && mount -t configfs configfs /sys/kernel/config; }
hostname lab
echo lab >/etc/hostname
ip link set lo up
[ -s /etc/machine-id ] || dbus-uuidgen >/etc/machine-id
# No rate limit on the lab's own marks in the kernel log.
echo on >/proc/sys/kernel/printk_devkmsg

# udev, with the lab's multipath config (find_multipaths no: multipathd
# takes every scsi_debug path, as it did when the original project was
# written; Debian 12 defaults to strict).
cat >/etc/multipath.conf <<'EOF'
defaults {
	find_multipaths no
	user_friendly_names yes
	polling_interval 2
	no_path_retry fail
}
EOF
# What the scenarios' tools expect loaded (no device node asks for them).
modprobe -a loop dm-mod dm-multipath
step udev
mkdir -p /run/udev/rules.d /run/lab
# LVM without dmeventd (no monitoring daemon runs in the guest).
sed -i 's/^\s*# monitoring = 1/\tmonitoring = 0/' /etc/lvm/lvm.conf
/lib/systemd/systemd-udevd --daemon
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle -t 60

step journald
mkdir -p /run/systemd/journal /run/log/journal
/lib/systemd/systemd-journald >$LAB_OUT/journald.log 2>&1 &
for _ in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.2; done

step dbus
mkdir -p /run/dbus
# Anyone may own, call, answer and listen: udisksd and polkitd answer
# method calls (without method_return allowed their replies are dropped
# and the callers time out).
cat >/run/lab/dbus.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="signal"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file=/run/lab/dbus.conf --fork --nopidfile
for _ in $(seq 50); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.2; done

cat >/run/lab/peripetyd.conf <<'EOF'
[main]
notify_stdout = true
save_to_journald = true
dump_blk_info_at_start = true
EOF

# shellcheck source=lib.sh
. "$LAB_GUEST/lib.sh"

# wait_quiet FILE: until FILE has not grown for 2 s (the daemon has
# written what the scenario made the kernel print).
wait_quiet() {
	local prev=-1 cur n=0
	while [ $n -lt 150 ]; do
		cur=$(stat -c %s "$1")
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		n=$((n + 1))
		sleep 2
	done
}

run_scenario() {
	local name=$1 pid mon t0 t1
	S=$LAB_OUT/s/$name
	export S
	mkdir -p "$S"
	: >"$S/facts.env"
	busctl --system monitor --json=short --match="type='signal',interface='org.storage.Peripety1'" >"$S/signals.json" 2>"$S/busctl.log" &
	mon=$!
	mkdir -p /run/peripety
	"$LAB_DAEMON" --config /run/lab/peripetyd.conf --source "$LAB_SOURCE" --bus system \
		--state-dir /run/peripety >"$S/events.jsonl" 2>"$S/daemon.log" &
	pid=$!
	wait_for 60 grep -q PERIPETY_DAEMON_STARTED "$S/events.jsonl"
	wait_quiet "$S/events.jsonl"
	t0=$(date +%s%N)
	kmsg "begin $name"
	if [ "$name" = boot ]; then
		echo 0 >"$S/script.rc"
	else
		(
			set -eu -o pipefail
			cd "$S"
			# shellcheck source=/dev/null
			. "$LAB_GUEST/scenarios/$name.sh"
		) >"$S/script.log" 2>&1
		echo $? >"$S/script.rc"
	fi
	settle
	wait_quiet "$S/events.jsonl"
	kmsg "end $name"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >"$S/time_ms"
	grep -E '^(VmHWM|VmRSS)' /proc/$pid/status >"$S/daemon.mem"
	kill -TERM $pid
	wait $pid
	echo $? >"$S/daemon.rc"
	sleep 0.5
	kill $mon
	wait $mon 2>/dev/null
	journalctl --no-pager -o json IS_PERIPETY=TRUE _PID=$pid >"$S/journal.json" 2>"$S/journalctl.log"
	# The storage daemons' lines of the scenario, as the journal source
	# reads them (parsers.JournalMatches).
	journalctl --no-pager -o json --since=@$((t0 / 1000000000)) \
		--output-fields=MESSAGE,PRIORITY,SYSLOG_FACILITY,SYSLOG_IDENTIFIER,_COMM,_SYSTEMD_UNIT,_TRANSPORT,_HOSTNAME \
		SYSLOG_IDENTIFIER=multipathd + SYSLOG_IDENTIFIER=iscsid + SYSLOG_IDENTIFIER=dmeventd + SYSLOG_IDENTIFIER=lvm + \
		SYSLOG_IDENTIFIER=mdadm + SYSLOG_IDENTIFIER=smartd + SYSLOG_IDENTIFIER=udisksd + SYSLOG_IDENTIFIER=nvme + \
		_COMM=multipathd + _COMM=iscsid + _COMM=dmeventd + _COMM=mdadm + _COMM=smartd + _COMM=udisksd + _COMM=nvme \
		>"$S/daemons.json" 2>>"$S/journalctl.log"
}

for name in ${LAB_SCENARIOS//,/ }; do
	step "scenario $name"
	run_scenario "$name"
done
step done
sleep 1
kill $kmsg_pid
touch $LAB_OUT/done
poweroff_now
}

main "$@"
