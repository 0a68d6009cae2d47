#!/usr/bin/env bash
# Builds a kshram lab kit from Debian packages:
#   debian-kit.sh NAME SUITE OUTDIR
# SUITE is the apt suite holding the kernel (bookworm-backports), or
# "default" for apt's candidate (bookworm with its security updates).
# The kit gets the kernel image and a static busybox; the matching headers
# are installed with apt, where kbuild expects them.
set -euo pipefail

name=$1 suite=$2 out=$3
step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

command -v apt-get >/dev/null || die "apt-get not found: Debian kits are built on Debian/Ubuntu (or in the docker toolchain)"

at=""
[ "$suite" = default ] || at="/$suite"

step "resolving the $suite kernel"
release=$(apt-cache depends "linux-headers-amd64$at" 2>/dev/null |
	sed -n 's/.*Depends: linux-headers-\([0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
[ -n "$release" ] || die "no linux-headers-amd64 in suite $suite (is it in the apt sources? run apt-get update)"
step "kernel release $release"

if [ ! -e "/usr/src/linux-headers-$release/Makefile" ]; then
	step "installing linux-headers-$release"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "linux-headers-$release$at"
fi

work=$(mktemp -d)
chmod 755 "$work" # apt downloads as the _apt user
trap 'rm -rf "$work"' EXIT
cd "$work"
step "downloading linux-image-$release and busybox-static"
apt-get download -q "linux-image-$release$at" busybox-static >/dev/null
for deb in ./*.deb; do dpkg -x "$deb" root; done

mkdir -p "$out.partial"
cp "root/boot/vmlinuz-$release" "$out.partial/vmlinuz"
cp root/bin/busybox "$out.partial/busybox"
cat > "$out.partial/kit.json" <<JSON
{
  "name": "$name",
  "description": "Debian ${suite/default/bookworm}, Linux $release",
  "kernelRelease": "$release",
  "kernelImage": "vmlinuz",
  "buildDir": "/usr/src/linux-headers-$release",
  "busybox": "busybox",
  "toolchain": "native"
}
JSON
rm -rf "$out"
mv "$out.partial" "$out"
step "kit $name ready in $out"
