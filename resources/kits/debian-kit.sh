#!/usr/bin/env bash
# Builds a kshram lab kit from Debian packages:
#   debian-kit.sh NAME SUITE OUTDIR [SERIES]
# SUITE is the apt suite holding the kernel (bookworm-backports), or
# "default" for apt's candidate (bookworm with its security updates).
# SERIES (6.1, 6.12) picks the newest kernel of that series; without it,
# the one linux-headers-amd64 depends on (which an installed backports
# metapackage can move, hence the series).
# A *-backports suite missing from the apt sources is added in a sources
# file of its own (backports never upgrade anything unasked).
# The kit gets the kernel image and a static busybox; the matching headers
# are installed with apt, where kbuild expects them. With
# KSHRAM_LAB_SKIP_HEADERS=1 (the recipe running in a container for a host
# without apt) they are not: the kit then builds with the docker toolchain,
# whose image installs them.
set -euo pipefail

name=$1 suite=$2 out=$3 series=${4:-}
step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

command -v apt-get >/dev/null || die "apt-get not found: Debian kits are built on Debian/Ubuntu (or in the docker toolchain)"

MIRROR=http://deb.debian.org/debian
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# true when apt's package lists already know the suite
suite_known() { apt-cache policy 2>/dev/null | grep -q "a=$1,\|n=$1,"; }

at=""
if [ "$suite" != default ]; then
	at="/$suite"
	if ! suite_known "$suite"; then
		if ! grep -rqsE "^[^#]*(Suites:.*[[:space:]]|deb .*[[:space:]])$suite([[:space:]]|$)" /etc/apt/sources.list /etc/apt/sources.list.d/; then
			case $suite in
			*-backports) ;;
			*) die "apt does not know the suite $suite; add it to /etc/apt/sources.list.d yourself (only *-backports suites are added automatically)" ;;
			esac
			[ -e "$KEYRING" ] || die "the Debian archive keyring $KEYRING is missing (apt-get install debian-archive-keyring)"
			step "adding $suite to apt's sources (/etc/apt/sources.list.d/kshram-lab-$suite.sources)"
			printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$MIRROR" "$suite" "$KEYRING" |
				as_root tee "/etc/apt/sources.list.d/kshram-lab-$suite.sources" >/dev/null
		fi
		step "apt-get update"
		as_root apt-get update -q
		suite_known "$suite" || die "apt-get update did not fetch the suite $suite (is $MIRROR reachable?)"
	fi
fi

step "resolving the ${series:-$suite} kernel"
if [ -n "$series" ]; then
	# plain amd64 flavour only (not -rt-amd64, -cloud-amd64), newest first
	pattern="^linux-headers-${series//./\\.}\\.[0-9][0-9a-z.+~-]*[0-9]-amd64\$"
	release=$(apt-cache pkgnames "linux-headers-$series." | grep -E "$pattern" | sed 's/^linux-headers-//' | sort -V | tail -n 1)
else
	release=$(apt-cache depends "linux-headers-amd64$at" 2>/dev/null |
		sed -n 's/.*Depends: linux-headers-\([0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
fi
[ -n "$release" ] || die "no Linux ${series:-kernel} headers for amd64 in suite $suite (is it in the apt sources? run apt-get update)"
# the suite the release comes from (a 6.12 can be in bookworm-security as
# well as in backports): its dependencies are taken from there too
origin=$(apt-cache madison "linux-headers-$release" | awk -F'|' 'NR == 1 { split($3, a, " "); split(a[2], b, "/"); print b[1] }')
[ -n "$origin" ] || die "apt has no package linux-headers-$release (run apt-get update)"
at="/$origin"
step "kernel release $release (from $origin)"

toolchain=native
if [ -n "${KSHRAM_LAB_SKIP_HEADERS:-}" ]; then
	toolchain=docker
	step "headers: left to the docker toolchain image"
elif [ ! -e "/usr/src/linux-headers-$release/Makefile" ]; then
	step "installing linux-headers-$release"
	# PKG/SUITE, not -t SUITE: -t would also move linux-headers-amd64 and
	# linux-libc-dev to the suite's versions; this takes from the suite only
	# what the headers need (since 6.12 they depend on their image package)
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "linux-headers-$release$at"
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
  "description": "Debian $origin, Linux $release",
  "kernelRelease": "$release",
  "kernelImage": "vmlinuz",
  "buildDir": "/usr/src/linux-headers-$release",
  "busybox": "busybox",
  "toolchain": "$toolchain",
  "headersPackage": "linux-headers-$release",
  "aptSuite": "$origin"
}
JSON
rm -rf "$out"
mv "$out.partial" "$out"
step "kit $name ready in $out"
