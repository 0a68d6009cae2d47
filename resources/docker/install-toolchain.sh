#!/bin/sh
# Runs inside the image build: the compiler, make, static libc, busybox and
# the kit's kernel headers. On a non-x86_64 host (arm64 Macs) it installs
# the x86_64 cross compiler and makes `cc` produce x86_64 programs.
#   install-toolchain.sh [HEADERS_PACKAGE[/SUITE]]
set -eu
headers=${1:-}
mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# debootstrap's sources list only "bookworm main"; kernel headers live in
# the updates, security and backports suites
cat > /etc/apt/sources.list.d/kshram-lab.sources <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm-updates bookworm-backports
Components: main
Signed-By: $keyring

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: $keyring
SOURCES

arch=$(dpkg --print-architecture)
# the kernel headers package is amd64's on every host
[ "$arch" = amd64 ] || dpkg --add-architecture amd64
apt-get update -q
install() { apt-get install -y -q --no-install-recommends "$@"; }
install ca-certificates gcc make libc6-dev busybox-static kmod libelf-dev

if [ "$arch" != amd64 ]; then
	# cross: gcc for x86_64 and its static libc; `cc` builds guest programs
	install gcc-x86-64-linux-gnu gcc-12-x86-64-linux-gnu libc6-dev-amd64-cross
	ln -sf /usr/bin/x86_64-linux-gnu-gcc /usr/local/bin/cc
fi
if [ -n "$headers" ]; then
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
	install gcc-12 $(for d in $deps; do printf '%s%s ' "$d" "$suite"; done)
	# unpacked aside: the package's ./lib entry would replace the /lib symlink
	mkdir -m 755 /tmp/headers && cd /tmp/headers
	apt-get download "$pkg:amd64$suite"
	dpkg -x ./*.deb root
	mv "root/usr/src/$pkg" /usr/src/
	cd / && rm -rf /tmp/headers
	test -e "/usr/src/$pkg/Makefile"
fi
apt-get clean
rm -rf /var/lib/apt/lists/*
