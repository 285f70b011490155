# smartd watching a scsi_debug disk that predicts its own failure:
# scsi_debug answers REQUEST SENSE and the Informational Exceptions log
# page with THRESHOLD EXCEEDED (asc 0x5d, ascq 0xff) once its Informational
# Exceptions Control mode page has TEST set and MRIE 6, as smartd's health
# check reads it. smartd runs as smartd.service does (-n, through
# syslog(3)), until it has checked the disk once.
syslog_to_journal
daemon_version smartd smartmontools
modprobe scsi_debug dev_size_mb=16
settle
disk=$(scsi_debug_disks)
devfacts disk "$disk"
# Exceptions enabled (DEXCPT clear), TEST set, MRIE 6.
fault predicted disk smart_failure
sg_wr_mode --page=0x1c --contents=1c,0a,04,06,00,00,00,00,00,00,00,00 /dev/"$disk"
sg_wr_mode --page=0x1c /dev/"$disk" || true
smartctl -H /dev/"$disk" || true
echo "/dev/$disk -d scsi -H" >/run/lab/smartd.conf
# As smartd.service: no fork, its lines through syslog. It checks each
# disk as it registers it, then every 10 s (-i).
smartd -n -i 10 -c /run/lab/smartd.conf &
echo $! >/run/lab/smartd.pid
wait_for 60 sh -c 'journalctl -t smartd | grep -q "SMART Failure"'
kill "$(cat /run/lab/smartd.pid)"
wait_for 30 sh -c '! pidof smartd'
recover predicted
# DEXCPT set again, as scsi_debug starts.
sg_wr_mode --page=0x1c --contents=1c,0a,08,00,00,00,00,00,00,00,00,00 /dev/"$disk"
settle
sleep 1
modprobe -r scsi_debug
syslog_off
