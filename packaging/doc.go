// Package packaging holds the files that install Peripety as a system
// service: the systemd unit, the sample config, the man pages and the
// Debian package's control files, beside the D-Bus and polkit files;
// packaging/completions generates prpt's shell completions. It has no Go
// API; its tests install the files into a staging tree (and, as root, onto
// this machine as a .deb) and check them with the tools that will read
// them: systemd-analyze, xmllint, dbus-daemon, pkaction, the bus's
// activation, groff and man; and they run `make demo`.
package packaging
