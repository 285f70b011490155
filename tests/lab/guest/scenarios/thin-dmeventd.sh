# A thin pool monitored by dmeventd: with autoextend off, its data fills
# past 80% (dmeventd warns, every 5%), then overflows (the kernel switches
# it to out-of-data-space); with autoextend on, dmeventd extends a second
# pool as it passes the threshold. dmeventd logs with syslog(3).
syslog_to_journal
daemon_version dmeventd dmeventd
daemon_version lvm lvm2
sed -i 's/^\tmonitoring = 0/\tmonitoring = 1/' /etc/lvm/lvm.conf
dmeventd
pv=$(loopdev 96)
pvcreate -q "$pv"
vgcreate -q labvg "$pv"
lvcreate -q -y --type thin-pool -L 16M -n pool --monitor y labvg
lvchange -q --errorwhenfull y labvg/pool
lvcreate -q -y -V 64M --thinpool labvg/pool -n thin
settle
devfacts pool "$(basename "$(readlink -f /dev/mapper/labvg-pool-tpool)")"
devfacts thin "$(basename "$(readlink -f /dev/labvg/thin)")"
fault filling pool pool_data_high
# 14 of 16 MiB: dmeventd's thin plugin looks every 10 s.
dd if=/dev/urandom of=/dev/labvg/thin bs=1M count=14 oflag=direct
sleep 12
fault full pool pool_out_of_data
dd if=/dev/urandom of=/dev/labvg/thin bs=1M seek=14 count=18 oflag=direct || true
settle
sleep 2
# Autoextend on: the second pool grows by a fifth (the default) past
# 70% full.
sed -i 's/^\t# thin_pool_autoextend_threshold = 100$/\tthin_pool_autoextend_threshold = 70/' /etc/lvm/lvm.conf
lvcreate -q -y --type thin-pool -L 16M -n pool2 --monitor y labvg
lvcreate -q -y -V 64M --thinpool labvg/pool2 -n thin2
settle
devfacts pool2 "$(basename "$(readlink -f /dev/mapper/labvg-pool2-tpool)")"
dd if=/dev/urandom of=/dev/labvg/thin2 bs=1M count=13 oflag=direct
wait_for 40 sh -c '[ "$(lvs --noheadings --units m -o lv_size labvg/pool2 | tr -d " m")" != 16.00 ]'
fact pool2.size_after "$(lvs --noheadings --units m -o lv_size labvg/pool2 | tr -d ' ')"
vgchange -q -an labvg
settle
losetup -d "$pv"
kill "$(pidof dmeventd)" || true
sed -i 's/^\tmonitoring = 1/\tmonitoring = 0/; s/^\tthin_pool_autoextend_threshold = 70$/\t# thin_pool_autoextend_threshold = 100/' /etc/lvm/lvm.conf
syslog_off
