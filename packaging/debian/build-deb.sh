#!/usr/bin/env bash
# Builds bin/peripety_<version>_<arch>.deb the Debian way: a copy of the
# source tree with this directory as its debian/, built by
# dpkg-buildpackage (debhelper: dh_strip, dh_installsystemd, dh_installdeb,
# dh_shlibdeps…). A tree that is not the release of the top changelog entry
# gets a snapshot entry of its own version, from git describe.
# Prints the path of the package on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"

# A Debian version must start with a digit: a tag v1.2.3-4-gabc becomes
# 1.2.3+4.gabc; an untagged tree <changelog version>+g<commit>[.dirty].
released=$(dpkg-parsechangelog -l "$here/changelog" -S Version)
desc=$(git describe --tags --always --dirty 2>/dev/null || echo unknown)
if [[ $desc =~ ^v?([0-9]+(\.[0-9]+)*)(-([0-9]+)-g([0-9a-f]+))?(-dirty)?$ ]]; then
	version=${BASH_REMATCH[1]}
	extra=${BASH_REMATCH[4]:+${BASH_REMATCH[4]}.g${BASH_REMATCH[5]}}
	[[ -n ${BASH_REMATCH[6]} ]] && extra=${extra:+$extra.}dirty
	version+=${extra:++$extra}
else
	version="$released+g${desc/-dirty/.dirty}"
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/peripety-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
src=$stage/peripety-$version
mkdir "$src"
# The tree as it is, committed or not, without what git ignores.
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src" 2>/dev/null ||
	{ echo "build-deb: cannot copy the source tree" >&2; exit 1; }
rm -rf "$src/debian"
cp -r "$here" "$src/debian"
rm "$src/debian/build-deb.sh"

if [[ $version != "$released" ]]; then
	maint=$(sed -n 's/^Maintainer: //p' "$here/control")
	{
		printf 'peripety (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Snapshot of %s.\n\n' "$desc"
		printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
		cat "$here/changelog"
	} >"$src/debian/changelog"
fi

# -d: the Go toolchain on the build machine need not be Debian's golang-go
# (Debian 12's is too old for go.mod); the other build dependencies are
# checked by the build itself.
(cd "$src" && dpkg-buildpackage -b -us -uc -d) >&2

mkdir -p bin
deb=$(cd "$stage" && ls peripety_*.deb)
cp "$stage/$deb" bin/
echo "$top/bin/$deb"
