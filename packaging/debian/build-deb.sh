#!/usr/bin/env bash
# Builds bin/peripety_<version>_<arch>.deb with Debian's own tools: `make
# install` into a staging tree, DEBIAN/ from this directory (control with the
# library dependencies dpkg-shlibdeps finds, conffiles, md5sums, maintainer
# scripts), then `dpkg-deb --build`. Needs no root (--root-owner-group).
# Prints the path of the package on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"

# A Debian version must start with a digit: a tag v1.2.3-4-gabc becomes
# 1.2.3+4.gabc; an untagged tree 0.1.0+g<commit>[.dirty].
desc=$(git describe --tags --always --dirty 2>/dev/null || echo unknown)
if [[ $desc =~ ^v?([0-9]+(\.[0-9]+)*)(-([0-9]+)-g([0-9a-f]+))?(-dirty)?$ ]]; then
	version=${BASH_REMATCH[1]}
	extra=${BASH_REMATCH[4]:+${BASH_REMATCH[4]}.g${BASH_REMATCH[5]}}
	[[ -n ${BASH_REMATCH[6]} ]] && extra=${extra:+$extra.}dirty
	version+=${extra:++$extra}
else
	version="0.1.0+g${desc/-dirty/.dirty}"
fi
arch=$(dpkg --print-architecture)

stage=$(mktemp -d "${TMPDIR:-/tmp}/peripety-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root

make --no-print-directory install DESTDIR="$root" prefix=/usr sysconfdir=/etc VERSION="$version" >&2

# Debian ships man pages compressed.
gzip -9n "$root"/usr/share/man/man*/*

# Library dependencies of the binaries, as dpkg-shlibdeps reads them from
# the ELF files (it wants a debian/control beside it, so give it one).
mkdir -p "$stage/src/debian"
printf 'Source: peripety\n\nPackage: peripety\nArchitecture: any\n' >"$stage/src/debian/control"
shlibs=$(cd "$stage/src" && dpkg-shlibdeps -O -e"$root/usr/sbin/peripetyd" -e"$root/usr/bin/prpt" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
# libsystemd0 is opened at run time (dlopen) by the journald reader, so no
# ELF dependency shows it.
depends="libsystemd0${shlibs:+, $shlibs}"

mkdir "$root/DEBIAN"
size=$(du -sk "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	-e "s/@DEPENDS@/$depends/" "$here/control.in" >"$root/DEBIAN/control"
install -m 0644 "$here/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
	>"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

# gzip: a build in seconds where xz takes half a minute on a busy machine;
# the package is ~2 MiB larger.
mkdir -p bin
deb=bin/peripety_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >&2
echo "$top/$deb"
