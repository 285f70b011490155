# SCSI medium error (the original project's scsi sector error test): a
# scsi_debug disk whose sectors [start, start+count) fail reads with
# MEDIUM ERROR / Unrecovered read error; one direct read of the range.
start=20000 count=8
modprobe scsi_debug dev_size_mb=16 opts=2 medium_error_start=$start medium_error_count=$count
settle
disk=$(scsi_debug_disks)
devfacts disk "$disk"
fault medium disk medium_error sector=$start
dd if=/dev/"$disk" of=/dev/null bs=512 skip=$start count=1 iflag=direct || true
settle
kmsg "teardown"
modprobe -r scsi_debug
