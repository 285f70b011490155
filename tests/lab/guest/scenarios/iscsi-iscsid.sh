# The iscsi scenario (an LIO target over loopback going away and coming
# back) under a daemon that reads the journal: iscsid's lines beside the
# kernel's.
# shellcheck source=iscsi.sh
. "$LAB_GUEST/scenarios/iscsi.sh"
fact disk.target "$iqn"
