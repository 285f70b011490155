// Package packaging holds the files that install Peripety as a system
// service: the systemd unit, the sample config, the man pages, the shell
// completions of prpt and the Debian package's control files, beside the
// D-Bus and polkit files. It has no Go API; its tests install the files
// into a staging tree (and, as root, onto this machine as a .deb) and check
// them with the tools that will read them: systemd-analyze, xmllint,
// dbus-daemon, pkaction, groff, bash, zsh and fish.
package packaging
