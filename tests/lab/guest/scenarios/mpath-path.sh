# Multipath path failure and reinstatement (the original project's
# mpath test): one path of a two-path map goes offline, I/O through the map
# fails it over, multipathd's TUR checker sees it; the path comes back and
# the checker reinstates it.
mpath_setup 32
fault pathdown p1 path_offline
path_offline p1
dd if=/dev/mapper/"$(factval map.dm_name)" of=/dev/null bs=4096 count=16 iflag=direct
wait_for 30 mpath_active 1
recover pathdown
path_running p1
wait_for 60 mpath_active 2
mpath_teardown
