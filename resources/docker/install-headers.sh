#!/bin/sh
# Runs inside the image build, after install-toolchain.sh: a Debian kit's
# kernel headers at /usr/src/linux-headers-RELEASE, as on the host.
#   install-headers.sh [HEADERS_PACKAGE[/SUITE]]   (nothing to do when empty:
#   imported kits mount their own module build directory)
set -eu
headers=${1:-}
[ -n "$headers" ] || exit 0
install() { apt-get install -y -q --no-install-recommends "$@"; }
apt-get update -q
# the headers' files, unpacked; of their dependencies only the common
# headers and kbuild (this architecture's fixdep and modpost), not the
# kernel image Debian's 6.12 headers also depend on
pkg=${headers%%/*}
suite=""
[ "$pkg" = "$headers" ] || suite="/${headers#*/}"
deps=$(apt-cache show "$pkg:amd64$suite" | sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
	sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ :]*\).*/\1/p')
[ -n "$deps" ] || { echo "error: no package $pkg:amd64$suite" >&2; exit 1; }
# shellcheck disable=SC2086 # one package per word
install $(for d in $deps; do printf '%s%s ' "$d" "$suite"; done)
# unpacked aside: the package's ./lib entry would replace the /lib symlink
mkdir -m 755 /tmp/headers && cd /tmp/headers
apt-get download "$pkg:amd64$suite"
dpkg -x ./*.deb root
mv "root/usr/src/$pkg" /usr/src/
cd / && rm -rf /tmp/headers
test -e "/usr/src/$pkg/Makefile"
apt-get clean
rm -rf /var/lib/apt/lists/*
