// Package packaging holds the files that install Peripety as a system
// service: the systemd unit, the sample config, the man pages, the
// journald message catalog and the Debian package's debian/ directory
// (debhelper), beside the D-Bus and polkit files; packaging/completions
// generates prpt's shell completions and packaging/catalog the catalog. It
// has no Go API; its tests install the files into a staging tree (and, as
// root, onto this machine as a .deb) and check them with the tools that
// will read them: systemd-analyze, xmllint, dbus-daemon, pkaction, the
// bus's activation, groff, man, journalctl and lintian; and they run
// `make demo`.
package packaging
