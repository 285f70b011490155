# md raid1 under mdadm --monitor --syslog: the member fails under I/O,
# mdadm reports the Fail beside the kernel's lines, then the rebuild onto
# the new member (md-raid1's script, with the monitor).
. "$LAB_GUEST/scenarios/md-common.sh"
syslog_to_journal
daemon_version mdadm mdadm
MD_MONITOR=1
md_scenario raid1 2
syslog_off
