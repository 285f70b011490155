# md raid1: create (resync start and finish), a member fails under I/O
# (its dm-linear turned to dm-error), the array runs degraded; a new member
# is added and recovered.
. "$LAB_GUEST/scenarios/md-common.sh"
md_scenario raid1 2
