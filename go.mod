module github.com/peripety/peripety

go 1.24

require (
	github.com/alecthomas/kong v1.17.0
	github.com/godbus/dbus/v5 v5.2.4
	github.com/google/go-cmp v0.7.0
)

require golang.org/x/sys v0.27.0 // indirect
