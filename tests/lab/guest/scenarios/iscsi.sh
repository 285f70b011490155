# iSCSI over loopback: an LIO target (targetcli) exporting a loop device,
# the open-iscsi initiator logged in; the target goes away (its TPG
# disabled): connection errors, the session recovery times out, I/O fails;
# then the target comes back and the session recovers. iscsid logs to the
# journal (kept as a capture of its lines).
iqn=iqn.2025-01.org.peripety:lab
l=$(loopdev 64)
targetcli /backstores/block create name=lab dev="$l" >/dev/null
targetcli /iscsi create "$iqn" >/dev/null
targetcli /iscsi/"$iqn"/tpg1/luns create /backstores/block/lab >/dev/null
targetcli /iscsi/"$iqn"/tpg1 set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1 cache_dynamic_acls=1 >/dev/null
mkdir -p /run/lock/iscsi
# Its own session: iscsid signals its whole process group as it stops.
# Its lines (iscsid -f's stderr) to the journal, as under a unit.
daemon_version iscsid open-iscsi
setsid systemd-cat -t iscsid iscsid -f &
echo $! >/run/lab/iscsid.pid
# iscsid listens on an abstract socket: iscsiadm retries until it answers.
sleep 1
iscsiadm -m discovery -t st -p 127.0.0.1
iscsiadm -m node -T "$iqn" -p 127.0.0.1 -o update -n node.session.timeo.replacement_timeout -v 5
iscsiadm -m node -T "$iqn" -p 127.0.0.1 -l
settle
sess=$(basename /sys/class/iscsi_session/session*)
disk=$(basename /sys/class/iscsi_session/"$sess"/device/target*/*/block/*)
devfacts disk "$disk"
fact disk.session "$sess"
fact disk.connection "$(basename /sys/class/iscsi_connection/connection*)"
fault gone disk target_gone
targetcli /iscsi/"$iqn"/tpg1 disable >/dev/null
wait_for 30 grep -qv LOGGED_IN /sys/class/iscsi_session/"$sess"/state
dd if=/dev/"$disk" of=/dev/null bs=4096 count=1 skip=100 iflag=direct || true
sleep 8
dd if=/dev/"$disk" of=/dev/null bs=4096 count=1 skip=200 iflag=direct || true
recover gone
targetcli /iscsi/"$iqn"/tpg1 enable >/dev/null
wait_for 60 grep -q LOGGED_IN /sys/class/iscsi_session/"$sess"/state
fact disk.state_after "$(cat /sys/class/block/"$disk"/device/state)"
iscsiadm -m node -T "$iqn" -p 127.0.0.1 -u
kill "$(cat /run/lab/iscsid.pid)"
settle
targetcli clearconfig confirm=True >/dev/null
losetup -d "$l"
