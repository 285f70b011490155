# multipathd's path checker fails a path no I/O is running on (multipathd
# logs it, then has dm-multipath fail it), and reinstates it once it
# answers again; multipathd's lines go to the journal, as under
# multipathd.service.
MPATH_JOURNAL=1
daemon_version multipathd multipath-tools
mpath_setup 32
fault pathdown p1 path_offline
path_offline p1
wait_for 30 mpath_active 1
recover pathdown
path_running p1
wait_for 60 mpath_active 2
mpath_teardown
