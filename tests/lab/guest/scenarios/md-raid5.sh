# md raid5 with three members: as md-raid1.
. "$LAB_GUEST/scenarios/md-common.sh"
md_scenario raid5 3
