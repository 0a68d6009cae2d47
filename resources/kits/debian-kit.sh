#!/usr/bin/env bash
# Builds a self-contained kshram lab kit from Debian packages:
#   debian-kit.sh NAME SERIES OUTDIR
# SERIES (6.1, 6.12) picks the newest plain amd64 kernel of that series.
#
# Nothing is installed on the host and /etc/apt is never touched: the
# kernel image, linux-headers-REL, its -common headers and linux-kbuild are
# fetched with `apt-get download` and unpacked with `dpkg -x` into
# OUTDIR/root; the one absolute path kbuild follows (the headers' Makefile
# including the -common Makefile under /usr/src) is rewritten to the kit.
#
# Host apt is used when its lists know the series (read only, any user).
# Otherwise (6.12 on a host without bookworm-security's 6.12, a non-Debian
# apt host, or KSHRAM_LAB_PRIVATE_APT=1) a private apt configuration in
# KSHRAM_LAB_APT_DIR (the user's cache) lists bookworm, -security and
# -backports: its own sources list, lists and archives directories.
#
# With KSHRAM_LAB_SKIP_HEADERS=1 (the recipe running in a container for a
# host without apt) the kit gets no build tree: it builds with the docker
# toolchain, whose image installs the headers (their kbuild programs must
# run on the container's architecture).
set -euo pipefail

name=$1 series=$2 out=$3
step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v apt-get >/dev/null || die "apt-get not found: Debian kits are built on Debian/Ubuntu (or in the docker toolchain)"
command -v dpkg >/dev/null || die "dpkg not found: it unpacks the kit's packages"
[ "$(dpkg --print-architecture)" = amd64 ] || die "Debian kits are made on an amd64 host (or with --docker)"

MIRROR=${KSHRAM_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${KSHRAM_LAB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
apt_dir=${KSHRAM_LAB_APT_DIR:-$(dirname "$(dirname "$out")")/apt}
apt_opts=()

# plain amd64 flavour only (not -rt-amd64, -cloud-amd64), newest first
release_pattern="^linux-headers-${series//./\\.}\\.[0-9][0-9a-z.+~-]*[0-9]-amd64\$"
newest_release() {
	# none listed is an answer (empty), not a failure: with pipefail, grep's "no match" would end the script
	apt-cache "${apt_opts[@]}" pkgnames "linux-headers-$series." 2>/dev/null | { grep -E "$release_pattern" || true; } |
		sed 's/^linux-headers-//' | sort -V | tail -n 1
}

# apt with its own sources, lists, archives and (empty) dpkg status in the cache
use_private_apt() {
	[ -e "$KEYRING" ] || die "the Debian archive keyring $KEYRING is missing (npm run setup installs debian-archive-keyring)"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/cache" "$apt_dir/sources.list.d" "$apt_dir/preferences.d"
	: >"$apt_dir/status"
	cat >"$apt_dir/sources.list" <<-SOURCES
		deb [signed-by=$KEYRING] $MIRROR bookworm main
		deb [signed-by=$KEYRING] $MIRROR bookworm-backports main
		deb [signed-by=$KEYRING] $SECURITY_MIRROR bookworm-security main
	SOURCES
	apt_opts=(
		-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
		-o "Dir::Etc::PreferencesParts=$apt_dir/preferences.d" -o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir/cache" -o "Dir::Cache::Archives=$apt_dir/archives"
		-o APT::Architecture=amd64 -o APT::Architectures=amd64 -o Acquire::Languages=none
	)
	step "apt-get update of the private apt lists in $apt_dir (bookworm, -security, -backports)"
	apt-get "${apt_opts[@]}" update -q 2>&1 | grep -vE '^(Hit|Get|Ign|Reading)' || true
}

step "resolving the newest Linux $series kernel"
release=""
[ -n "${KSHRAM_LAB_PRIVATE_APT:-}" ] || release=$(newest_release)
if [ -z "$release" ]; then
	use_private_apt
	release=$(newest_release)
fi
[ -n "$release" ] || die "no Linux $series headers for amd64 in bookworm, bookworm-security or bookworm-backports (is $MIRROR reachable?)"

# the headers' version pins the packages of the same kernel build; naming
# name=version also stops apt-get download reading a name as a pattern
field() { apt-cache "${apt_opts[@]}" show --no-all-versions "$1" | sed -n "s/^$2: //p" | head -n 1; }
version=$(field "linux-headers-$release" Version)
origin=$(apt-cache "${apt_opts[@]}" madison "linux-headers-$release" | awk -F'|' -v v="$version" '{ gsub(/ /, "", $2) } $2 == v { split($3, a, " "); split(a[2], b, "/"); print b[1]; exit }')
deps=$(field "linux-headers-$release" Depends | tr ',|' '\n\n' | sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ ]*\).*/\1/p' | sort -u)
step "kernel release $release ($version, ${origin:-apt})"

work="$out.partial"
rm -rf "$work"
mkdir -p "$work/debs"
chmod 777 "$work/debs" # as root apt downloads as the _apt user
packages=("linux-image-$release=$version" busybox-static)
if [ -z "${KSHRAM_LAB_SKIP_HEADERS:-}" ]; then
	packages+=("linux-headers-$release=$version")
	for dep in $deps; do packages+=("$dep=$version"); done
fi
step "apt-get download ${packages[*]}"
(cd "$work/debs" && apt-get "${apt_opts[@]}" download -q "${packages[@]}" 2>&1 | grep -vE '^(Get|Fetched)' || true)
for pkg in "${packages[@]}"; do
	compgen -G "$work/debs/${pkg%%=*}_*.deb" >/dev/null || die "apt-get download did not fetch ${pkg%%=*}"
done
for deb in "$work/debs"/*.deb; do dpkg -x "$deb" "$work/root"; done

cp "$work/root/boot/vmlinuz-$release" "$work/vmlinuz"
busybox=$(find "$work/root/bin" "$work/root/usr/bin" -maxdepth 1 -name busybox 2>/dev/null | head -n 1 || true)
[ -n "$busybox" ] || die "busybox-static held no busybox"
cp "$busybox" "$work/busybox"
# the image's modules (~400 MB), docs and busybox's copy are not needed;
# its boot/System.map is a placeholder (the real one is in the -dbg package,
# ~860 MB): `kits install` reads the kernel's symbols from a boot instead
rm -rf "$work/debs" "$work/root/boot" "$work/root/lib" "$work/root/bin" "$work/root/usr/bin" "$work/root/usr/lib/modules" "$work/root/usr/share"

toolchain=native
build_dir="root/usr/src/linux-headers-$release"
if [ -n "${KSHRAM_LAB_SKIP_HEADERS:-}" ]; then
	toolchain=docker
	build_dir="/usr/src/linux-headers-$release"
	rm -rf "$work/root"
	step "headers: left to the docker toolchain image"
else
	makefile="$work/$build_dir/Makefile"
	[ -e "$makefile" ] || die "linux-headers-$release held no Makefile"
	# the Makefile is written to the kit's final place (OUTDIR, not .partial)
	sed -i "s|^include /usr/src/|include $out/root/usr/src/|" "$makefile"
	if grep '/usr/src/' "$makefile" | grep -qv "$out/"; then die "an absolute path is left in $makefile"; fi
	# every symlink in the tree must stay inside it (scripts, tools -> ../../lib/linux-kbuild-*)
	while IFS= read -r link; do
		target=$(readlink "$link")
		case $target in /*) die "absolute symlink $link -> $target in the build tree" ;; esac
	done < <(find "$work/root" -type l)
fi

cat >"$work/kit.json" <<JSON
{
  "name": "$name",
  "description": "Debian ${origin:-bookworm}, Linux $release",
  "kernelRelease": "$release",
  "kernelImage": "vmlinuz",
  "buildDir": "$build_dir",
  "busybox": "busybox",
  "toolchain": "$toolchain",
  "headersPackage": "linux-headers-$release",
  "aptSuite": "${origin:-default}"
}
JSON
rm -rf "$out"
mv "$work" "$out"
step "kit $name ready in $out"
