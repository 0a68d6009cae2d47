#!/bin/sh
# Runs inside the image build: the compiler, make, static libc and
# busybox, the same for every kit (one shared layer; install-headers.sh
# adds a kit's headers on top). On a non-x86_64 host (arm64 Macs) it
# installs the x86_64 cross compiler and makes `cc` produce x86_64 programs.
set -eu
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
install ca-certificates gcc gcc-12 make libc6-dev busybox-static kmod libelf-dev pahole

if [ "$arch" != amd64 ]; then
	# cross: gcc for x86_64 and its static libc; `cc` builds guest programs
	install gcc-x86-64-linux-gnu gcc-12-x86-64-linux-gnu libc6-dev-amd64-cross
	ln -sf /usr/bin/x86_64-linux-gnu-gcc /usr/local/bin/cc
fi
apt-get clean
rm -rf /var/lib/apt/lists/*
