#!/usr/bin/env bash
# npm run setup: everything kshram lab needs on a Debian/Ubuntu x86_64 host.
# Idempotent: installs only what is missing, and says what it does.
# `setup.sh --tools` stops after the apt tools (the host check test uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Tools only: no kernel, no headers, no apt source (kits unpack theirs into
# the cache). qemu and busybox boot the guest; gcc-12 (the compiler Debian's
# kernels are built with), make and libc6-dev build modules and the static
# check programs; the Debian keyring checks a kit's packages; xz and zstd
# unpack kernels for fast PVH boots; chromium runs the end-to-end UI tests;
# docker.io and debootstrap make the docker toolchain (KSHRAM_LAB_NO_DOCKER=1
# leaves them out); bubblewrap is the build sandbox; sparse checks the
# module's C; flex ... dwarves build a debug kit's kernel.
packages=(qemu-system-x86 busybox-static cpio bzip2 xz-utils zstd build-essential gcc-12 libc6-dev kmod
	debian-archive-keyring bubblewrap chromium sparse flex bison bc libelf-dev libssl-dev dwarves ${KSHRAM_LAB_EXTRA_PACKAGES:-})
[ -n "${KSHRAM_LAB_NO_DOCKER:-}" ] || packages+=(docker.io debootstrap)
# the editor's language server and formatter: 19 is the newest bookworm has (clangd is 14, clangd-16 16)
packages+=(clangd-19 clang-format-19)
# the debugger of Debug boots (kshram-lab boot --debug, the Debug button)
packages+=(gdb)
# the course service's queue (kshram-lab serve starts a private one unless --redis names another)
packages+=(redis-server)

if command -v apt-get >/dev/null; then
	missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		step "apt: installing ${missing[*]}"
		as_root apt-get update -q
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	else
		step "apt: all ${#packages[@]} packages present"
	fi
else
	echo "Not a Debian/Ubuntu host: install QEMU (qemu-system-x86_64) yourself; modules will build with the docker toolchain." >&2
fi

[ "${1:-}" != --tools ] || exit 0

step "npm: installing dependencies (Electron's binary download skipped)"
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
# node-pty compiles against Node's headers; without network access node-gyp
# cannot download them, so point it at the ones installed with Node.
nodedir=$(npm config get nodedir 2>/dev/null || true)
if { [ -z "$nodedir" ] || [ "$nodedir" = undefined ] || [ "$nodedir" = null ]; } && [ -f /usr/include/node/node.h ]; then
	export npm_config_nodedir=/usr
fi
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

# the built-in kits, unpacked into the cache: Debian's 6.1 (default) and 6.12
# (bookworm-security or -backports, through a private apt configuration in
# the cache when the host's apt does not list it)
for kit in debian-6.1 debian-6.12; do
	step "kit: $kit"
	node bin/kshram-lab.js kits install "$kit"
done

# checkpatch.pl from Debian's kernel source (apt-get download, nothing installed)
cache=${KSHRAM_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kshram-lab}
if [ ! -f "$cache/tools/checkpatch/checkpatch.pl" ]; then
	step "checkpatch.pl from linux-source-6.1"
	bash resources/tools/fetch-checkpatch.sh "$cache/tools/checkpatch"
fi

# the docker toolchain: a running daemon and the image for the default kit
if [ -z "${KSHRAM_LAB_NO_DOCKER:-}" ] && command -v docker >/dev/null; then
	bash scripts/start-docker.sh
	step "docker toolchain image for debian-6.1 (debootstrap + docker build the first time)"
	node bin/kshram-lab.js kits docker debian-6.1
fi
step "setup done: try  npx kshram-lab grade module"
